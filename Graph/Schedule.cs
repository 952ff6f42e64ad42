namespace CineKernel.Graph;

/// <summary>When a node runs (DESIGN.md "Performance": hoist what does not depend on the frame).</summary>
public enum Schedule
{
    /// <summary>Runs once per cinemagraph (or once per call of a plain network).</summary>
    Once,

    /// <summary>Runs for every frame.</summary>
    PerFrame,
}
