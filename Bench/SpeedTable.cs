using System.Diagnostics;
using CineKernel.Bench.Support;
using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Synthesis;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Bench;

/// <summary>
/// <c>dotnet run -c Release --project Bench -- table [--generator config-f|tiny] [--repeat N] [--frames N] [--only a,b] [--steps]</c>:
/// the side-by-side table of issue 15 for our side in one command, each row timed a fixed number of times with a
/// stopwatch (operations of 10–100 s do not suit BenchmarkDotNet's pilot and its in-process timeout), as medians:
/// <list type="bullet">
/// <item><c>forward</c>: the plain generator forward (random weights, seed 1), after one untimed run.</item>
/// <item><c>once</c>: the once-per-cinemagraph part of a 120-frame official loop (unwarped chain, displacement fields).</item>
/// <item><c>frame</c>: one cinemagraph frame of that loop (median over --frames frames after the once part).</item>
/// <item><c>demo</c>: the README demo, <c>cinekernel animate samples/0002268 -o out.gif</c> (1024², 120 frames,
/// weight-free) as a process of the built tool (Tools/bin/Release, or <c>$CINEKERNEL_TOOL</c>, so another build can be
/// measured in the same run), on the same device.</item>
/// </list>
/// With <c>--steps</c> each generator row is followed by where its time went: the plan's steps timed one by one (the
/// device waited for around each, which adds a little), summed per op and output shape, largest first.
/// GFLOP/s is the plan's FLOP count (a direct convolution's multiply-adds, whatever algorithm runs) over the median.
/// The device is <c>CINEKERNEL_DEVICE</c> (default the CPU accelerator), as for every benchmark.
/// </summary>
public static class SpeedTable
{
    private const int LoopFrames = 120;

    private const string Usage = """
        table: the speed table (medians of fixed run counts, as Markdown) on CINEKERNEL_DEVICE (default the CPU accelerator)
          --only ROWS        comma-separated rows: forward, once, frame, demo (default all four)
          --generator G      config-f (default) or tiny, for the forward/once/frame rows (the demo row has no generator)
          --repeat N         runs per row (default 3)
          --frames N         frames timed in the frame row (default 10)
          --steps            after each generator row, where its time went (the plan's steps, top 8)
          --help             this text
        The demo row runs the built cinekernel (Tools/bin/Release) as a process; CINEKERNEL_TOOL=path/to/cinekernel.dll
        times another build's.
        """;

    /// <summary>Runs the table and prints it as Markdown; returns the process exit code (2 for a usage error).</summary>
    public static int Run(string[] args)
    {
        string generator = "config-f";
        int repeat = 3, frames = 10;
        bool steps = false;
        var only = new HashSet<string>(["forward", "once", "frame", "demo"]);
        var all = only.ToArray();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"table: {args[i]} needs a value");
            int Count()
            {
                string option = args[i], value = Value();
                return int.TryParse(value, out int n) ? n : throw new ArgumentException($"table: {option} needs a whole number, got '{value}'");
            }
            switch (args[i])
            {
                case "--help" or "-h":
                    Console.WriteLine(Usage);
                    return 0;
                case "--generator": generator = Value(); break;
                case "--repeat": repeat = Count(); break;
                case "--frames": frames = Count(); break;
                case "--steps": steps = true; break;
                case "--only": only = new HashSet<string>(Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); break;
                default: throw new ArgumentException($"table: unknown option '{args[i]}' (--generator, --repeat, --frames, --only, --steps, --help)");
            }
        }
        if (repeat < 1 || frames < 1) throw new ArgumentException("table: --repeat and --frames must be at least 1");
        if (only.Except(all).FirstOrDefault() is { } unknown) throw new ArgumentException($"table: unknown row '{unknown}' (one of {string.Join(", ", all)})");
        var config = generator switch
        {
            "config-f" => GeneratorConfig.ConfigF(),
            "tiny" => RandomWeightsFolder.TinyGenerator,
            _ => throw new ArgumentException($"table: unknown generator '{generator}' (config-f or tiny)"),
        };

        string? tool = null;
        if (only.Contains("demo"))
        {
            try
            {
                tool = ToolProcess.Find(FindRoot());
            }
            catch (FileNotFoundException e)
            {
                throw new ArgumentException($"table: {e.Message}");
            }
        }

        using var device = BenchDevice.Open();
        Console.WriteLine($"# CineKernel speed table: {device.Name} ({device.Kind}), {Environment.ProcessorCount} cores, generator {generator}, " +
                          $"{repeat} run{(repeat == 1 ? "" : "s")} per row ({frames} frames for the frame row), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine();
        Console.WriteLine("| work | median | runs (s) | GFLOP | GFLOP/s |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");

        if (only.Overlaps(["forward", "once", "frame"])) GeneratorRows(device, config, only, repeat, frames, steps);
        if (tool is not null) DemoRow(device, tool, repeat);
        return 0;
    }

    private static void GeneratorRows(ComputeDevice device, GeneratorConfig config, HashSet<string> only, int repeat, int frames, bool steps)
    {
        var weights = RandomWeights.Generator(config, seed: 1);
        var generator = new Generator(config, NetworkParameters.From(weights, "random"));
        var wplus = RandomWeights.Uniform(config.LatentCount * config.StyleDim, 1, 1f);
        if (only.Contains("forward"))
        {
            using var forward = new GraphRunner(device, Scheduler.Plan(generator.BuildForward(), device.Kind));
            forward.SetInput(Generator.WPlusInput, wplus);
            if (steps) TimeAll(forward);
            Row($"plain generator forward ({config.Size}²)", forward.Plan.FlopsOnce, repeat, warmUp: true, () =>
            {
                forward.Run();
                device.Synchronize();
            });
            if (steps) Breakdown("forward", forward, _ => true, repeat + 1);
        }
        if (!only.Overlaps(["once", "frame"])) return;
        int flowSize = config.Size / 2; // the original's motion grid: 512 for 1024
        using var program = new GraphRunner(device, Scheduler.Plan(generator.BuildFrames(new FramesOptions(FlowSize: flowSize)), device.Kind), LoopFrames);
        program.SetInput(Generator.WPlusInput, wplus);
        program.SetInput(Generator.FeatureInput, RandomWeights.Uniform(config.ChannelsAt(64) * 64 * 64, 2, 1f));
        program.SetInput(Generator.FlowInput, RandomWeights.Uniform(2 * flowSize * flowSize, 3, 2f));
        if (steps) TimeAll(program);
        Row($"once per cinemagraph ({LoopFrames}-frame loop)", program.Plan.FlopsOnce, only.Contains("once") ? repeat : 1, warmUp: false, () =>
        {
            program.RunOnce();
            device.Synchronize();
        }, print: only.Contains("once"));
        if (steps && only.Contains("once")) Breakdown("once", program, s => s.Schedule == Schedule.Once, repeat);
        if (!only.Contains("frame")) return;
        int t = 0;
        Row($"one cinemagraph frame ({LoopFrames}-frame loop)", program.Plan.FlopsPerFrame, frames, warmUp: false, () =>
        {
            program.RunFrame(t++ * 7 % LoopFrames); // frames spread over the loop, as the reach of the splat grows with t
            device.Synchronize();
        });
        if (steps) Breakdown("frame", program, s => s.Schedule == Schedule.PerFrame, frames);
    }

    private static void DemoRow(ComputeDevice device, string tool, int repeat)
    {
        string root = FindRoot();
        string output = Path.Combine(Path.GetTempPath(), $"cinekernel-table-{Environment.ProcessId}.gif");
        string deviceName = device.Kind.ToString().ToLowerInvariant();
        try
        {
            Row("README demo (animate samples/0002268 -o out.gif: 1024², 120 frames, weight-free)", 0, repeat, warmUp: false, () =>
            {
                ToolProcess.Run(tool, ["animate", Path.Combine(root, "samples", "0002268"), "-o", output, "--device", deviceName, "--overwrite", "--quiet"]);
            });
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static void TimeAll(GraphRunner runner)
    {
        foreach (var s in runner.Plan.Steps) runner.TimedSteps.Add(s.Index);
    }

    /// <summary>Seconds per run of the steps <paramref name="which"/> selects, summed per op and output shape (top 8).</summary>
    private static void Breakdown(string row, GraphRunner runner, Func<PlanStep, bool> which, int runs)
    {
        var groups = runner.Plan.Steps.Where(which)
            .GroupBy(s => s.Op is EffectOp ? $"{s.Op.Name} (effect: no tensor)" : $"{s.Op.Name} → {s.Output.Shape}")
            .Select(g => (Key: g.Key, Count: g.Count(), Seconds: g.Sum(s => runner.StepSeconds[s.Index]) / runs,
                          Flops: g.Sum(s => s.Op.Flops(s.Inputs.Select(v => v.Shape).ToArray(), s.Output.Shape))))
            .OrderByDescending(g => g.Seconds).ToList();
        double total = groups.Sum(g => g.Seconds);
        foreach (var g in groups.Take(8))
            Console.WriteLine($"|   {row}: {g.Count} × {g.Key} | {g.Seconds:F3} s ({100 * g.Seconds / total:F0}%) | | {g.Flops / 1e9:F1} | " +
                              (g.Flops > 0 ? $"{g.Flops / 1e9 / g.Seconds:F2}" : "-") + " |");
    }

    private static void Row(string work, double flops, int runs, bool warmUp, Action operation, bool print = true)
    {
        if (warmUp) operation();
        var seconds = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            operation();
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        if (!print) return;
        double median = Median(seconds);
        string gflop = flops > 0 ? $"{flops / 1e9:F1}" : "-";
        string rate = flops > 0 ? $"{flops / 1e9 / median:F2}" : "-";
        Console.WriteLine($"| {work} | {median:F3} s | {string.Join(", ", seconds.Select(s => s.ToString("F2")))} | {gflop} | {rate} |");
    }

    /// <summary>The median (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CineKernel.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
