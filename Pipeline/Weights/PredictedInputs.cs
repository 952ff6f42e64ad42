namespace CineKernel.Pipeline.Weights;

/// <summary>
/// Which of the optional networks a render needs: the mask classifiers when the mask is predicted, the motion
/// network when the motion is predicted. The generator and the encoder are always needed.
/// </summary>
[Flags]
public enum PredictedInputs
{
    /// <summary>Mask and motion are both given: the generator and the encoder are enough (the public release).</summary>
    None = 0,

    /// <summary>The mask is predicted: the 10 DatasetGAN classifiers are needed.</summary>
    Mask = 1,

    /// <summary>The motion is predicted: the chosen flow network (<c>flow-sky/</c> or <c>flow-fluid/</c>) is needed.</summary>
    Motion = 2,
}
