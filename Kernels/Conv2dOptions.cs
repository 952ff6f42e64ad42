namespace CineKernel.Kernels;

/// <summary>How a <see cref="Conv2d"/> call is configured; the defaults are torch's conv2d with no padding.</summary>
public sealed record Conv2dOptions
{
    public int Stride { get; init; } = 1;

    public Padding2d Padding { get; init; }

    /// <summary>Multiplies the weight at use (equalised learning rate: 1/√fan_in), so weights stay as stored.</summary>
    public float WeightScale { get; init; } = 1f;

    /// <summary>
    /// The activation applied in the store (with the bias of <see cref="Conv2d.Forward(Tensor, Tensor, Tensor?, Tensor, Conv2dOptions)"/>);
    /// the identity when the whole epilogue comes as <see cref="EpilogueArguments"/>.
    /// </summary>
    public ActivationFunction Epilogue { get; init; } = ActivationFunction.Identity;

    /// <summary>The thread mapping (tests force one; the default follows the device).</summary>
    internal ConvMapping Mapping { get; init; }
}
