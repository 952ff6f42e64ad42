using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Synthesis;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>
/// A cinemagraph frame of the generator (Generator.BuildFrames, warp_blend_feature with recon and warp index 9:
/// D → convs[8] → warp at 128 → convs[9] → toRGB, then per block the unwarped chain warped into toRGB with the skip)
/// for a random 256² generator of a few channels, frame t of an official loop, the flow given at 64 on a 1/8 grid
/// (exact at every level, so the float64 reference sees the same splat positions); every 4th pixel of each row and
/// column is compared. Tolerance 1e-4, as GeneratorTests' frames.
/// </summary>
internal sealed class GeneratorFrameCheck() : SelfTestCheck("network/generator-frame", "network", 1e-4, false)
{
    public const int Seed = 1500, FlowSize = 64, Frames = 8, T = 3, Stride = 4;

    /// <summary>256², style_dim 8, one mapping layer (unused by frames), 4–6 channels per level.</summary>
    public static GeneratorConfig Config { get; } = new(256, 8, 1, 0.01f, new Dictionary<int, int>
    {
        [4] = 4, [8] = 4, [16] = 4, [32] = 4, [64] = 6, [128] = 5, [256] = 4,
    });

    public static int FeatureResolution => 64;
    public IReadOnlyDictionary<string, WeightsLoader.TensorData> Weights => RandomWeights.Generator(Config, Seed);
    public float[] WPlus => RandomWeights.Uniform(Config.LatentCount * Config.StyleDim, Seed + 1);
    public float[] Feature => RandomWeights.Uniform(Config.ChannelsAt(FeatureResolution) * FeatureResolution * FeatureResolution, Seed + 2);
    public float[] Flow => RandomWeights.Uniform(2 * FlowSize * FlowSize, Seed + 3, 1f).Select(v => MathF.Round(v * 8f) / 8f).ToArray();

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        var generator = new Generator(Config, NetworkParameters.From(Weights, "random"));
        using var runner = new GraphRunner(device, Scheduler.Plan(generator.BuildFrames(new FramesOptions(FlowSize: FlowSize)), device.Kind), Frames);
        runner.SetInput(Generator.WPlusInput, WPlus);
        runner.SetInput(Generator.FeatureInput, Feature);
        runner.SetInput(Generator.FlowInput, Flow);
        runner.RunOnce();
        runner.RunFrame(T);
        return Subsample(runner.Output(Generator.ImageOutput).ToArray(), Config.Size);
    }

    /// <summary>Every <see cref="Stride"/>-th pixel of each row and column of a 3×S×S image, plane by plane.</summary>
    public static T[] Subsample<T>(IReadOnlyList<T> image, int size)
    {
        int side = size / Stride;
        var result = new T[3 * side * side];
        for (int c = 0; c < 3; c++)
        for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++)
            result[(c * side + y) * side + x] = image[(c * size + y * Stride) * size + x * Stride];
        return result;
    }
}
