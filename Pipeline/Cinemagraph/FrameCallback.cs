namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>Receives one finished frame: 3×S×S floats in [0, 1] (R plane, G plane, B plane), valid only during the call.</summary>
public delegate void FrameCallback(int index, ReadOnlySpan<float> rgbPlanes);
