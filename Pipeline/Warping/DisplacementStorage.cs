namespace CineKernel.Pipeline.Warping;

/// <summary>How <see cref="DisplacementFields"/> keeps the fields of a loop.</summary>
public enum DisplacementStorage
{
    /// <summary>Every field of both directions traced once and kept: 2·period Euler steps, memory linear in N.</summary>
    AllFrames,

    /// <summary>
    /// The forward field advanced one state per frame; the backward field recomputed segment by segment from
    /// checkpoints: about 3·period Euler steps for the loop, memory growing as √N.
    /// </summary>
    Checkpointed,
}
