using System.IO.Compression;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Weights;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Tools.Studio;

/// <summary>
/// What the studio's buttons run, through the library API <c>animate</c> uses (no second pipeline): the photo read by
/// <see cref="ImageInput.Load"/>, the painted mask by <see cref="MaskInput.Load(string, int, int)"/> on the motion grid, the arrows made a
/// field by <see cref="ArrowField.Build(IReadOnlyList{MotionArrow}, SquareCrop, AnimationMask, double)"/> (or the predicted motion), <see cref="MotionDiagnostics"/>' warnings, then
/// <see cref="WeightFreeRenderer"/> (or <see cref="StyleCineGanRenderer"/> with --weights) into a
/// <see cref="FrameWriter"/>, which leaves nothing behind when a render fails or is cancelled.
/// </summary>
internal static class StudioRenderer
{
    /// <summary>The fastest a GIF plays (delays are whole hundredths of a second; <see cref="FrameWriter.Create"/> refuses more).</summary>
    internal const double GifMaxFps = 50;

    /// <summary>The mask and motion on the session's grid for these settings (the same for the motion view, Preview and Export).</summary>
    /// <exception cref="StudioException">400: no motion (no arrow and no prediction), or an arrow the field refuses.</exception>
    public static (AnimationMask Mask, MotionField Motion) MaskAndMotion(StudioSession session, UploadedPhoto photo, RenderSettings settings, string? maskPath)
    {
        int grid = session.GridSize;
        var mask = maskPath is null ? AnimationMask.All(grid, grid) : MaskInput.Load(maskPath, grid, grid).Mask;
        MotionField motion;
        if (settings.UsesPredictedMotion)
        {
            motion = session.PredictedMotion ?? throw new StudioException(409, "no predicted motion: press Predict motion first, or draw arrows");
            // Predicted motion is multiplied by the mask by the renderer, as animate does with a motion file.
        }
        else
        {
            if (settings.Arrows.Length == 0) throw new StudioException(400, "no motion: draw at least one arrow on the photo (drag from where things move to where they go in one second)");
            try
            {
                motion = ArrowField.Build(settings.MotionArrows, photo.Crop, mask, settings.Fps);
            }
            catch (ArgumentException e)
            {
                throw new StudioException(400, e.Message);
            }
        }
        return (mask, motion);
    }

    /// <summary>The masked motion (times the speed) as the colour wheel animate's --preview draws (flow.png), PNG-encoded.</summary>
    public static byte[] MotionPng(MotionField motion, AnimationMask mask, float speed)
    {
        var (colours, _) = Previews.FlowColours(motion.Masked(mask, speed).Planes, motion.Width, motion.Height);
        return Png(colours);
    }

    /// <summary>Encodes [0, 1] planes as a PNG.</summary>
    public static byte[] Png(RgbPlanes planes)
    {
        using var image = planes.ToImage();
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    /// <summary>A mask (values in [0, 1]) as a grey PNG, white animated.</summary>
    public static byte[] MaskPng(AnimationMask mask)
    {
        using var image = new Image<L8>(mask.Width, mask.Height);
        var values = mask.Values.ToArray();
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++) row[x] = new L8((byte)Math.Round(values[y * mask.Width + x] * 255f));
            }
        });
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    /// <summary>
    /// Renders the loop for Preview (a GIF of at most <see cref="StudioOptions.PreviewMaxFrames"/> frames at
    /// <see cref="StudioOptions.PreviewSize"/>) or Export (the chosen format at the chosen size), reporting progress
    /// on the job; the job ends Done, Failed (with a one-line error) or Cancelled.
    /// </summary>
    public static void Run(StudioSession session, RenderJob job, UploadedPhoto photo, RenderSettings settings, string? maskPath, bool preview)
    {
        var token = job.Cancellation.Token;
        try
        {
            int exportSize = settings.Size == 0 ? session.DefaultSize : settings.Size;
            int size = preview ? Math.Min(session.Options.PreviewSize, exportSize) : exportSize;
            int frames = preview ? Math.Min(settings.Frames, session.Options.PreviewMaxFrames) : settings.Frames;
            var kind = preview ? FrameOutputKind.Gif : settings.OutputKind;
            job.Frames = frames;
            var (mask, motion) = MaskAndMotion(session, photo, settings, maskPath);
            job.Warnings = MotionDiagnostics.Check(motion, mask, frames, settings.Speed);
            var options = new CinemagraphOptions { FrameCount = frames, Loop = settings.LoopMode, Speed = settings.Speed };
            // A GIF plays at most 50 fps; the preview keeps the motion per frame and plays as fast as a GIF may.
            double playback = kind == FrameOutputKind.Gif ? Math.Min(settings.Fps, GifMaxFps) : settings.Fps;
            string name = kind switch { FrameOutputKind.Mp4 => "cinemagraph.mp4", FrameOutputKind.PngDirectory => "frames", _ => preview ? "preview.gif" : "cinemagraph.gif" };
            string destination = Path.Combine(job.Folder, name);

            if (session.Weights is { } weights)
            {
                var picture = ImageInput.Load(photo.Path, weights.GeneratorConfig.Size);
                var inputs = new StyleCineGanInputs { Photo = picture.Pixels, GridSize = session.GridSize, Motion = motion, Mask = mask };
                using var renderer = StyleCineGanRenderer.Create(session.Device, weights, inputs, options, size);
                token.ThrowIfCancellationRequested();
                Write(job, destination, renderer.Size, playback, renderer.Render, token);
            }
            else
            {
                var picture = ImageInput.Load(photo.Path, size);
                using var renderer = WeightFreeRenderer.Create(session.Device, picture.Pixels, motion, mask, options);
                token.ThrowIfCancellationRequested();
                Write(job, destination, size, playback, renderer.Render, token);
            }

            token.ThrowIfCancellationRequested();
            switch (kind)
            {
                case FrameOutputKind.PngDirectory:
                    string zip = Path.Combine(job.Folder, "cinemagraph-frames.zip");
                    ZipFile.CreateFromDirectory(destination, zip, CompressionLevel.Fastest, includeBaseDirectory: false);
                    Directory.Delete(destination, recursive: true);
                    job.Finish(zip, "application/zip", "cinemagraph-frames.zip");
                    break;
                case FrameOutputKind.Mp4:
                    job.Finish(destination, "video/mp4", name);
                    break;
                default:
                    job.Finish(destination, "image/gif", preview ? null : name);
                    break;
            }
        }
        catch (OperationCanceledException)
        {
            job.Cancelled();
        }
        catch (StudioException e)
        {
            job.Fail(session.Scrub(e.Message));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException or FormatException or NotSupportedException)
        {
            job.Fail(session.Scrub(e.Message.ReplaceLineEndings(" ")));
        }
        catch (Exception e)
        {
            job.Fail("internal error: " + session.Scrub(e.Message.ReplaceLineEndings(" ")));
        }
    }

    /// <summary>Runs a renderer's frame loop into a new writer, counting frames on the job; the writer is completed only when every frame is in.</summary>
    private static void Write(RenderJob job, string destination, int size, double fps, Action<FrameCallback, CancellationToken> render, CancellationToken token)
    {
        using var writer = FrameWriter.Create(destination, size, size, new FrameWriterOptions { Fps = fps });
        render((t, rgb) =>
        {
            writer.Write(rgb);
            job.Progress(t + 1);
        }, token);
        token.ThrowIfCancellationRequested();
        job.Encoding();
        writer.Complete();
    }

    /// <summary>
    /// Predict mask or Predict motion (--weights only): <see cref="StyleCineGanRenderer.Create"/> on a two-frame loop
    /// with the other input given (a still field, or everything animated), as animate predicts what it is not given;
    /// the prediction is kept in the session.
    /// </summary>
    /// <returns>A PNG: the mask (grey, white animated) or the motion as the colour wheel.</returns>
    public static byte[] Predict(StudioSession session, RenderJob job, UploadedPhoto photo, PredictedInputs what)
    {
        var weights = session.Weights ?? throw new StudioException(409, "Predict needs the weights: start the studio with --weights DIR (see weights.md)");
        int grid = session.GridSize;
        try
        {
            weights.Require(what);
        }
        catch (FileNotFoundException e)
        {
            throw new StudioException(409, session.Scrub(e.Message.ReplaceLineEndings(" ")));
        }
        var picture = ImageInput.Load(photo.Path, weights.GeneratorConfig.Size);
        var inputs = new StyleCineGanInputs
        {
            Photo = picture.Pixels, GridSize = grid,
            Mask = what == PredictedInputs.Mask ? null : AnimationMask.All(grid, grid),
            Motion = what == PredictedInputs.Motion ? null : MotionField.Zero(grid, grid),
        };
        job.Frames = 1;
        using var renderer = StyleCineGanRenderer.Create(session.Device, weights, inputs, new CinemagraphOptions { FrameCount = 2 }, grid);
        job.Cancellation.Token.ThrowIfCancellationRequested();
        job.Progress(1);
        if (what == PredictedInputs.Mask)
        {
            session.PredictedMask = renderer.Mask;
            return MaskPng(renderer.Mask);
        }
        session.PredictedMotion = renderer.Motion;
        return MotionPng(renderer.Motion, AnimationMask.All(grid, grid), 1f);
    }
}
