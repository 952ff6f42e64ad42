namespace CineKernel.Kernels;

/// <summary>
/// Up, pad, FIR, down of <see cref="Upfirdn2d"/>, as StyleGAN2's upfirdn2d(input, kernel, up, down, pad):
/// pads per side, negative pads crop.
/// </summary>
public readonly record struct UpfirdnParams(int Up, int Down, int PadX0, int PadX1, int PadY0, int PadY1)
{
    /// <summary>The original's <c>upfirdn2d(x, k, up, down, pad=(pad0, pad1))</c>: (pad0, pad1) on both axes.</summary>
    public static UpfirdnParams Symmetric(int up, int down, int pad0, int pad1) => new(up, down, pad0, pad1, pad0, pad1);
}
