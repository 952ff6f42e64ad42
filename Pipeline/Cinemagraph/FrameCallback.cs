namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>
/// Receives one finished frame: 3×S×S floats (R plane, G plane, B plane), valid only during the call. Values are
/// nominally in [0, 1] but not clamped (a generator's output can overshoot): clamp before converting to bytes, as
/// the frame writers do.
/// </summary>
public delegate void FrameCallback(int index, ReadOnlySpan<float> rgbPlanes);
