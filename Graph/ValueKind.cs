namespace CineKernel.Graph;

/// <summary>Where a value's data comes from.</summary>
public enum ValueKind
{
    /// <summary>Fed by the caller before a run (an image, a latent, a motion field).</summary>
    Input,

    /// <summary>A weight: uploaded once when the graph is compiled, never written.</summary>
    Constant,

    /// <summary>Produced by a node.</summary>
    Intermediate,

    /// <summary>
    /// The result of an <see cref="EffectOp"/>: no data and no arena slot. No node reads it; nodes ordered after its
    /// producer name it in their ordering edges (<see cref="Node.After"/>).
    /// </summary>
    Effect,
}
