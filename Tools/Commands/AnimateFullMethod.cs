using System.Diagnostics;
using System.Text.Json;
using CineKernel.Kernels;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Weights;
using CineKernel.WeightsLoader;

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
    public static int Run(string weightsDir, Options o, AnimateCommand.RunSettings run, AnimateCommand.SampleFiles sample,
        IReadOnlyList<MotionArrow> arrows, int? outputSize, Stopwatch total, TextWriter stdout, TextWriter stderr)
    {
        var flowNet = (o.Get("flow-net") ?? "sky").ToLowerInvariant() switch
        {
            "sky" => FlowNet.Sky,
            "fluid" => FlowNet.Fluid,
            var s => throw new CliException($"--flow-net must be sky or fluid, got '{s}'", 2),
        };
        string? stylePath = o.Get("style");
        if (stylePath is not null && !File.Exists(stylePath)) throw new CliException($"style image not found: {stylePath}");
        string? motionPath = o.Get("motion") ?? (arrows.Count == 0 ? sample.Motion : null);
        if (motionPath is not null && !File.Exists(motionPath)) throw new CliException($"motion file not found: {motionPath}");
        string? maskPath = o.Get("mask") ?? sample.Mask;
        if (maskPath is not null && !File.Exists(maskPath)) throw new CliException($"mask file not found: {maskPath}");

        var seconds = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        var predicted = (maskPath is null ? PredictedInputs.Mask : PredictedInputs.None)
                        | (motionPath is null && arrows.Count == 0 ? PredictedInputs.Motion : PredictedInputs.None);
        using var weights = WeightsFolder.Open(weightsDir, flowNet, predicted);
        int size = weights.GeneratorConfig.Size;
        var photo = ImageInput.Load(sample.Image, size);
        if (photo.WasCropped) stderr.WriteLine($"cinekernel: note: input {photo.Crop.Describe()}");
        var style = stylePath is null ? null : ImageInput.Load(stylePath, size);
        MotionField? motionFile = motionPath is null ? null : MotionField.Load(motionPath);
        int grid = size / 2;
        if (motionFile is not null)
        {
            if (motionFile.Height != motionFile.Width)
                throw new CliException($"{motionPath}: motion field is {motionFile.Height}x{motionFile.Width}; it must be square like the cropped photo");
            grid = motionFile.Width;
        }
        var mask = maskPath is null ? null : AnimationMask.Load(maskPath, grid, grid);
        // Arrows are drawn over the given mask, or over the whole grid when the mask is predicted (the flow is
        // multiplied by the predicted mask afterwards either way).
        var motion = motionFile ?? (arrows.Count == 0 ? null
            : ArrowField.Build(arrows, photo.Crop, mask ?? AnimationMask.All(grid, grid), run.Fps));
        seconds["load"] = clock.Elapsed.TotalSeconds;

        using var device = DeviceOption.Open(run.Device);
        var inputs = new StyleCineGanInputs { Photo = photo.Pixels, GridSize = grid, Motion = motion, Mask = mask, Style = style?.Pixels };
        using var renderer = StyleCineGanRenderer.Create(device, weights, inputs,
            new CinemagraphOptions { FrameCount = run.Frames, Loop = run.Loop }, outputSize);
        seconds["inversion"] = renderer.Timings.Inversion;
        seconds["mask"] = renderer.Timings.Mask;
        seconds["motion"] = renderer.Timings.Motion;
        seconds["once_per_cinemagraph"] = renderer.Timings.OncePerCinemagraph;

        using var writer = FrameWriter.Create(run.Output, renderer.Size, renderer.Size, new FrameWriterOptions { Fps = run.Fps, Overwrite = run.Overwrite });
        var kept = AnimateCommand.RenderFrames(renderer.Render, run, renderer.Size, writer, stderr);
        seconds["frames"] = renderer.Timings.Frames;

        clock.Restart();
        writer.Complete();
        seconds["encode"] = clock.Elapsed.TotalSeconds;

        if (run.PreviewDir is not null)
            AnimateCommand.WritePreviews(run.PreviewDir, photo, renderer.Motion, renderer.Mask, kept, run.Frames);
        seconds["total"] = total.Elapsed.TotalSeconds;

        var report = new Dictionary<string, object>
        {
            ["output"] = run.Output,
            ["frames"] = run.Frames,
            ["size"] = renderer.Size,
            ["generator_size"] = size,
            ["loop"] = run.Loop.ToString().ToLowerInvariant(),
            ["device"] = device.Name,
            ["weights"] = weightsDir,
            ["flow_net"] = flowNet.ToString().ToLowerInvariant(),
            ["mask"] = maskPath ?? "predicted",
            ["motion"] = motionPath ?? (arrows.Count > 0 ? "arrows" : "predicted"),
            ["style"] = (object?)stylePath ?? false,
            ["seconds"] = seconds.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 3)),
        };
        if (!run.Quiet) stderr.WriteLine($"cinekernel: wrote {run.Output} ({run.Frames} frames, {renderer.Size}x{renderer.Size}) in {seconds["total"]:F1} s");
        stdout.WriteLine(JsonSerializer.Serialize(report));
        return 0;
    }
}
