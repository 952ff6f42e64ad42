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

    public static int Run(string[] args, TextWriter stdout)
    {
        var o = Options.Parse(args, new HashSet<string> { "inputs", "output", "n-frames", "indices", "weights", "device" },
            new HashSet<string> { "list" });
        if (o.Has("list"))
        {
            foreach (var op in Ops.Values.OrderBy(op => op.Name)) stdout.WriteLine($"{op.Name,-18} {op.Summary}");
            return 0;
        }
        if (o.Positional.Count != 1) throw new CliException("eval expects one OP (run 'cinekernel eval --list')", 2);
        string name = o.Positional[0];
        if (!Ops.TryGetValue(name, out var evalOp))
            throw new CliException($"unknown eval op '{name}' (known: {string.Join(", ", Ops.Keys.Order())})", 2);

        string deviceName = DeviceOption.Resolve(o.Get("device"));
        string inputPath = o.Require("inputs");
        string outputPath = o.Require("output");
        RequireFile(inputPath);
        using var inputs = SafetensorsFile.Open(inputPath);
        string? weightsPath = o.Get("weights");
        if (weightsPath is not null) RequireFile(weightsPath);
        using var weightsFile = weightsPath is null ? null : SafetensorsFile.Open(weightsPath);
        using var device = DeviceOption.Open(deviceName);

        var context = new EvalContext(inputs, weightsFile ?? inputs, device,
            o.Has("n-frames") ? o.GetInt("n-frames", 0, 2, 10000) : null, o.GetIntList("indices"));
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
