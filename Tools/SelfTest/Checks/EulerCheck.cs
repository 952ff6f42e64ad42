using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>
/// Euler integration (EulerIntegrator: Integrate, and Advance over the moving-pixel list with the negated field)
/// on motion on a 0.25 grid, so positions hit exact halves (torch.round to even) and pixels cross and leave the grid:
/// the displacement is float32 semantics, so bit-exact as EulerTests.
/// </summary>
internal sealed class EulerCheck(string name, Shape4 shape, int steps, float sign, bool masked, int seed, bool quick = false)
    : SelfTestCheck(name, "euler", 0, quick)
{
    public Shape4 Shape => shape;
    public int Steps => steps;
    public float Sign => sign;

    /// <summary>Values k/4 for k in −6..6; with masking, zero on the upper third (a static region).</summary>
    public float[] Motion
    {
        get
        {
            var m = RandomWeights.Uniform((int)shape.Length, seed).Select(v => MathF.Round(v * 6.49f) * 0.25f).ToArray();
            if (!masked) return m;
            int plane = shape.H * shape.W;
            for (int i = 0; i < m.Length; i++)
                if (i % plane / shape.W < shape.H / 3) m[i] = 0f;
            return m;
        }
    }

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        using var motion = device.Upload(Motion, shape);
        using var state = device.Allocate(EulerIntegrator.StateShape(shape));
        using var output = device.Allocate(shape);
        if (!masked)
        {
            EulerIntegrator.Integrate(motion, steps, state, output, sign);
            return output.ToArray();
        }
        using var moving = MovingPixels.Of(motion);
        EulerIntegrator.Reset(state);
        for (int k = 0; k < steps; k++) EulerIntegrator.Advance(motion, state, 1, sign, moving);
        EulerIntegrator.Displacement(state, output);
        return output.ToArray();
    }

    public static IEnumerable<SelfTestCheck> All() =>
    [
        new EulerCheck("euler/quarter-grid-25-steps", new(1, 2, 16, 11), 25, 1f, false, 1100, quick: true),
        new EulerCheck("euler/negated-masked-moving-list-7-steps", new(2, 2, 11, 20), 7, -1f, true, 1110),
    ];
}
