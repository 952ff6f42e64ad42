using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace CineKernel.Kernels;

/// <summary>
/// Euler integration of an Eulerian motion field M (N×2×H×W, channel 0 = x, 1 = y, pixels per step),
/// as the original's <c>euler_integration</c> (DESIGN.md "Euler integration"): every pixel starts on the
/// integer grid; a step adds M at the current position rounded half-to-even (torch.round); a pixel whose
/// new position leaves [0, W−1]×[0, H−1] is put back on its start for good (displacement 0 from then on).
/// Positions are float32 and accumulated exactly as torch does (position + M, then position − start),
/// so displacements match the original bit for bit.
/// <para>
/// Every pixel's path depends only on itself and M, so the integrator keeps an explicit state tensor
/// (N×3×H×W: x, y, escaped flag) that can be advanced one step at a time across frames (O(N) per
/// cinemagraph instead of the original's O(N²)), k steps in one launch, or traced, writing the
/// displacement after every step.
/// </para>
/// </summary>
public static class EulerIntegrator
{
    /// <summary>The state for a motion field of this shape: x position, y position, escaped (0 or 1).</summary>
    public static Shape4 StateShape(Shape4 motion) => motion with { C = 3 };

    /// <summary>Puts every pixel back on its start (0 steps).</summary>
    public static void Reset(Tensor state)
    {
        if (state.C != 3) throw new ArgumentException($"Euler state must have 3 channels (x, y, escaped), got {state.Shape}");
        var p = Params(state, state.N, 0, 1f);
        state.Device.Load<ArrayView<float>, EulerParams>(ResetKernel)(p.Threads, state.View, p);
    }

    /// <summary>
    /// Copies an Euler state (a checkpoint to restore or to keep): after it, <paramref name="destination"/>
    /// continues exactly as <paramref name="source"/> would.
    /// </summary>
    public static void CopyState(Tensor source, Tensor destination)
    {
        if (source.C != 3 || destination.Shape != source.Shape)
            throw new ArgumentException($"Euler state copy: source {source.Shape} and destination {destination.Shape} must be the same N×3×H×W");
        source.View.CopyTo(source.Device.Stream, destination.View);
    }

    /// <summary>
    /// Advances the state by <paramref name="steps"/> steps on <paramref name="motionSign"/>·M in one launch
    /// (the original integrates −flow for the backward copy; the sign is exact).
    /// </summary>
    /// <param name="motion">M, N×2×H×W, pixels per step.</param>
    /// <param name="state">The integrator state, N×3×H×W (x, y, escaped), advanced in place.</param>
    /// <param name="steps">Euler steps to take, ≥ 0.</param>
    /// <param name="motionSign">+1 for the forward copy, −1 for the backward copy.</param>
    /// <param name="moving">When given (<see cref="MovingPixels.Of(Tensor, Window?, int)"/> of the same motion), only those pixels are
    /// stepped; the others stay on their start, as they would anyway.</param>
    public static void Advance(Tensor motion, Tensor state, int steps, float motionSign = 1f, MovingPixels? moving = null)
    {
        RequireState(motion, state);
        RequireMoving(motion, moving);
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "Euler steps must be ≥ 0");
        if (steps == 0) return;
        var p = Params(motion, motion.N, steps, motionSign, moving);
        if (p.Pixels == 0) return;
        motion.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<int>, EulerParams>(AdvanceKernel)(
            p.Threads, motion.View, state.View, moving?.View ?? ArrayView<int>.Empty, p);
    }

    /// <summary>output (N×2×H×W) = current position − start, in float32 as the original subtracts.</summary>
    public static void Displacement(Tensor state, Tensor output)
    {
        if (state.C != 3 || output.Shape != state.Shape with { C = 2 })
            throw new ArgumentException($"Euler displacement: state {state.Shape} and output {output.Shape} do not match (N×3×H×W → N×2×H×W)");
        var p = Params(state, state.N, 0, 1f);
        state.Device.Load<ArrayView<float>, ArrayView<float>, EulerParams>(DisplacementKernel)(p.Threads, state.View, output.View, p);
    }

    /// <summary>
    /// Advances the state by <paramref name="advanceFirst"/> steps, then writes into trajectory[j] (K×2×H×W, for a
    /// single motion field) the displacement after j more steps, j = 0..K−1, and leaves the state advanced by
    /// advanceFirst + K − 1 steps: the displacement fields of a whole loop in one O(K) pass, and a running state's
    /// next field in one launch (the state is read and written once, not once by <see cref="Advance"/> and again
    /// here). With <paramref name="moving"/>, only the moving pixels' entries are written: the others' displacement is
    /// 0, and the caller keeps it so (a zero-filled trajectory only ever traced with that list).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="advanceFirst"/> is negative.</exception>
    public static void Trace(Tensor motion, Tensor state, Tensor trajectory, float motionSign = 1f, MovingPixels? moving = null,
        int advanceFirst = 0)
    {
        RequireState(motion, state);
        RequireMoving(motion, moving);
        if (motion.N != 1 || trajectory.C != 2 || trajectory.H != motion.H || trajectory.W != motion.W)
            throw new ArgumentException($"Euler trace: motion {motion.Shape} must be one field and trajectory {trajectory.Shape} K×2×{motion.H}×{motion.W}");
        if (advanceFirst < 0) throw new ArgumentOutOfRangeException(nameof(advanceFirst), advanceFirst, "Euler steps must be ≥ 0");
        var p = Params(motion, 1, trajectory.N, motionSign, moving) with { Skip = advanceFirst };
        if (p.Pixels == 0) return;
        motion.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, EulerParams>(TraceKernel)(
            p.Threads, motion.View, state.View, trajectory.View, moving?.View ?? ArrayView<int>.Empty, p);
    }

    /// <summary>The original's <c>euler_integration(motion, steps)</c>: reset, advance, displacement.</summary>
    public static void Integrate(Tensor motion, int steps, Tensor state, Tensor output, float motionSign = 1f)
    {
        Reset(state);
        Advance(motion, state, steps, motionSign);
        Displacement(state, output);
    }

    private static void RequireState(Tensor motion, Tensor state)
    {
        if (motion.C != 2) throw new ArgumentException($"motion field must be N×2×H×W, got {motion.Shape}");
        if (state.Shape != StateShape(motion.Shape))
            throw new ArgumentException($"Euler state {state.Shape} does not match motion {motion.Shape} (expected {StateShape(motion.Shape)})");
    }

    private static void RequireMoving(Tensor motion, MovingPixels? moving)
    {
        if (moving is not null && moving.MotionShape != motion.Shape)
            throw new ArgumentException($"Euler: moving pixels of a {moving.MotionShape} field do not fit motion {motion.Shape}");
    }

    /// <summary>Sizes for a launch over the pixels of <paramref name="images"/> images (or the moving ones), grid stride.</summary>
    private static EulerParams Params(Tensor t, int images, int steps, float sign, MovingPixels? moving = null)
    {
        int pixels = moving?.Count ?? images * t.H * t.W;
        return new EulerParams(t.H, t.W, steps, sign, WorkSplit.For(t.Device, pixels), moving is null ? 0 : 1);
    }

    /// <summary>
    /// Split: the work items, contiguous runs per thread (neighbouring pixels' state shares cache lines); with
    /// Listed = 1 item j is pixel list[j], else pixel j. Skip: steps a trace takes before its first field.
    /// </summary>
    internal readonly record struct EulerParams(int H, int W, int Steps, float Sign, WorkSplit Split, int Listed = 0, int Skip = 0)
    {
        public int Pixels => Split.Total;

        public int Threads => Split.Threads;

        public int PixelOf(int item, ArrayView<int> list) => Listed != 0 ? list[item] : item;
    }

    /// <summary>torch.round: nearest integer, halves to even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RoundHalfToEven(float v)
    {
        float f = XMath.Floor(v);
        float frac = v - f; // exact: f and v share the binade or f is 0
        int r = (int)f;
        if (frac > 0.5f || (frac == 0.5f && (r & 1) != 0)) r++;
        return r;
    }

    /// <summary>One Euler step of one pixel; an escaped pixel stays on its start.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // per pixel and step: no call, no copy of the parameters
    private static void Step(ArrayView<float> motion, long fieldBase, EulerParams p, int x, int y,
        ref float px, ref float py, ref bool escaped)
    {
        if (escaped) return;
        long at = fieldBase + (long)RoundHalfToEven(py) * p.W + RoundHalfToEven(px);
        float nx = px + p.Sign * motion[at];
        float ny = py + p.Sign * motion[at + (long)p.H * p.W];
        // Written as "not inside" so a NaN motion also escapes instead of indexing out of bounds.
        if (!(nx >= 0f && nx <= p.W - 1 && ny >= 0f && ny <= p.H - 1))
        {
            escaped = true;
            px = x;
            py = y;
        }
        else
        {
            px = nx;
            py = ny;
        }
    }

    // Each kernel walks a contiguous run of pixels of N images (WorkSplit); a pixel's state
    // sits at n·3·plane + pixel (x, then y, then escaped, a plane apart).

    private static void ResetKernel(Index1D thread, ArrayView<float> state, EulerParams p)
    {
        int plane = p.H * p.W;
        for (int i = p.Split.Begin(thread), end = p.Split.End(thread); i < end; i++)
        {
            int pixel = i % plane;
            long s = (long)(i / plane) * 3 * plane + pixel;
            state[s] = pixel % p.W;
            state[s + plane] = pixel / p.W;
            state[s + 2L * plane] = 0f;
        }
    }

    private static void AdvanceKernel(Index1D thread, ArrayView<float> motion, ArrayView<float> state, ArrayView<int> list, EulerParams p)
    {
        int plane = p.H * p.W;
        for (int item = p.Split.Begin(thread), end = p.Split.End(thread); item < end; item++)
        {
            int i = p.PixelOf(item, list);
            int n = i / plane;
            int pixel = i % plane;
            int x = pixel % p.W, y = pixel / p.W;
            long s = (long)n * 3 * plane + pixel;
            float px = state[s], py = state[s + plane];
            bool escaped = state[s + 2L * plane] != 0f;
            long fieldBase = (long)n * 2 * plane;
            for (int k = 0; k < p.Steps; k++) Step(motion, fieldBase, p, x, y, ref px, ref py, ref escaped);
            state[s] = px;
            state[s + plane] = py;
            state[s + 2L * plane] = escaped ? 1f : 0f;
        }
    }

    private static void DisplacementKernel(Index1D thread, ArrayView<float> state, ArrayView<float> output, EulerParams p)
    {
        int plane = p.H * p.W;
        for (int i = p.Split.Begin(thread), end = p.Split.End(thread); i < end; i++)
        {
            int n = i / plane;
            int pixel = i % plane;
            long s = (long)n * 3 * plane + pixel;
            long o = (long)n * 2 * plane + pixel;
            output[o] = state[s] - pixel % p.W;
            output[o + plane] = state[s + plane] - pixel / p.W;
        }
    }

    private static void TraceKernel(Index1D thread, ArrayView<float> motion, ArrayView<float> state, ArrayView<float> trajectory,
        ArrayView<int> list, EulerParams p)
    {
        int plane = p.H * p.W;
        for (int item = p.Split.Begin(thread), end = p.Split.End(thread); item < end; item++)
        {
            int i = p.PixelOf(item, list);
            int x = i % p.W, y = i / p.W;
            float px = state[i], py = state[i + plane];
            bool escaped = state[i + 2L * plane] != 0f;
            for (int k = 0; k < p.Skip; k++) Step(motion, 0, p, x, y, ref px, ref py, ref escaped);
            for (int k = 0; k < p.Steps; k++)
            {
                if (k > 0) Step(motion, 0, p, x, y, ref px, ref py, ref escaped);
                long o = (long)k * 2 * plane + i;
                trajectory[o] = px - x;
                trajectory[o + plane] = py - y;
            }
            state[i] = px;
            state[i + plane] = py;
            state[i + 2L * plane] = escaped ? 1f : 0f;
        }
    }
}
