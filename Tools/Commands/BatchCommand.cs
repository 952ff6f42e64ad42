using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools;

/// <summary>
/// <c>cinekernel batch MANIFEST -o DIR [--shard I/N]</c>: every row of a manifest (<see cref="BatchManifest"/>) is one
/// <c>animate</c> run, its fields read as animate's options by their long names and parsed and checked by animate's
/// own syntax (<see cref="AnimateRequest.Syntax"/>), all rendered with one <see cref="CinemagraphEngine"/> (the device
/// opened, the weights loaded and each program built once). Rows are split over array-job tasks by
/// <see cref="BatchShard"/>. Each output is written atomically into DIR and a row whose output is already there is
/// skipped, so a killed or preempted task rerun resumes where it stopped; a row whose output is missing is rendered
/// again, its previews replaced. A row that fails is reported (in the manifest's words: columns, not options) and the
/// others still render. Exit codes: 0 every row rendered or already done, 1 some row failed, 2 the manifest or the
/// command line is unusable (nothing rendered), 130/143 stopped by SIGINT/SIGTERM. Progress is JSON lines on stdout
/// (events <c>batch</c>, <c>start</c>, <c>row</c>, <c>summary</c>, the summary also when a signal stops the run); a
/// one-line summary goes to stderr.
/// </summary>
public static class BatchCommand
{
    /// <summary>Manifest fields that name input files, resolved against the manifest's folder.</summary>
    private static readonly HashSet<string> InputPaths = ["mask", "motion", "style"];

    /// <summary>animate options that belong to the whole batch (one engine), with what to give instead.</summary>
    private static readonly Dictionary<string, string> BatchWide = new()
    {
        ["device"] = "give batch --device", ["weights"] = "give batch --weights", ["flow-net"] = "give batch --flow-net",
        ["overwrite"] = "a batch never replaces a finished output (that is how it resumes): delete the output to render it again",
        ["quiet"] = "batch rows are always quiet",
    };

    /// <summary>The exit codes, as the help and the README give them.</summary>
    private const string ExitCodes =
        "Exit codes: 0 every row rendered or already done, 1 some row failed, 2 the manifest or the command line is unusable (nothing rendered), "
        + "130/143 stopped by SIGINT/SIGTERM.";

    private sealed class Syntax : CommandSyntax
    {
        public readonly Argument<string> Manifest = CliOptions.Positional<string>("MANIFEST",
            "CSV with a header row, or JSON lines: one photo per row; columns photo, output (a plain name in DIR, no folders; .gif, .mp4 or no extension "
            + "for PNG frames), mask, motion, arrows (x0,y0,x1,y1;... ) and animate's per-row options by their long names; paths relative to the manifest",
            ArgumentArity.ExactlyOne);
        public readonly Option<string?> Output = CliOptions.Required(CliOptions.Text("--output", "DIR", "the folder the outputs are written into, created if missing", "-o"));
        public readonly Option<string?> Shard = CliOptions.Text("--shard", "I/N",
            $"render rows i with i mod N = I (I from 0); default from {BatchShard.KubernetesIndex} and {BatchShard.KubernetesCount} (Kubernetes Indexed Job) "
            + "or SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (Slurm array), else every row");
        public readonly Option<string?> Device = DeviceOption.Create();
        public readonly Option<string?> Weights = CliOptions.Text("--weights", "DIR", "the full StyleCineGAN method for every row (weights.md); without: the weight-free renderer");
        public readonly Option<FlowNet> FlowNet = CliOptions.Choice("--flow-net", "with --weights: the motion network used when a row's motion or mask is predicted",
            new Dictionary<string, FlowNet> { ["sky"] = Pipeline.Weights.FlowNet.Sky, ["fluid"] = Pipeline.Weights.FlowNet.Fluid }, Pipeline.Weights.FlowNet.Sky);
    }

    /// <summary>The <c>batch</c> command, reading the shard's default from the process environment.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr) => Create(stdout, stderr, Environment.GetEnvironmentVariable);

    /// <summary>The <c>batch</c> command with the environment given (tests).</summary>
    internal static Command Create(TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
    {
        var syntax = new Syntax();
        return syntax.Build("batch",
            "Render every photo of a manifest with one engine (device, weights and built programs shared), skipping outputs already written; "
            + "progress as JSON lines on stdout. " + ExitCodes,
            "batch expects one MANIFEST (CSV with a header row, or JSON lines)",
            r =>
            {
                string outDir = r.GetValue(syntax.Output)!; // required: a parse without it is a usage error
                var shard = BatchShard.Resolve(r.GetValue(syntax.Shard), environment);
                string device = DeviceOption.Resolve(r.GetValue(syntax.Device));
                string? weights = r.GetValue(syntax.Weights);
                if (weights is null && r.Given(syntax.FlowNet)) throw new CliException("--flow-net needs --weights DIR", 2);
                var settings = new Settings(outDir, device, weights, r.GetValue(syntax.FlowNet), shard);
                return Run(BatchManifest.Load(r.GetValue(syntax.Manifest)!), settings, stdout, stderr);
            });
    }

    private sealed record Settings(string OutputFolder, string Device, string? Weights, FlowNet FlowNet, BatchShard Shard);

    private static int Run(BatchManifest manifest, Settings settings, TextWriter stdout, TextWriter stderr)
    {
        var total = Stopwatch.StartNew();
        var animate = new AnimateRequest.Syntax();
        var command = animate.Build("animate", "", "a row needs a photo", _ => 0);
        CheckManifest(manifest, command);
        string outDir = Path.GetFullPath(settings.OutputFolder);
        if (File.Exists(outDir)) throw new CliException($"-o {settings.OutputFolder} is a file; it must be a folder", 2);
        var mine = manifest.Rows.Where((_, i) => settings.Shard.Owns(i)).ToList();
        using var engine = OpenEngine(settings);
        // DIR is made last, once the device and weights are open: a run refused with exit 2 leaves nothing behind.
        try
        {
            Directory.CreateDirectory(outDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"-o {settings.OutputFolder}: cannot create the folder ({e.Message})", 2);
        }
        var progress = new BatchProgress(settings.Shard, mine.Count, total, stdout, stderr);
        // A signal ends the process from its handler (Interrupts): the summary of the rows done so far is said there.
        using var onStop = Interrupts.OnStop(signal => progress.Summarize(signal));
        progress.Emit(new JsonObject
        {
            ["event"] = "batch", ["manifest"] = manifest.Path, ["output"] = settings.OutputFolder, ["rows"] = manifest.Rows.Count,
            ["shard"] = settings.Shard.ToString(), ["shard_source"] = settings.Shard.Source, ["shard_rows"] = mine.Count,
            ["device"] = engine.Device.Name, ["weights"] = settings.Weights is null ? false : settings.Weights,
        });

        foreach (var row in mine)
        {
            var clock = Stopwatch.StartNew();
            string? output = row.Get("output");
            try
            {
                if (row.Error is not null) throw new CliException(row.Error);
                string target = InDir("output", output ?? throw new CliException(
                    "no output: give the row an output file name (.gif, .mp4, or a name without extension for PNG frames)"), outDir);
                var kind = OutputKind(output); // an unsupported extension is the row's error before any work
                if (kind == FrameOutputKind.Gif && row.Get("fps") is { } fps && double.TryParse(fps, System.Globalization.CultureInfo.InvariantCulture, out double rate) && rate > 50)
                    throw new CliException($"fps {fps}: a GIF plays at most 50 fps; give an .mp4 output or fps 50 or less");
                if (row.Get("preview") is { } preview) InDir("preview", preview, outDir); // refused as the output is, done or not
                if (IsDone(output, target, kind))
                {
                    progress.Skipped(RowEvent(row, output, "skipped").With("reason", "the output is already there"));
                    continue;
                }
                progress.Emit(RowEvent(row, output, null, "start"));
                var args = Arguments(row, manifest.Folder, target, outDir, settings);
                var request = AnimateRequest.From(Cli.ParseCommand(command, args), animate);
                var report = new StringWriter();
                AnimateCommand.Run(request, Stopwatch.StartNew(), report, stderr, engine);
                var done = RowEvent(row, output, "rendered").With("seconds", Math.Round(clock.Elapsed.TotalSeconds, 3));
                if (LastLine(report.ToString()) is { } json && JsonNode.Parse(json) is JsonObject animateReport) done["report"] = animateReport;
                progress.Rendered(done);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                string message = InColumns(e.Message.ReplaceLineEndings(" "), command);
                progress.Failed(row, message, $"cinekernel: error: {manifest.Path} row {row.Number} (line {row.Line}{(output is null ? "" : $", {output}")}): {message}".ReplaceLineEndings(" "),
                    RowEvent(row, output, "failed").With("error", message));
            }
        }
        return progress.Summarize(null);
    }

    /// <summary>One engine for every row: the device opened and the weights (generator and encoder) loaded once.</summary>
    private static CinemagraphEngine OpenEngine(Settings settings)
    {
        try
        {
            return CinemagraphEngine.Open(settings.Device, settings.Weights, settings.FlowNet);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new CliException(e.Message, 2); // the device is not available, or --weights cannot be read: nothing renders
        }
    }

    /// <summary>
    /// Refuses, before any row renders, a manifest no run can finish: a column no row may have (unknown, or one that
    /// belongs to the whole batch; said at the line that first names it, even when every cell is empty), or two outputs
    /// or previews of one name (they would be one file or folder in DIR).
    /// </summary>
    private static void CheckManifest(BatchManifest manifest, Command animate)
    {
        var columns = RowColumns(animate);
        foreach (var (key, line) in manifest.Columns)
        {
            if (BatchWide.TryGetValue(key, out string? instead))
                throw new CliException($"{manifest.Path} line {line}: column '{key}' is not per row ({instead})", 2);
            if (!columns.Contains(ColumnOf(key)))
                throw new CliException($"{manifest.Path} line {line}: unknown column '{key}' (a row's columns: {string.Join(", ", columns)})", 2);
        }
        var names = manifest.Rows.SelectMany(r => new[] { "output", "preview" }.Where(c => r.Get(c) is not null).Select(c => (Name: r.Get(c)!, Column: c, Row: r.Number)));
        if (names.GroupBy(n => n.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            // Each spelling quoted as its rows give it: "'B.GIF' is the output of row 1 and 'b.gif' the output of row 2".
            var spellings = twice.GroupBy(n => n.Name, StringComparer.Ordinal).Select((spelling, i) =>
                $"'{spelling.Key}' {(i == 0 ? "is " : "")}" + And(spelling.GroupBy(n => n.Column).OrderBy(g => g.Key == "output" ? 0 : 1)
                    .Select(g => $"the {g.Key} of {Rows(g.Select(n => n.Row).ToList())}").ToList()));
            throw new CliException($"{manifest.Path}: {And(spellings.ToList())}; every output and preview needs a name of its own in DIR "
                                   + "(names are compared ignoring case)", 2);
        }
    }

    /// <summary>The columns a row may have, in order: photo, output, arrows, then animate's per-row options (not the batch's own).</summary>
    private static List<string> RowColumns(Command animate) =>
    [
        "photo", "output", "arrows",
        .. animate.Options.Select(o => ColumnOf(BatchManifest.Key(o.Name))).Where(c => c is not ("help" or "output" or "arrows") && !BatchWide.ContainsKey(c)).Order(),
    ];

    /// <summary>The column an animate option is given in: its long name, but <c>arrows</c> for the repeatable <c>--arrow</c>.</summary>
    private static string ColumnOf(string key) => key == "arrow" ? "arrows" : key;

    /// <summary>"row 2", "rows 1 and 3", "rows 1, 2 and 3".</summary>
    private static string Rows(IReadOnlyList<int> numbers) => (numbers.Count == 1 ? "row " : "rows ") + And(numbers);

    /// <summary>"a", "a and b", "a, b and c".</summary>
    private static string And<T>(IReadOnlyList<T> items) =>
        items.Count == 1 ? $"{items[0]}" : $"{string.Join(", ", items.Take(items.Count - 1))} and {items[^1]}";

    /// <summary>
    /// A row's error in the manifest's words: animate's per-row options become their columns (<c>--frames must be ...</c>
    /// is <c>frames must be ...</c>; <c>give --motion FILE</c> is <c>give a motion column</c>), while the batch's own
    /// options (<c>--weights</c>) keep their dashes, being given to <c>batch</c>. One mapping for every message, the
    /// parser's, animate's and the library's alike, so animate's checks stay the only ones.
    /// </summary>
    private static string InColumns(string message, Command animate)
    {
        foreach (var option in animate.Options)
        {
            string column = ColumnOf(BatchManifest.Key(option.Name));
            if (BatchWide.ContainsKey(column) || column == "help") continue;
            string name = $@"(?<![\w\-/\\.]){Regex.Escape(option.Name)}"; // not inside a word or a path the message quotes
            if (option.HelpName is { } value)
                message = Regex.Replace(message, $@"{name} {Regex.Escape(value)}(?![\w,-])", $"{("aeiou".Contains(column[0]) ? "an" : "a")} {column} column");
            message = Regex.Replace(message, $@"{name}(?![\w-])", column);
        }
        return message;
    }

    /// <summary>
    /// DIR/NAME for a row's output or preview. NAME must be a plain name in DIR: no folder (nor a trailing '/'), no
    /// '..', not absolute, and not hidden, as the staging files (<c>.NAME.XXXXXXXX.partial</c>) are. Nor may DIR/NAME
    /// be a symbolic link: written through, it would put the row's files outside DIR.
    /// </summary>
    /// <summary>The README's rule for a row's output: .gif, .mp4, or no extension for PNG frames (whatever exists in DIR).</summary>
    private static FrameOutputKind OutputKind(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".gif" => FrameOutputKind.Gif,
        ".mp4" => FrameOutputKind.Mp4,
        "" => FrameOutputKind.PngDirectory,
        var other => throw new CliException($"output '{name}': '{other}' is not an output batch writes; give a .gif or .mp4 name, or a name without an extension for a folder of PNG frames"),
    };

    private static string InDir(string column, string name, string outDir)
    {
        if (string.IsNullOrWhiteSpace(name) || name.StartsWith('.') || name.IndexOfAny(['/', '\\']) >= 0 || name.Any(char.IsControl) || Path.IsPathRooted(name)
            || Path.GetFileName(name) != name || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new CliException($"{column} '{name}' must be a plain name inside -o DIR: no folders or '/', and not starting with '.'");
        string path = Path.Combine(outDir, name);
        if (new FileInfo(path).LinkTarget is not null) // a file's or a folder's link, dangling or not
            throw new CliException($"{column} '{name}' is a symbolic link in -o DIR; batch neither follows nor replaces links: remove it or give another name");
        return path;
    }

    /// <summary>
    /// Whether a row's output is done: a GIF or MP4 when it is a regular file and not empty, PNG frames when they are a
    /// folder holding frames. Outputs are renamed into place only when finished, so an empty file or folder was not
    /// written by a render (a stray placeholder) and is rendered over. A link, or a file where the frames' folder
    /// belongs (or a folder where the file does), was not written by a render either, and is not the batch's to
    /// follow or replace: the row's error, never taken as done (links are refused by <see cref="InDir"/>).
    /// </summary>
    private static bool IsDone(string name, string target, FrameOutputKind kind)
    {
        var entry = new FileInfo(target);
        bool folder = kind == FrameOutputKind.PngDirectory;
        if (Directory.Exists(target))
            return folder
                ? Directory.EnumerateFiles(target, "frame_*.png").Any() // PngSequenceEncoder's frame_NNNN.png
                : throw new CliException($"output '{name}' is a folder in -o DIR, but a {Path.GetExtension(name)} output is a file: remove or rename the folder");
        if (entry.Exists)
            return !folder
                ? entry.Length > 0
                : throw new CliException($"output '{name}' is a file in -o DIR, but an output without an extension is a folder of PNG frames: remove or rename the file");
        return false;
    }

    /// <summary>
    /// animate's command line for a row: the photo, -o, its fields as options, and the batch's device and weights. With
    /// --overwrite: a row is rendered only when its output is missing (or empty), and then its preview folder, which no
    /// other row names (<see cref="CheckManifest"/>), is this row's to replace.
    /// </summary>
    private static string[] Arguments(BatchRow row, string manifestFolder, string target, string outDir, Settings settings)
    {
        string photo = row.Get("photo") ?? throw new CliException("no photo: give the row a photo (a file, or a sample folder)");
        var args = new List<string> { Path.Combine(manifestFolder, photo), "--output", target, "--quiet", "--overwrite", "--device", settings.Device };
        if (settings.Weights is not null) args.AddRange(["--weights", settings.Weights, "--flow-net", settings.FlowNet.ToString().ToLowerInvariant()]);
        foreach (var (key, values) in row.Fields)
        {
            switch (key)
            {
                case "photo" or "output":
                    break;
                case "arrows" or "arrow":
                    foreach (string arrow in values.SelectMany(v => v.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
                        args.AddRange(["--arrow", arrow]);
                    break;
                case "preview":
                    args.AddRange(["--preview", InDir("preview", row.Get("preview")!, outDir)]);
                    break;
                case var flag when flag is "overwrite" or "quiet":
                    break; // refused by CheckManifest
                default:
                    string value = values.Single(); // only arrows may hold a list (BatchManifest)
                    args.AddRange([$"--{key}", InputPaths.Contains(key) ? Path.Combine(manifestFolder, value) : value]);
                    break;
            }
        }
        return [.. args];
    }

    private static JsonObject RowEvent(BatchRow row, string? output, string? status, string kind = "row") =>
        status is null ? new() { ["event"] = kind, ["row"] = row.Number, ["line"] = row.Line, ["output"] = output }
            : new() { ["event"] = kind, ["row"] = row.Number, ["line"] = row.Line, ["output"] = output, ["status"] = status };

    private static JsonObject With(this JsonObject o, string key, JsonNode? value)
    {
        o[key] = value;
        return o;
    }

    private static string? LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
}
