using CineKernel.Kernels;

namespace CineKernel.Graph;

/// <summary>
/// An op that reads one of its weights faster in a transformed layout that depends on that weight alone (Winograd's
/// U = G g Gᵀ, Kernels/WinogradConv2d). The scheduler gives such an op a step computing the transform from the weight
/// and hands the op the result as an extra last input; that step reads nothing per frame, so it is hoisted ahead of
/// the frame loop and runs once per plan (DESIGN.md "Graph").
/// </summary>
public interface IWeightTransformer
{
    /// <summary>
    /// The transform this op wants for the given input shapes (as <see cref="Op.OutputShape"/> takes them), or null
    /// when none applies (another kernel size or stride, the op already reads a transformed weight, or a device of
    /// kind <paramref name="target"/> would not use it: on a GPU the transformed weight would only take memory).
    /// </summary>
    /// <param name="inputs">The op's input shapes.</param>
    /// <param name="target">The kind of device the plan is for; null when unknown (the transform is offered, and the op
    /// picks its kernel when it runs).</param>
    WeightTransform? WeightTransform(IReadOnlyList<Shape4> inputs, DeviceKind? target);
}
