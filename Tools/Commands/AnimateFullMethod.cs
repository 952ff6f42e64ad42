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
/// the generator's size G; mask and motion come from the options or the sample folder, else they are predicted
/// on the grid M = G/2 (the original's 512); a given motion file sets M. <c>--size</c> is the output side:
/// frames are rendered at G and resized by bilinear ×2 / ÷2 steps (default G).
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
        var photo = ImageInput.Load(request.Input.Image, size);
        if (photo.WasCropped) stderr.WriteLine($"cinekernel: note: input {photo.Crop.Describe()}");
        var style = request.StylePath is null ? null : ImageInput.Load(request.StylePath, size);
        var imageWarnings = AnimateCommand.Announce(photo, stderr).Concat(style is null ? [] : AnimateCommand.Announce(style, stderr)).ToList();
        var motionFile = motionPath is null ? null : MotionField.Load(motionPath);
        int grid = size / 2;
        if (motionFile is not null)
        {
            if (motionFile.Height != motionFile.Width)
                throw new CliException($"{motionPath}: motion field is {motionFile.Height}x{motionFile.Width}; it must be square like the cropped photo");
            grid = motionFile.Width;
        }
        var mask = maskPath is null ? null : AnimateCommand.LoadMask(maskPath, grid, stderr);
        // Arrows are drawn over the given mask, or over the whole grid when the mask is predicted (the flow is
        // multiplied by the predicted mask afterwards either way).
        var motion = motionFile ?? (arrows.Count == 0 ? null
            : ArrowField.Build(arrows, photo.Crop, mask ?? AnimationMask.All(grid, grid), request.Fps));
        seconds["load"] = clock.Elapsed.TotalSeconds;

        using var ownDevice = engine is null ? DeviceOption.Open(request.Device) : null;
        using var ownEngine = engine is null ? CinemagraphEngine.Open(ownDevice!, weights) : null;
        engine ??= ownEngine!;
        var device = engine.Device;
        var job = new CinemagraphJob
        {
            Photo = photo.Pixels, GridSize = grid, Motion = motion, Mask = mask, Style = style?.Pixels, OutputSize = request.Size,
            Options = new CinemagraphOptions { FrameCount = request.Frames, Loop = request.Loop, Speed = request.Speed },
        };
        using var prepared = engine.Prepare(job);
        var renderer = prepared.Full!;
        seconds["inversion"] = renderer.Timings.Inversion;
        seconds["mask"] = renderer.Timings.Mask;
        seconds["motion"] = renderer.Timings.Motion;
        seconds["once_per_cinemagraph"] = renderer.Timings.OncePerCinemagraph;
        var warnings = imageWarnings.Concat(AnimateCommand.Warn(MotionDiagnostics.Check(renderer.Motion, renderer.Mask, request.Frames, request.Speed), stderr)).ToList();

        using var writer = FrameWriter.Create(request.Output, renderer.Size, renderer.Size, new FrameWriterOptions { Fps = request.Fps, Overwrite = request.Overwrite });
        var kept = AnimateCommand.RenderFrames(renderer.Render, request, renderer.Size, writer, stderr);
        seconds["frames"] = renderer.Timings.Frames;

        warnings = [.. warnings, .. AnimateCommand.Complete(writer, request,
            dir => AnimateCommand.WritePreviews(dir, photo, renderer.Motion, renderer.Mask, request.Speed, kept, request.Frames), seconds, stderr)];

        var report = new AnimateReport(request, renderer.Size, device)
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
}
