using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Synthesis;
using CineKernel.Pipeline.Weights;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>
/// The generator's mapping network (Generator.BuildMapping: PixelNorm, 2 equalised layers with lr_mul 0.01 and fused
/// leaky ReLU) with the weights, z and w of the original's golden fixture (generator_tiny.safetensors, style_dim 64,
/// stored here as NAME/in.*); tolerance 1e-5 as GeneratorTests.
/// </summary>
internal sealed class MappingCheck() : SelfTestCheck("network/generator-mapping-golden", "network", 1e-5, true)
{
    /// <summary>The fixture's configuration: style_dim 64, n_mlp 2, lr_mlp 0.01.</summary>
    public static GeneratorConfig Config { get; } = GeneratorConfig.ConfigF(size: 256, styleDim: 64, mappingLayers: 2);

    /// <summary>The fixture tensors this check reads (stored as NAME/in.*): the mapping's parameters and z.</summary>
    public static IEnumerable<string> GoldenInputs =>
        Enumerable.Range(1, Config.MappingLayers).SelectMany(k => new[] { $"style.{k}.weight", $"style.{k}.bias" }).Append("z");

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        var generator = new Generator(Config, NetworkParameters.From(name => data.Input(Name, name), Name));
        var z = data.Input(Name, "z");
        using var runner = new GraphRunner(device, Scheduler.Plan(generator.BuildMapping(checked((int)(z.Data.Length / Config.StyleDim))), device.Kind));
        runner.SetInput("z", z.Data);
        runner.Run();
        return runner.Output("w").ToArray();
    }
}
