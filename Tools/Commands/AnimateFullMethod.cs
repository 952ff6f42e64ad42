using System.Diagnostics;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools;

/// <summary>
/// <c>cinekernel animate --weights DIR</c>: the full method (<see cref="StyleCineGanRenderer"/>). The weights
/// folder is checked first (<see cref="WeightsFolder.Open"/>: the generator and the encoder, plus the classifiers
/// when no mask is given and the flow network when no motion or arrows are given); the photo (and <c>--style</c> image) are read at
/// the generator's size G: a square region of it (the centre square, or <c>--region x,y,side</c>); mask and motion
/// come from the options or the sample folder (cut to the same region; of the photo's aspect, else refused), else they
/// are predicted on the grid M = G/2 (the original's 512); a given square motion whose size reaches every warp level
/// by ×2 / ÷2 steps sets M, any other is resampled to G/2. <c>--size</c> is the output's long side (default the
/// photo's, at most 2048): frames are rendered at G, resized to the region's side at that scale and, when the region
/// is not the whole photo, put back into the whole photo (said on stderr).
/// </summary>
internal static class AnimateFullMethod
{
    /// <summary>Runs the request on <paramref name="engine"/> (its weights folder and device) when given, else opens both.</summary>
    public static int Run(AnimateRequest request, Stopwatch total, TextWriter stdout, TextWriter stderr, CinemagraphEngine? engine = null)
    {
        string weightsDir = request.WeightsDir!;
        string? maskPath = request.MaskPath, motionPath = request.MotionPath;
        var arrows = request.Arrows;
        var seconds = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        var predicted = (maskPath is null ? PredictedInputs.Mask : PredictedInputs.None)
                        | (motionPath is null && arrows.Count == 0 ? PredictedInputs.Motion : PredictedInputs.None);
        if (engine is not null && (engine.Weights is null || engine.Weights.FlowNet != request.FlowNet))
            throw new CliException($"the engine was opened {(engine.Weights is null ? "without weights" : $"with --flow-net {engine.Weights.FlowNet.ToString().ToLowerInvariant()}")}; this photo asks for --weights with --flow-net {request.FlowNet.ToString().ToLowerInvariant()}");
        using var ownWeights = engine is null ? WeightsFolder.Open(weightsDir, request.FlowNet, predicted) : null;
        var weights = engine?.Weights ?? ownWeights!;
        weights.Require(predicted); // a missing classifier or flow network is said before the photo is read
        if (request.FlowNetGiven && predicted == PredictedInputs.None)
            stderr.WriteLine("cinekernel: note: --flow-net has no effect: the mask and the motion are both given");
        int size = weights.GeneratorConfig.Size;
        var photo = AnimateCommand.Refusing(() => ImageInput.LoadSquare(request.Input.Image, size, request.Region));
        var region = photo.Region;
        var frameSize = FrameSize.Fit(region.SourceWidth, region.SourceHeight,
            request.Size ?? FrameSize.DefaultLongSide(region.SourceWidth, region.SourceHeight), request.EvenSides);
        RgbPlanes? background = null;
        Kernels.Window? placement = null;
        if (!region.IsWhole)
        {
            // The generator is square: its frames go back into the whole photo at the output size.
            background = ImageInput.LoadWhole(request.Input.Image, frameSize.LongSide, request.EvenSides).Pixels;
            placement = Placement(region, background.Width, background.Height);
        }
        var style = request.StylePath is null ? null : ImageInput.Load(request.StylePath, size);
        var imageWarnings = AnimateCommand.Announce(photo, stderr).Concat(style is null ? [] : AnimateCommand.Announce(style, stderr)).ToList();
        var motionFile = motionPath is null ? null : AnimateCommand.FitMotion(MotionField.Load(motionPath), motionPath, region);
        int grid = size / 2;
        if (motionFile is not null)
        {
            if (motionFile.Width == motionFile.Height && ReachesWarpLevels(motionFile.Width, size)) grid = motionFile.Width;
            else motionFile = motionFile.Resampled(grid, grid);
        }
        var mask = maskPath is null ? null : AnimateCommand.LoadMask(maskPath, grid, grid, region, stderr);
        // Arrows are drawn over the given mask, or over the whole grid when the mask is predicted (the flow is
        // multiplied by the predicted mask afterwards either way).
        var motion = motionFile ?? (arrows.Count == 0 ? null
            : ArrowField.Build(arrows, region, mask ?? AnimationMask.All(grid, grid), request.Fps));
        seconds["load"] = clock.Elapsed.TotalSeconds;
        if (!region.IsWhole) // said once every input has been checked, so a refusal stays one line
            stderr.WriteLine($"cinekernel: note: the generator is square: it animates the {region.Describe()}; outside that region every frame is the photo (--region x,y,side picks another square)");

        using var ownDevice = engine is null ? DeviceOption.Open(request.Device) : null;
        using var ownEngine = engine is null ? CinemagraphEngine.Open(ownDevice!, weights) : null;
        engine ??= ownEngine!;
        var device = engine.Device;
        var job = new CinemagraphJob
        {
            Photo = photo.Pixels, GridSize = grid, Motion = motion, Mask = mask, Style = style?.Pixels, Background = background, Placement = placement,
            OutputSize = placement?.Height ?? frameSize.Width,
            Options = new CinemagraphOptions { FrameCount = request.Frames, Loop = request.Loop, Speed = request.Speed },
        };
        using var prepared = engine.Prepare(job);
        var renderer = prepared.Full!;
        seconds["inversion"] = renderer.Timings.Inversion;
        seconds["mask"] = renderer.Timings.Mask;
        seconds["motion"] = renderer.Timings.Motion;
        seconds["once_per_cinemagraph"] = renderer.Timings.OncePerCinemagraph;
        var warnings = imageWarnings.Concat(AnimateCommand.Warn(MotionDiagnostics.Check(renderer.Motion, renderer.Mask, request.Frames, request.Speed), stderr)).ToList();

        using var writer = FrameWriter.Create(request.Output, renderer.Width, renderer.Height, new FrameWriterOptions { Fps = request.Fps, Overwrite = request.Overwrite });
        var kept = AnimateCommand.RenderFrames(renderer.Render, request, renderer.Width, renderer.Height, writer, stderr);
        seconds["frames"] = renderer.Timings.Frames;

        warnings = [.. warnings, .. AnimateCommand.Complete(writer, request,
            dir => AnimateCommand.WritePreviews(dir, photo, renderer.Motion, renderer.Mask, request.Speed, kept, request.Frames), seconds, stderr)];

        var report = new AnimateReport(request, Math.Max(renderer.Width, renderer.Height), device)
            .Set("width", renderer.Width)
            .Set("height", renderer.Height)
            .Set("region", new[] { region.X, region.Y, region.Width })
            .Set("generator_size", size)
            .Set("weights", weightsDir)
            .Set("flow_net", request.FlowNet.ToString().ToLowerInvariant())
            .Set("mask", maskPath ?? "predicted")
            .Set("motion", motionPath ?? (arrows.Count > 0 ? "arrows" : "predicted"))
            .Set("style", (object?)request.StylePath ?? false)
            .Set("warnings", warnings)
            .Set("notes", photo.Notes.Concat(style?.Notes ?? []).ToList());
        foreach (var (stage, s) in seconds) report.Seconds[stage] = s;
        report.Write(total, stdout, stderr);
        return 0;
    }

    /// <summary>
    /// The region's square in the whole photo at width×height: each edge scaled by the size ratio and rounded (the side
    /// from the width's ratio), kept inside the frame.
    /// </summary>
    private static Kernels.Window Placement(ImageRegion region, int width, int height)
    {
        double scale = (double)width / region.SourceWidth;
        int side = Math.Max(1, (int)Math.Round(region.Width * scale, MidpointRounding.AwayFromZero));
        side = Math.Min(side, Math.Min(width, height));
        int left = Math.Clamp((int)Math.Round(region.X * scale, MidpointRounding.AwayFromZero), 0, width - side);
        int top = Math.Clamp((int)Math.Round(region.Y * (double)height / region.SourceHeight, MidpointRounding.AwayFromZero), 0, height - side);
        return new Kernels.Window(top, left, side, side);
    }

    /// <summary>Whether ×2 / ÷2 steps bring an M×M grid to every warp level 128..G (the renderer's requirement).</summary>
    private static bool ReachesWarpLevels(int grid, int generatorSize)
    {
        try
        {
            for (int level = 2 * WeightsFolder.FeatureResolution; level <= generatorSize; level *= 2)
                Pipeline.Warping.StepResize.Steps(new Kernels.Shape4(1, 2, grid, grid), level);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
