namespace CineKernel.Graph.Ops;

/// <summary>Which of StyleGAN2's three modulated convs a <see cref="ModulatedConvOp"/> is.</summary>
public enum ModulatedConvKind
{
    /// <summary>3×3, stride 1, demodulated (the second conv of a block, and conv1).</summary>
    Plain,

    /// <summary>Transposed conv stride 2 + blur, demodulated (the first conv of a block).</summary>
    Upsample,

    /// <summary>1×1 without demodulation (toRGB).</summary>
    ToRgb,
}
