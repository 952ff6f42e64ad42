namespace CineKernel.Kernels;

/// <summary>
/// One copy of a joint splat: values (N×C×H×W) moved by a displacement field (N×2×H×W, x then y) with an
/// importance metric Z: a per-pixel map (N×1×H×W) times <see cref="MetricScale"/>, or the scale alone
/// when <see cref="Metric"/> is null (the warp's Z is a constant, (1−α) or α).
/// </summary>
public readonly record struct SplatSource(Tensor Values, Tensor Flow, Tensor? Metric = null, float MetricScale = 1f);
