namespace CineKernel.Pipeline.Mask;

/// <summary>Which predicted classes are animated (the original's --flownet_mode).</summary>
public enum AnimatedClasses
{
    Sky = 1,
    Fluid = 2,
    SkyAndFluid = 3,
}
