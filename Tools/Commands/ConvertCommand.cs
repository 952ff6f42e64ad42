using System.CommandLine;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools;

/// <summary>
/// <c>cinekernel convert CHECKPOINT... -o DIR</c>: each PyTorch checkpoint becomes <c>DIR/NAME.safetensors</c>
/// (float32, the tensors the engine needs, metadata describing them). All files are written under
/// temporary names first and renamed only when every checkpoint converted, so a failure leaves no output.
/// </summary>
public static class ConvertCommand
{
    private sealed class Syntax : CommandSyntax
    {
        public readonly Argument<string[]> Checkpoints = CliOptions.Positional<string[]>("CHECKPOINT",
            "PyTorch checkpoints of the original release: StyleGAN2 training checkpoint, DatasetGAN classifiers, pix2pixHD motion generator",
            ArgumentArity.OneOrMore);
        public readonly Option<string?> Output = CliOptions.Text("--output", "DIR", "the folder that receives NAME.safetensors for each checkpoint", "-o");
    }

    /// <summary>The <c>convert</c> command.</summary>
    public static Command Create(TextWriter stdout)
    {
        var s = new Syntax();
        return s.Build("convert",
            "Convert PyTorch checkpoints of the original release to DIR/NAME.safetensors: float32, the tensors the engine needs, config in metadata.",
            "convert expects at least one checkpoint (cinekernel convert CHECKPOINT... -o DIR)",
            r => Run(r.GetValue(s.Checkpoints) ?? [], r.GetValue(s.Output), stdout));
    }

    private static int Run(string[] checkpoints, string? outputOption, TextWriter stdout)
    {
        string directory = outputOption ?? throw new CliException("convert needs an output directory: -o DIR", 2);
        if (File.Exists(directory)) throw new CliException($"output directory {directory} is a file");

        var jobs = new List<(string Input, string Output)>();
        var byOutput = new Dictionary<string, string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (string input in checkpoints)
        {
            if (!File.Exists(input)) throw new CliException($"no such file: {input}");
            string output = Path.Combine(directory, OutputName(input));
            if (byOutput.TryGetValue(output, out var other))
                throw new CliException($"{other} and {input} would both be written to {output}");
            byOutput[output] = input;
            jobs.Add((input, output));
        }

        bool createdDirectory = !Directory.Exists(directory);
        if (createdDirectory) Directory.CreateDirectory(directory);
        var staged = new List<StagedFile>();
        var summaries = new List<string>();
        try
        {
            foreach (var (input, output) in jobs)
            {
                var converted = CheckpointConverter.Convert(input);
                staged.Add(SafetensorsWriter.Stage(output, converted.Tensors, converted.Metadata));
                long values = converted.Tensors.Sum(t => (long)t.Value.Data.Length);
                summaries.Add($"{input} → {output}: {converted.Tensors.Count} tensors, {values} values ({Describe(converted)})");
            }
            foreach (var file in staged) file.Commit();
        }
        catch
        {
            foreach (var file in staged) file.Dispose();
            if (createdDirectory && !Directory.EnumerateFileSystemEntries(directory).Any()) Directory.Delete(directory);
            throw;
        }
        foreach (var file in staged) file.Dispose();
        foreach (var line in summaries) stdout.WriteLine(line);
        return 0;
    }

    /// <summary>
    /// NAME.safetensors for NAME.pt, NAME.pth, NAME.ckpt, NAME.bin, with a .tar suffix too (the encoder's
    /// <c>enc.pth.tar</c> becomes <c>enc.safetensors</c>).
    /// </summary>
    public static string OutputName(string checkpoint)
    {
        string name = Path.GetFileName(checkpoint);
        if (name.EndsWith(".tar", StringComparison.OrdinalIgnoreCase)) name = name[..^4];
        foreach (string extension in new[] { ".pth", ".pt", ".ckpt", ".bin" })
            if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase) && name.Length > extension.Length)
                return name[..^extension.Length] + ".safetensors";
        return Path.GetFileNameWithoutExtension(name) + ".safetensors";
    }

    private static string Describe(ConvertedCheckpoint c) =>
        string.Join(", ", c.Metadata.Where(m => m.Key is not ("source" or "args")).Select(m => m.Key == "kind" ? m.Value : $"{m.Key} {m.Value}"));
}
