using System.Diagnostics;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.Synthesis;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools;

/// <summary>
/// <c>cinekernel random-weights DIR [--size S | --tiny] [--seed N] [--overwrite]</c>: writes a weights folder with
/// the files the public release has (generator with mean latent, encoder) filled with reproducible random values
/// (<see cref="RandomWeightsFolder"/>), so that <c>animate --weights DIR</c> runs and can be timed on any machine.
/// Default: config-f at 1024² with the release's encoder (145 M parameters, 580 MB); <c>--size</c> takes config-f
/// at another side (256…4096); <c>--tiny</c> a 256² network of a few channels that renders in seconds on a CPU.
/// </summary>
public static class RandomWeightsCommand
{
    public static int Run(string[] args, TextWriter stdout)
    {
        var o = Options.Parse(args, new HashSet<string> { "size", "seed" }, new HashSet<string> { "tiny", "overwrite" });
        if (o.Positional.Count != 1) throw new CliException("random-weights expects one DIR (the weights folder to write)", 2);
        if (o.Has("tiny") && o.Has("size")) throw new CliException("--tiny has its own size (256); give --size or --tiny, not both", 2);
        int size = o.GetInt("size", 1024, 256, 4096);
        if ((size & (size - 1)) != 0) throw new CliException($"--size must be a power of two (256..4096), got {size}", 2);
        int seed = o.GetInt("seed", 1, 0);
        string dir = o.Positional[0];
        var files = new[] { WeightsFolder.GeneratorFile, WeightsFolder.EncoderFile }.Select(f => Path.Combine(dir, f)).ToList();
        if (!o.Has("overwrite") && files.FirstOrDefault(File.Exists) is { } existing)
            throw new CliException($"{existing} already exists; add --overwrite to replace it");

        var generator = o.Has("tiny") ? RandomWeightsFolder.TinyGenerator : GeneratorConfig.ConfigF(size);
        var encoder = o.Has("tiny") ? RandomWeightsFolder.TinyEncoder : RandomWeightsFolder.ReleaseEncoderFor(generator);
        var clock = Stopwatch.StartNew();
        long parameters = RandomWeightsFolder.Write(dir, generator, encoder, seed);
        stdout.WriteLine($"random-weights: wrote {dir} ({(o.Has("tiny") ? "tiny" : "config-f")} generator {generator.Size}², " +
                         $"style_dim {generator.StyleDim}, and its encoder; {parameters / 1e6:F1} M random parameters, seed {seed}) " +
                         $"in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
