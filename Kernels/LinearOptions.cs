namespace CineKernel.Kernels;

/// <summary>How a linear layer scales its stored parameters and what follows it.</summary>
public readonly record struct LinearOptions()
{
    /// <summary>Multiplies the stored weight (equalised learning rate: lr_mul/√in).</summary>
    public float WeightScale { get; init; } = 1f;

    /// <summary>Multiplies the stored bias (equalised learning rate: lr_mul); 1 when the epilogue comes as <see cref="EpilogueArguments"/> (its own bias scale).</summary>
    public float BiasScale { get; init; } = 1f;

    /// <summary>Applied to x·Wᵀ + b in the same kernel; the identity when the epilogue comes as <see cref="EpilogueArguments"/>.</summary>
    public ActivationFunction Activation { get; init; } = ActivationFunction.Identity;

    /// <summary>
    /// Null: the input has exactly as many features as the weight has columns. A value: the input's
    /// features meet a slice of the columns, feature k meeting column offset + k — a wide layer applied
    /// to one part of a concatenated input (DESIGN.md "Mask predictor": the first Linear applied per
    /// source resolution).
    /// </summary>
    public int? WeightColumnOffset { get; init; }

    /// <summary>The thread mapping; Auto unless a test or benchmark wants a particular one.</summary>
    public LinearMapping Mapping { get; init; }

    /// <summary>nn.Linear: parameters used as stored.</summary>
    public static LinearOptions Plain => new();

    /// <summary>
    /// StyleGAN2's EqualLinear (DESIGN.md "Generator"): weight × lr_mul/√in, bias × lr_mul; with
    /// <paramref name="fusedLeakyRelu"/> the bias goes inside fused_leaky_relu (leaky 0.2, × √2).
    /// <paramref name="inFeatures"/> is the layer's whole input width, also when a column slice is used.
    /// </summary>
    public static LinearOptions Equalized(int inFeatures, float lrMul = 1f, bool fusedLeakyRelu = false) => new()
    {
        WeightScale = (float)(lrMul / Math.Sqrt(inFeatures)),
        BiasScale = lrMul,
        Activation = fusedLeakyRelu ? ActivationFunction.FusedLeakyRelu : ActivationFunction.Identity,
    };
}
