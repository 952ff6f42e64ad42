using System.CommandLine;
using CineKernel.WeightsLoader;
using CineKernel.WeightsLoader.Torch;

namespace CineKernel.Tools;

/// <summary>
/// <c>cinekernel inspect FILE</c>: what a safetensors file, a <c>.npy</c> array or a PyTorch checkpoint holds —
/// tensor names, dtypes and shapes, metadata, and a checkpoint's other values (argparse records, scalars).
/// The format is recognised by content, not by extension. With <c>--graph PROGRAM</c> it prints the execution plan of
/// one of the generator's programs built from FILE's weights (<see cref="GraphInspection"/>).
/// </summary>
public static class InspectCommand
{
    /// <summary>Containers nested deeper than this are summarised, not walked (guards hostile pickles).</summary>
    private const int MaxDepth = 32;

    private sealed class Syntax : CommandSyntax
    {
        public readonly Argument<string> File = CliOptions.Positional<string>("FILE", "a safetensors file, a .npy array or a PyTorch checkpoint", ArgumentArity.ExactlyOne);
        public readonly Option<string?> Graph = CliOptions.Text("--graph", "PROGRAM", "print the execution plan of one of the generator's programs built from FILE's weights");
    }

    /// <summary>The <c>inspect</c> command.</summary>
    public static Command Create(TextWriter stdout)
    {
        var s = new Syntax();
        return s.Build("inspect", "List the tensors (names, dtypes, shapes) and metadata of a safetensors file, a .npy array or a PyTorch checkpoint.",
            "inspect expects one FILE (safetensors, .npy or a PyTorch checkpoint)", r => Run(r.GetValue(s.File)!, r.GetValue(s.Graph), stdout));
    }

    private static int Run(string path, string? graph, TextWriter stdout)
    {
        if (!System.IO.File.Exists(path)) throw new CliException($"no such file: {path}");
        if (graph is { } program) return GraphInspection.Print(program, path, stdout);

        var head = new byte[16];
        int n;
        using (var fs = File.OpenRead(path)) n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var span = head.AsSpan(0, n);
        if (span.StartsWith(NpyReader.Magic)) InspectNpy(path, stdout);
        else if (TorchCheckpoint.HasSignature(span)) InspectCheckpoint(path, stdout);
        else if (n > 8 && head[8] == (byte)'{') InspectSafetensors(path, stdout);
        else throw new CliException($"{path}: not a safetensors, .npy or PyTorch checkpoint file");
        return 0;
    }

    private static void InspectSafetensors(string path, TextWriter stdout)
    {
        using var file = SafetensorsFile.Open(path);
        var entries = file.Entries.ToList();
        stdout.WriteLine($"{path}: safetensors, {entries.Count} tensors, {file.DataLength} bytes of data");
        if (file.Metadata.Count > 0)
        {
            stdout.WriteLine("metadata:");
            foreach (var (k, v) in file.Metadata) stdout.WriteLine($"  {k}: {v}");
        }
        WriteTable(stdout, "tensors:", entries.Select(e => (e.Name, $"{e.DType,-5} {ElementTypes.FormatShape(e.Shape)}")).ToList());
    }

    private static void InspectNpy(string path, TextWriter stdout)
    {
        var header = NpyReader.ReadHeader(path);
        stdout.WriteLine($"{path}: .npy version {header.MajorVersion}, {header.ElementType.TorchName()} ('{header.Descr}'), " +
                         $"shape {NpyReader.FormatShape(header.Shape)}, {header.ElementCount} values");
        // Reading the data checks its length too, and the range tells a motion field's scale at a glance.
        var data = NpyReader.Read(path).Data;
        if (data.Length > 0)
        {
            int nonFinite = data.Count(v => !float.IsFinite(v));
            var finite = data.Where(float.IsFinite).DefaultIfEmpty(float.NaN).ToList();
            stdout.WriteLine($"range [{finite.Min():G6}, {finite.Max():G6}]" + (nonFinite > 0 ? $", {nonFinite} non-finite values" : ""));
        }
    }

    private static void InspectCheckpoint(string path, TextWriter stdout)
    {
        using var checkpoint = TorchCheckpoint.Open(path);
        var rows = new List<(string, string)>();
        int tensors = 0;
        Walk(checkpoint.Root, "", 0, rows, new Dictionary<object, string>(ReferenceEqualityComparer.Instance), ref tensors);
        stdout.WriteLine($"{path}: PyTorch checkpoint ({checkpoint.Format} format), {tensors} tensors in {checkpoint.Storages.Count} storages");
        WriteTable(stdout, "contents:", rows);
    }

    /// <summary>
    /// One row per tensor and per scalar leaf, named by its dotted path; records print whole. A container
    /// met again (shared through the pickle memo, or a cycle) is named, not walked twice.
    /// </summary>
    private static void Walk(object? value, string path, int depth, List<(string, string)> rows, Dictionary<object, string> seen, ref int tensors)
    {
        string name = path.Length == 0 ? "(root)" : path;
        if (value is TorchTensor t)
        {
            tensors++;
            rows.Add((name, $"{t.Type.TorchName(),-8} {ElementTypes.FormatShape(t.Shape)}"));
            return;
        }
        if (value is PyTuple or PyList && ((IReadOnlyList<object?>)value).All(x => x is null or bool or long or double or string or System.Numerics.BigInteger))
        {
            rows.Add((name, ScalarSequence((IReadOnlyList<object?>)value, value is PyTuple)));
            return;
        }
        if (value is PyDict or PyList or PyTuple { Count: > 0 } or PySet)
        {
            if (seen.TryGetValue(value, out var first))
            {
                rows.Add((name, $"(the same {PyTypes.Name(value)} as {first})"));
                return;
            }
            seen[value] = name;
            var children = Children(value).ToList();
            if (children.Count == 0 || depth >= MaxDepth)
            {
                rows.Add((name, PyTypes.Repr(value)));
                return;
            }
            foreach (var (key, child) in children)
                Walk(child, path.Length == 0 ? key : $"{path}.{key}", depth + 1, rows, seen, ref tensors);
            return;
        }
        rows.Add((name, PyTypes.Repr(value)));
    }

    /// <summary>A list or tuple of scalars on one row, long ones abbreviated (an optimiser's parameter indices).</summary>
    private static string ScalarSequence(IReadOnlyList<object?> items, bool tuple)
    {
        var (open, close) = tuple ? ("(", items.Count == 1 ? ",)" : ")") : ("[", "]");
        if (items.Count <= 8) return open + string.Join(", ", items.Select(x => PyTypes.Repr(x))) + close;
        return $"{open}{string.Join(", ", items.Take(6).Select(x => PyTypes.Repr(x)))}, ..., {PyTypes.Repr(items[^1])}{close} ({items.Count} items)";
    }

    private static IEnumerable<(string, object?)> Children(object container) => container switch
    {
        PyDict d => d.Select(p => (p.Key is string s ? Printable.Clean(s) : PyTypes.Repr(p.Key), p.Value)),
        IEnumerable<object?> items => items.Select((v, i) => (i.ToString(), v)),
        _ => [],
    };

    private static void WriteTable(TextWriter stdout, string title, List<(string Name, string Description)> rows)
    {
        stdout.WriteLine(title);
        int width = Math.Min(56, rows.Select(r => r.Name.Length).DefaultIfEmpty(0).Max());
        foreach (var (name, description) in rows) stdout.WriteLine($"  {name.PadRight(width)}  {description}");
    }
}
