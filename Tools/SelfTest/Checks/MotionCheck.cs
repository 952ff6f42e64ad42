using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>
/// The motion network (MotionGenerator: pix2pixHD GlobalGenerator with reflection padding, instance norm, bilinear
/// ×2 + conv upsampling) at ngf 4, 2 downsamplings, 1 residual block, random weights, on a 32×24 image; tolerance 1e-5
/// as MotionGeneratorTests.
/// </summary>
internal sealed class MotionCheck() : SelfTestCheck("network/motion-generator", "network", 1e-5, false)
{
    public const int Seed = 1600;
    public static MotionGeneratorConfig Config { get; } = new(3, 2, 4, 2, 1);
    public static Shape4 ImageShape { get; } = new(1, 3, 32, 24);
    public IReadOnlyDictionary<string, WeightsLoader.TensorData> Weights => RandomWeights.Motion(Config, Seed);
    public float[] Image => RandomWeights.Uniform((int)ImageShape.Length, Seed - 1);

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        var graph = MotionGenerator.BuildGraph(Config, NetworkParameters.From(Weights, "random"), ImageShape.H, ImageShape.W);
        using var runner = new GraphRunner(device, Scheduler.Plan(graph, device.Kind));
        runner.SetInput(MotionGenerator.ImageInput, Image);
        runner.Run();
        return runner.Output(MotionGenerator.MotionOutput).ToArray();
    }
}
