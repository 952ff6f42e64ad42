using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CineKernel.Kernels;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Warping;
using CineKernel.WeightsLoader;
using Spectre.Console;

namespace CineKernel.Tools;

/// <summary>
/// <c>cinekernel animate INPUT -o OUT</c>: with <c>--weights DIR</c> the full StyleCineGAN method
/// (<see cref="StyleCineGanRenderer"/>), without it the weight-free cinemagraph (<see cref="WeightFreeRenderer"/>).
/// Everything that can be wrong with the inputs is checked before the output is opened, and the writer is
/// atomic, so a failed run leaves no output file. The last stdout line is JSON with the seconds of each stage.
/// </summary>
public static class AnimateCommand
{
    /// <summary>The grid of arrow-drawn motion and its mask when no motion file fixes it (the original's 512).</summary>
    private const int DefaultMotionSize = MaskInput.DefaultSize;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var total = Stopwatch.StartNew();
        var o = Options.Parse(args,
            new HashSet<string> { "o", "output", "mask", "motion", "arrow", "frames", "fps", "loop", "size", "device", "preview", "weights", "style", "flow-net" },
            new HashSet<string> { "quiet", "q", "overwrite" });
        if (!o.Has("weights"))
            foreach (var option in new[] { "style", "flow-net" })
                if (o.Has(option)) throw new CliException($"--{option} needs --weights DIR (the full StyleCineGAN path; see weights.md)", 2);
        if (o.Positional.Count != 1) throw new CliException("animate expects one INPUT (an image, or a sample folder NAME/ with NAME.png)", 2);
        string output = o.Get("o") ?? o.Get("output") ?? throw new CliException("animate needs -o OUT (.gif, .mp4 or a folder for PNG frames)", 2);
        // Said in the command's words before any work (the writer refuses too, later and without the option's name).
        if (!o.Has("overwrite") && (File.Exists(output) || (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())))
            throw new CliException($"{output} already exists; add --overwrite to replace it");
        int frames = o.GetInt("frames", 120, 2, CinemagraphOptions.MaxFrames);
        double fps = ParseFps(o.Get("fps"));
        var loop = (o.Get("loop") ?? "seamless").ToLowerInvariant() switch
        {
            "seamless" => LoopMode.Seamless,
            "official" => LoopMode.Official,
            var s => throw new CliException($"--loop must be seamless or official, got '{s}'", 2),
        };
        int size = o.GetInt("size", ImageInput.DefaultSize, 64, 4096);
        if ((size & (size - 1)) != 0) throw new CliException($"--size must be a power of two (64..4096), got {size}", 2);
        string deviceName = DeviceOption.Resolve(o.Get("device"));
        bool quiet = o.Has("quiet") || o.Has("q");
        string? previewDir = o.Get("preview");
        var arrows = ArrowField.ParseAll(o.GetAll("arrow"));

        // Inputs: explicit options first, then the sample folder's files.
        var sample = ResolveInput(o.Positional[0]);
        var run = new RunSettings(output, frames, fps, loop, deviceName, quiet, previewDir, o.Has("overwrite"));
        if (o.Get("weights") is { } weightsDir)
            return AnimateFullMethod.Run(weightsDir, o, run, sample, arrows, o.Has("size") ? size : null, total, stdout, stderr);
        var seconds = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        var photo = ImageInput.Load(sample.Image, size);
        if (photo.WasCropped) stderr.WriteLine($"cinekernel: note: input {photo.Crop.Describe()}");
        seconds["load"] = clock.Elapsed.TotalSeconds;
        seconds["inversion"] = 0; // no encoder without weights

        string? motionPath = o.Get("motion") ?? (arrows.Count == 0 ? sample.Motion : null);
        if (motionPath is not null && !File.Exists(motionPath)) throw new CliException($"motion file not found: {motionPath}");
        if (motionPath is null && arrows.Count == 0)
            throw new CliException($"no motion: give --motion FILE.npy or --arrow x0,y0,x1,y1 (or a sample folder with NAME_motion.npy)");
        clock.Restart();
        MotionField? motionFile = motionPath is null ? null : MotionField.Load(motionPath);
        int motionSize = DefaultMotionSize;
        if (motionFile is not null)
        {
            if (motionFile.Height != motionFile.Width)
                throw new CliException($"{motionPath}: motion field is {motionFile.Height}x{motionFile.Width}; it must be square like the cropped photo");
            motionSize = motionFile.Width;
        }
        string? maskPath = o.Get("mask") ?? sample.Mask;
        // Without a mask everything is animated.
        var mask = maskPath is null ? AnimationMask.All(motionSize, motionSize) : AnimationMask.Load(maskPath, motionSize, motionSize);
        seconds["mask"] = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var motion = motionFile ?? ArrowField.Build(arrows, photo.Crop, mask, fps);
        for (int l = 0; l < 4; l++)
        {
            try { FlowPyramid.Steps(new Shape4(1, 2, motionSize, motionSize), size >> l); }
            catch (ArgumentException) { throw new CliException($"{motionPath}: a {motionSize}x{motionSize} motion field cannot be halved or doubled to the pyramid level {size >> l} of --size {size}"); }
        }
        seconds["motion"] = clock.Elapsed.TotalSeconds;

        using var device = DeviceOption.Open(deviceName);
        var writerOptions = new FrameWriterOptions { Fps = fps, Overwrite = o.Has("overwrite") };
        using var writer = FrameWriter.Create(output, size, size, writerOptions);

        clock.Restart();
        var options = new CinemagraphOptions { FrameCount = frames, Loop = loop };
        using var renderer = WeightFreeRenderer.Create(device, photo.Pixels, motion, mask, options);
        seconds["once_per_cinemagraph"] = clock.Elapsed.TotalSeconds;
        seconds["once_integrate"] = renderer.Timings.Integrate;

        var kept = RenderFrames(renderer.Render, run, size, writer, stderr);
        seconds["frames"] = renderer.Timings.Frames;
        for (int l = 0; l < renderer.Timings.LevelWarps.Length; l++) seconds[$"frames_warp_{size >> l}"] = renderer.Timings.LevelWarps[l];

        clock.Restart();
        writer.Complete();
        seconds["encode"] = clock.Elapsed.TotalSeconds;

        if (previewDir is not null) WritePreviews(previewDir, photo, motion, mask, kept, frames);
        seconds["total"] = total.Elapsed.TotalSeconds;

        var report = new Dictionary<string, object>
        {
            ["output"] = output,
            ["frames"] = frames,
            ["size"] = size,
            ["loop"] = loop.ToString().ToLowerInvariant(),
            ["device"] = device.Name,
            ["motion"] = motionPath ?? "arrows",
            ["seconds"] = seconds.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 3)),
        };
        if (!quiet) stderr.WriteLine($"cinekernel: wrote {output} ({frames} frames, {size}x{size}) in {seconds["total"]:F1} s");
        stdout.WriteLine(JsonSerializer.Serialize(report));
        return 0;
    }

    /// <summary>What every animate run shares once the options are parsed.</summary>
    internal sealed record RunSettings(string Output, int Frames, double Fps, LoopMode Loop, string Device, bool Quiet, string? PreviewDir, bool Overwrite);

    /// <summary>
    /// Runs a renderer's frame loop into the writer, with the progress bar on an interactive terminal, and keeps
    /// the frames the previews need (clamped copies).
    /// </summary>
    internal static SortedDictionary<int, RgbPlanes> RenderFrames(Action<FrameCallback, CancellationToken> render, RunSettings run, int size,
        IFrameWriter writer, TextWriter stderr)
    {
        int frames = run.Frames;
        var keep = run.PreviewDir is null ? new HashSet<int>() : Previews.ContactSheetFrames(frames, 8).Append(frames / 2).ToHashSet();
        var kept = new SortedDictionary<int, RgbPlanes>();
        void OnFrame(int t, ReadOnlySpan<float> rgb)
        {
            writer.Write(rgb);
            if (keep.Contains(t))
            {
                var copy = RgbPlanes.From(size, size, rgb, PixelRange.Unit);
                for (int i = 0; i < copy.Data.Length; i++) copy.Data[i] = Math.Clamp(copy.Data[i], 0f, 1f);
                kept[t] = copy;
            }
        }

        bool showProgress = !run.Quiet && ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
        if (showProgress)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stderr) });
            console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"{frames} frames", maxValue: frames);
                    render((t, rgb) =>
                    {
                        OnFrame(t, rgb);
                        task.Increment(1);
                    }, default);
                });
        }
        else
        {
            render(OnFrame, default);
        }
        return kept;
    }

    private static double ParseFps(string? text)
    {
        if (text is null) return 30;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double fps) || !(fps > 0) || fps > 240)
            throw new CliException($"--fps must be a number in (0, 240], got '{text}'", 2);
        return fps;
    }

    internal sealed record SampleFiles(string Image, string? Mask, string? Motion);

    /// <summary>An image file, or a folder NAME/ holding NAME.png (or .jpg) and optionally NAME_mask.png, NAME_motion.npy.</summary>
    private static SampleFiles ResolveInput(string input)
    {
        if (File.Exists(input)) return new SampleFiles(input, null, null);
        if (!Directory.Exists(input)) throw new CliException($"input not found: {input}");
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(input)));
        string? image = new[] { ".png", ".jpg", ".jpeg" }.Select(e => Path.Combine(input, name + e)).FirstOrDefault(File.Exists)
            ?? throw new CliException($"input folder {input} has no {name}.png (expected the sample layout NAME/NAME.png, NAME_mask.png, NAME_motion.npy)");
        string mask = Path.Combine(input, name + "_mask.png");
        string motion = Path.Combine(input, name + "_motion.npy");
        return new SampleFiles(image, File.Exists(mask) ? mask : null, File.Exists(motion) ? motion : null);
    }

    internal static void WritePreviews(string dir, InputImage photo, MotionField motion, AnimationMask mask,
        SortedDictionary<int, RgbPlanes> kept, int frames)
    {
        Directory.CreateDirectory(dir);
        Previews.SaveFlow(Path.Combine(dir, "flow.png"), motion.Masked(mask).Planes, motion.Width, motion.Height);
        Previews.SaveMaskOverlay(Path.Combine(dir, "mask_overlay.png"), photo.Pixels, mask.Values, mask.Width, mask.Height);
        SavePng(Path.Combine(dir, "frame_first.png"), kept[0]);
        SavePng(Path.Combine(dir, "frame_middle.png"), kept[frames / 2]);
        var sheet = Previews.ContactSheetFrames(frames, 8).Select(t => kept[t]).ToList();
        Previews.SaveContactSheet(Path.Combine(dir, "contact_sheet.png"), sheet, 4, Math.Min(256, photo.Size));
    }

    private static void SavePng(string path, RgbPlanes frame) =>
        Previews.SaveContactSheet(path, [frame], 1, frame.Width);
}
