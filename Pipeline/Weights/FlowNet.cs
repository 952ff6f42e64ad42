namespace CineKernel.Pipeline.Weights;

/// <summary>
/// Which motion network predicts the motion, and so which class of the mask animates: the original's
/// <c>--flownet_mode</c> (option.py, default "sky"; <c>predict_mask</c> keeps class 1 for sky, 2 for fluid).
/// </summary>
public enum FlowNet
{
    Sky,
    Fluid,
}
