using System.CommandLine;
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
    private sealed class Syntax : CommandSyntax
    {
        public readonly Argument<string> Dir = CliOptions.Positional<string>("DIR", "the weights folder to write", ArgumentArity.ExactlyOne);
        public readonly Option<int?> Size = CliOptions.Int("--size", "S", "config-f at side S, a power of two 256..4096", null, 256, 4096);
        public readonly Option<bool> Tiny = CliOptions.Flag("--tiny", "a 256² network of a few channels that renders in seconds on a CPU");
        public readonly Option<int?> Seed = CliOptions.Int("--seed", "N", "the random seed, 0 or more", 1, 0);
        public readonly Option<bool> Overwrite = CliOptions.Flag("--overwrite", "replace existing weight files");
    }

    /// <summary>The <c>random-weights</c> command.</summary>
    public static Command Create(TextWriter stdout)
    {
        var s = new Syntax();
        return s.Build("random-weights",
            "Write a weights folder (generator + encoder, the release's files) of reproducible random values, to run and time animate --weights without the checkpoints.",
            "random-weights expects one DIR (the weights folder to write)",
            r => Run(r.GetValue(s.Dir)!, r.GetValue(s.Size), r.GetValue(s.Tiny), r.GetValue(s.Seed)!.Value, r.GetValue(s.Overwrite), stdout));
    }

    private static int Run(string dir, int? sizeOption, bool tiny, int seed, bool overwrite, TextWriter stdout)
    {
        if (tiny && sizeOption is not null) throw new CliException("--tiny has its own size (256); give --size or --tiny, not both", 2);
        int size = sizeOption ?? 1024;
        if ((size & (size - 1)) != 0) throw new CliException($"--size must be a power of two (256..4096), got {size}", 2);
        var files = new[] { WeightsFolder.GeneratorFile, WeightsFolder.EncoderFile }.Select(f => Path.Combine(dir, f)).ToList();
        if (!overwrite && files.FirstOrDefault(File.Exists) is { } existing)
            throw new CliException($"{existing} already exists; add --overwrite to replace it");

        var generator = tiny ? RandomWeightsFolder.TinyGenerator : GeneratorConfig.ConfigF(size);
        var encoder = tiny ? RandomWeightsFolder.TinyEncoder : RandomWeightsFolder.ReleaseEncoderFor(generator);
        var clock = Stopwatch.StartNew();
        long parameters = RandomWeightsFolder.Write(dir, generator, encoder, seed);
        stdout.WriteLine($"random-weights: wrote {dir} ({(tiny ? "tiny" : "config-f")} generator {generator.Size}², " +
                         $"style_dim {generator.StyleDim}, and its encoder; {parameters / 1e6:F1} M random parameters, seed {seed}) " +
                         $"in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
