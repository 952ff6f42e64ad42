namespace CineKernel.Graph;

/// <summary>
/// What <see cref="IWeightTransformer.WeightTransform"/> asks the scheduler for: <see cref="Transform"/> (one input, the
/// op's input number <see cref="WeightInput"/>) computes the transformed weight, and <see cref="Reader"/> replaces the
/// op, reading the same inputs plus that transformed weight as its last input.
/// </summary>
public sealed record WeightTransform(int WeightInput, Op Transform, Op Reader);
