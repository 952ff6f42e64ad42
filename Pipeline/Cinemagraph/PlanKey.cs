using CineKernel.Kernels;
using CineKernel.Pipeline.Warping;

namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>
/// Everything that shapes one of a cinemagraph's programs (the graph, its plan and what its runner allocates), so
/// that two photos with equal keys can run the same built program with new inputs (<see cref="PlanCache"/>). Whatever
/// a renderer bakes into a graph (a size, the loop, the frame count, an optional branch) must be in its key.
/// </summary>
/// <param name="Program">Which program: <c>weight-free</c>, <c>encoder</c>, <c>predict_mask</c>, <c>predict_motion</c>, <c>frames</c>.</param>
/// <param name="Image">The photo's shape as the program reads it (1×3×H×W).</param>
/// <param name="Grid">The motion/mask grid's shape (1×2×n×m), or default when the program has none.</param>
/// <param name="FrameCount">Frames the runner was built for (1 for a plain network).</param>
/// <param name="Loop">The loop mode baked into the warps.</param>
/// <param name="Levels">Pyramid levels (weight-free) or 0.</param>
/// <param name="OutputSize">The output side baked into the frame program (full method) or 0.</param>
/// <param name="Styled">Whether the style branch is in the graph (full method).</param>
/// <param name="Placement">Where the full method's square is pasted into the background, or null.</param>
/// <param name="Background">The background's shape (1×3×H×W) the square is pasted into, or default.</param>
internal readonly record struct PlanKey(string Program, Shape4 Image, Shape4 Grid = default, int FrameCount = 1,
    LoopMode Loop = LoopMode.Seamless, int Levels = 0, int OutputSize = 0, bool Styled = false,
    Kernels.Window? Placement = null, Shape4 Background = default);
