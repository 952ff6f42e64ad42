namespace CineKernel.Pipeline.IO;

/// <summary>How float samples map to 8-bit values: [0, 1] or the networks' [−1, 1].</summary>
public enum PixelRange
{
    /// <summary>0 is black, 1 is white.</summary>
    Unit,

    /// <summary>−1 is black, 1 is white (the generator's output and the encoder's input).</summary>
    Signed,
}
