using System.CommandLine;
using System.Diagnostics;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Warping;
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

    /// <summary>The <c>animate</c> command: its syntax (<see cref="AnimateRequest.Syntax"/>) and its run.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var syntax = new AnimateRequest.Syntax();
        return syntax.Build("animate",
            "Render a looping cinemagraph of a photo: with --weights the full StyleCineGAN method (inversion, deep feature warping), "
            + "without the weight-free renderer. The last stdout line is JSON with the seconds of each stage.",
            "animate expects one INPUT (an image, or a sample folder NAME/ with NAME.png)",
            r =>
            {
                var total = Stopwatch.StartNew();
                return Run(AnimateRequest.From(r, syntax), total, stdout, stderr);
            });
    }

    /// <summary>
    /// Runs one animate request: on <paramref name="engine"/> when given (<c>cinekernel batch</c>: its device, weights
    /// and built programs are shared by every row; the request's --device, --weights and --flow-net must be the
    /// engine's), else on an engine of its own, opened after the inputs are checked.
    /// </summary>
    internal static int Run(AnimateRequest request, Stopwatch total, TextWriter stdout, TextWriter stderr, CinemagraphEngine? engine = null)
    {
        return request.WeightsDir is null ? RunWeightFree(request, total, stdout, stderr, engine) : AnimateFullMethod.Run(request, total, stdout, stderr, engine);
    }

    /// <summary>
    /// The weight-free renderer on the whole photo at its own aspect, long side --size (default its own, at most
    /// 2048), or on the --region square when one is asked for.
    /// </summary>
    private static int RunWeightFree(AnimateRequest request, Stopwatch total, TextWriter stdout, TextWriter stderr, CinemagraphEngine? engine)
    {
        if (request.MotionPath is null && request.Arrows.Count == 0)
            throw new CliException($"no motion: give --motion FILE (.npy, .npz or .flo) or --arrow x0,y0,x1,y1 (or a sample folder with NAME_motion.npy)");
        var seconds = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        var photo = request.Region is { } asked
            ? Refusing(() => ImageInput.LoadSquare(request.Input.Image, FrameSize.Fit(asked.Side, asked.Side,
                request.Size ?? FrameSize.DefaultLongSide(asked.Side, asked.Side), request.EvenSides).Width, asked))
            : ImageInput.LoadWhole(request.Input.Image, request.Size, request.EvenSides);
        if (photo.WasCropped) stderr.WriteLine($"cinekernel: note: input {photo.Region.Describe()} (--region)");
        int width = photo.Pixels.Width, height = photo.Pixels.Height;
        var imageWarnings = Announce(photo, stderr);
        seconds["load"] = clock.Elapsed.TotalSeconds;
        seconds["inversion"] = 0; // no encoder without weights

        clock.Restart();
        string? motionPath = request.MotionPath;
        var motionFile = motionPath is null ? null : FitMotion(MotionField.Load(motionPath), motionPath, photo.Region);
        var options = new CinemagraphOptions
        {
            FrameCount = request.Frames, Loop = request.Loop, Speed = request.Speed,
            PyramidLevels = Math.Min(new CinemagraphOptions().PyramidLevels, CinemagraphOptions.MaxPyramidLevels(width, height)),
        };
        // The motion stays on its own grid when ×2 / ÷2 steps reach every pyramid level from it, as the original's
        // resize_flow brings its 512 grid to each level; otherwise (and for arrows) it is resampled to the frame's size.
        if (motionFile is not null && !ReachesLevels(motionFile, width, height, options.PyramidLevels))
            motionFile = motionFile.Resampled(width, height);
        int gridWidth = motionFile?.Width ?? width, gridHeight = motionFile?.Height ?? height;
        // Without a mask everything is animated.
        var mask = request.MaskPath is null ? AnimationMask.All(gridWidth, gridHeight) : LoadMask(request.MaskPath, gridWidth, gridHeight, photo.Region, stderr);
        seconds["mask"] = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var motion = motionFile ?? ArrowField.Build(request.Arrows, photo.Region, mask, request.Fps);
        seconds["motion"] = clock.Elapsed.TotalSeconds;
        var warnings = imageWarnings.Concat(Warn(MotionDiagnostics.Check(motion, mask, request.Frames, request.Speed), stderr)).ToList();

        using var ownDevice = engine is null ? DeviceOption.Open(request.Device) : null;
        using var ownEngine = engine is null ? CinemagraphEngine.Open(ownDevice!) : null;
        engine ??= ownEngine!;
        var device = engine.Device;
        using var writer = FrameWriter.Create(request.Output, width, height, new FrameWriterOptions { Fps = request.Fps, Overwrite = request.Overwrite });

        clock.Restart();
        using var prepared = engine.Prepare(new CinemagraphJob { Photo = photo.Pixels, Motion = motion, Mask = mask, Options = options });
        var renderer = prepared.WeightFree!;
        seconds["once_per_cinemagraph"] = clock.Elapsed.TotalSeconds;
        seconds["once_integrate"] = renderer.Timings.Integrate;

        var kept = RenderFrames(renderer.Render, request, width, height, writer, stderr);
        seconds["frames"] = renderer.Timings.Frames;
        int longSide = Math.Max(width, height);
        for (int l = 0; l < renderer.Timings.LevelWarps.Length; l++) seconds[$"frames_warp_{longSide >> l}"] = renderer.Timings.LevelWarps[l];

        warnings = [.. warnings, .. Complete(writer, request, dir => WritePreviews(dir, photo, motion, mask, request.Speed, kept, request.Frames), seconds, stderr)];
        var report = new AnimateReport(request, longSide, device).Set("width", width).Set("height", height)
            .Set("motion", motionPath ?? "arrows").Set("warnings", warnings).Set("notes", photo.Notes);
        foreach (var (stage, s) in seconds) report.Seconds[stage] = s;
        report.Write(total, stdout, stderr);
        return 0;
    }

    /// <summary>
    /// Writes a loaded image's notes (ICC conversion, transparency composite) as "note:" lines and its warnings
    /// (an unconvertible ICC profile) as "warning:" lines on stderr, quiet or not; returns the warnings for the JSON report.
    /// </summary>
    internal static IReadOnlyList<string> Announce(InputImage image, TextWriter stderr)
    {
        foreach (var n in image.Notes) stderr.WriteLine($"cinekernel: note: {n}");
        return Warn(image.Warnings, stderr);
    }

    /// <summary>Whether ×2 / ÷2 steps bring the field to every level ⌊W/2^l⌋×⌊H/2^l⌋ of the pyramid.</summary>
    private static bool ReachesLevels(MotionField motion, int width, int height, int levels)
    {
        try
        {
            for (int l = 0; l < levels; l++) StepResize.Steps(motion.Shape, height >> l, width >> l);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// A motion file brought to the photo's region: it must have the (oriented) photo's aspect within a pixel of
    /// rounding (else one line naming both sizes, never stretched); the region, scaled to the field's pixels (the
    /// centre square as <see cref="SquareCrop.Centre"/> takes it), is cut out. Resampling to a grid is the caller's.
    /// </summary>
    internal static MotionField FitMotion(MotionField motion, string path, ImageRegion region)
    {
        if (!ImageRegion.SameAspect(motion.Width, motion.Height, region.SourceWidth, region.SourceHeight))
            throw new CliException($"{path}: the motion field is {motion.Width}x{motion.Height}, not the aspect of the {region.SourceWidth}x{region.SourceHeight} photo; " +
                                   "a motion field must cover the same picture (it is never stretched)");
        var part = region.IsCentreSquare ? ImageRegion.Of(SquareCrop.Centre(motion.Width, motion.Height)) : region.ScaledTo(motion.Width, motion.Height);
        return motion.Cropped(part.X, part.Y, part.Width, part.Height);
    }

    /// <summary>Runs a load, turning a refused region (ArgumentException) into a one-line error.</summary>
    internal static T Refusing<T>(Func<T> load)
    {
        try { return load(); }
        catch (ArgumentException e) when (e is not ArgumentOutOfRangeException) { throw new CliException($"--{e.Message}"); }
    }

    /// <summary>Writes each warning as one line on stderr (quiet or not) and returns them for the JSON report.</summary>
    internal static IReadOnlyList<string> Warn(IReadOnlyList<string> warnings, TextWriter stderr)
    {
        foreach (var w in warnings) stderr.WriteLine($"cinekernel: warning: {w}");
        return warnings;
    }

    /// <summary>
    /// Runs a renderer's frame loop into the writer, with the progress bar on an interactive terminal, and keeps
    /// the frames the previews need (clamped copies).
    /// </summary>
    internal static SortedDictionary<int, RgbPlanes> RenderFrames(Action<FrameCallback, CancellationToken> render, AnimateRequest run, int width, int height,
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
                var copy = RgbPlanes.From(width, height, rgb, PixelRange.Unit);
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

    /// <summary>
    /// Reads the mask over the photo's region on the width×height motion grid (<see cref="MaskInput.Load(string, int, int, ImageRegion)"/>:
    /// a mask of another aspect is refused naming both sizes), saying on stderr when it was read as labels.
    /// </summary>
    internal static AnimationMask LoadMask(string path, int width, int height, ImageRegion region, TextWriter stderr)
    {
        var reading = MaskInput.Load(path, width, height, region);
        if (reading.Note is { } note) stderr.WriteLine($"cinekernel: note: {note}");
        return reading.Mask;
    }

    internal sealed record SampleFiles(string Image, string? Mask, string? Motion);

    /// <summary>The extensions of every image format ImageSharp reads, tried in this order for a sample's photo and mask.</summary>
    internal static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".tga", ".pbm"];

    /// <summary>
    /// An image file, or a folder NAME/ holding the photo NAME.EXT and optionally the mask NAME_mask.EXT (EXT any of
    /// <see cref="ImageExtensions"/>) and the motion NAME_motion.npy, file names matched ignoring case.
    /// </summary>
    /// <exception cref="CliException">Neither a file nor a folder, or a folder without the photo (the message lists the names looked for).</exception>
    internal static SampleFiles ResolveInput(string input)
    {
        if (File.Exists(input)) return new SampleFiles(input, null, null);
        if (!Directory.Exists(input)) throw new CliException($"input not found: {input}");
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(input)));
        var files = Directory.EnumerateFiles(input).ToDictionary(f => Path.GetFileName(f), StringComparer.Ordinal);
        string? Find(IEnumerable<string> names) => names
            .Select(n => files.Keys.Where(k => string.Equals(k, n, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).FirstOrDefault())
            .FirstOrDefault(k => k is not null) is { } found ? files[found] : null;
        var photoNames = ImageExtensions.Select(e => name + e).ToList();
        string image = Find(photoNames)
            ?? throw new CliException($"input folder {input} has no {name}.png: looked for {string.Join(", ", photoNames)} (ignoring case; "
                                      + $"the sample layout is NAME/NAME.png with optional NAME_mask.png and NAME_motion.npy)");
        string? mask = Find(ImageExtensions.Select(e => name + "_mask" + e));
        string? motion = Find([name + "_motion.npy"]);
        return new SampleFiles(image, mask, motion);
    }

    /// <summary>
    /// Finishes a run's outputs so that the exit code matches what was written: the previews (when asked) are
    /// written first into a hidden folder beside --preview DIR, then the main output is committed (timed as
    /// <c>encode</c>), then the previews are moved into DIR. A failure before the commit leaves neither output and
    /// fails the run; once the main output is in place, a failure to move the previews is a warning (returned for
    /// the JSON), never a non-zero exit.
    /// </summary>
    internal static IReadOnlyList<string> Complete(IFrameWriter writer, AnimateRequest request, Action<string> writePreviews,
        Dictionary<string, double> seconds, TextWriter stderr)
    {
        using var staging = request.PreviewDir is { } dir ? StagedFolder.Create(dir) : null;
        if (staging is not null) writePreviews(staging.Path);
        var clock = Stopwatch.StartNew();
        writer.Complete();
        seconds["encode"] = clock.Elapsed.TotalSeconds;
        if (staging is null) return [];
        try
        {
            staging.Publish();
            return [];
        }
        catch (MediaFileException e)
        {
            return Warn([$"the previews could not be written to {request.PreviewDir} ({e.Message}); {request.Output} was written"], stderr);
        }
    }

    internal static void WritePreviews(string dir, InputImage photo, MotionField motion, AnimationMask mask, float speed,
        SortedDictionary<int, RgbPlanes> kept, int frames)
    {
        Directory.CreateDirectory(dir);
        Previews.SaveFlow(Path.Combine(dir, "flow.png"), motion.Masked(mask, speed).Planes, motion.Width, motion.Height);
        Previews.SaveMaskOverlay(Path.Combine(dir, "mask_overlay.png"), photo.Pixels, mask.Values, mask.Width, mask.Height);
        Previews.SaveFrame(Path.Combine(dir, "frame_first.png"), kept[0]);
        Previews.SaveFrame(Path.Combine(dir, "frame_middle.png"), kept[frames / 2]);
        var sheet = Previews.ContactSheetFrames(frames, 8).Select(t => kept[t]).ToList();
        // Tiles with a long side of at most 256, at the photo's aspect (a narrow photo is not widened to 256).
        int tileWidth = Math.Max(1, (int)(photo.Pixels.Width * Math.Min(1.0, 256.0 / photo.Size))); // down: the height follows ≤ 256
        Previews.SaveContactSheet(Path.Combine(dir, "contact_sheet.png"), sheet, 4, tileWidth);
    }
}
