using System.CommandLine;
using System.Reflection;
using CineKernel.Kernels;
using CineKernel.Tools.Eval;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools;

/// <summary>
/// <c>cinekernel eval OP --inputs IN --output OUT</c>: the parity contract. Runs one op or network
/// on the named tensors of a safetensors file and writes its outputs under the golden names.
/// </summary>
public static class EvalCommand
{
    public static IReadOnlyDictionary<string, IEvaluation> Ops { get; } = Assembly.GetExecutingAssembly().GetTypes()
        .Where(t => typeof(IEvaluation).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
        .Select(t => (IEvaluation)Activator.CreateInstance(t)!)
        .ToDictionary(o => o.Name);

    private sealed class Syntax : CommandSyntax
    {
        public readonly Argument<string?> Op = CliOptions.Positional<string?>("OP", "the op or network to run (see --list)", ArgumentArity.ZeroOrOne);
        public readonly Option<string?> Inputs = CliOptions.Text("--inputs", "IN.safetensors", "the named input tensors");
        public readonly Option<string?> Output = CliOptions.Text("--output", "OUT.safetensors", "where the outputs are written, under the golden names");
        public readonly Option<int?> NFrames = CliOptions.Int("--n-frames", "N", "frames of the loop, 2..10000 (ops that need it)", null, 2, 10000);
        public readonly Option<int[]?> Indices = CliOptions.IntList("--indices", "LIST", "comma-separated frame indices (ops that need them)");
        public readonly Option<string?> Weights = CliOptions.Text("--weights", "FILE", "the weights (default: the inputs file)");
        public readonly Option<string?> Device = DeviceOption.Create();
        public readonly Option<bool> List = CliOptions.Flag("--list", "list the ops and exit");
    }

    /// <summary>The <c>eval</c> command.</summary>
    public static Command Create(TextWriter stdout)
    {
        var s = new Syntax();
        return s.Build("eval", "Run one op or network on named tensors and write its outputs (the parity contract with the original).",
            "eval expects one OP (run 'cinekernel eval --list')", r => Run(r, s, stdout));
    }

    private static int Run(ParseResult r, Syntax s, TextWriter stdout)
    {
        if (r.GetValue(s.List))
        {
            foreach (var op in Ops.Values.OrderBy(op => op.Name)) stdout.WriteLine($"{op.Name,-18} {op.Summary}");
            return 0;
        }
        string name = r.GetValue(s.Op) ?? throw new CliException("eval expects one OP (run 'cinekernel eval --list')", 2);
        if (!Ops.TryGetValue(name, out var evalOp))
            throw new CliException($"unknown eval op '{name}' (known: {string.Join(", ", Ops.Keys.Order())})", 2);

        string deviceName = DeviceOption.Resolve(r.GetValue(s.Device));
        string inputPath = r.GetValue(s.Inputs) ?? throw new CliException("missing option --inputs", 2);
        string outputPath = r.GetValue(s.Output) ?? throw new CliException("missing option --output", 2);
        RequireFile(inputPath);
        using var inputs = SafetensorsFile.Open(inputPath);
        string? weightsPath = r.GetValue(s.Weights);
        if (weightsPath is not null) RequireFile(weightsPath);
        using var weightsFile = weightsPath is null ? null : SafetensorsFile.Open(weightsPath);
        using var device = DeviceOption.Open(deviceName);

        var context = new EvalContext(inputs, weightsFile ?? inputs, device,
            r.GetValue(s.NFrames), r.Given(s.Indices) ? r.GetValue(s.Indices) : null);
        var outputs = evalOp.Run(context).ToList();
        SafetensorsWriter.Write(outputPath, outputs, new Dictionary<string, string> { ["op"] = name, ["device"] = device.Name });
        stdout.WriteLine($"{name}: wrote {outputs.Count} tensors to {outputPath}");
        return 0;
    }

    private static void RequireFile(string path)
    {
        if (!File.Exists(path)) throw new CliException($"no such file: {path}");
    }
}
