using System.Text;
using System.Text.Json;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Weights;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CineKernel.Tools.Studio;

/// <summary>
/// The studio's HTTP API (README "Studio" lists it). GETs read; every change is a POST (checked by
/// <see cref="RequestGuard"/>). Uploads are multipart, bounded by <see cref="StudioOptions.MaxUploadBytes"/>, stored
/// under server-chosen names in the session's private folder and read by the command line's defensive image reader;
/// refusals are <c>{ "error": "..." }</c> with a 4xx status.
/// </summary>
internal static class StudioApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Side of the square photo the page paints on (the canvas's pixels).</summary>
    public const int DisplaySize = 512;

    public static void Map(WebApplication app, StudioSession session)
    {
        foreach (string name in StudioAssets.Names)
        {
            var (bytes, type) = StudioAssets.Get(name);
            app.MapGet(name == "index.html" ? "/" : "/" + name, () => Results.Bytes(bytes, type));
        }

        app.MapGet("/api/info", () => Results.Json(new
        {
            weights = session.Weights is not null,
            device = session.Device.Name,
            gridSize = session.GridSize,
            defaultSize = session.DefaultSize,
            previewSize = session.Options.PreviewSize,
            previewMaxFrames = session.Options.PreviewMaxFrames,
            displaySize = DisplaySize,
            maxUploadBytes = session.Options.MaxUploadBytes,
        }));

        app.MapPost("/api/photo", async (HttpContext context) =>
        {
            var form = await ReadForm(context, session);
            var file = form.Files.GetFile("photo") ?? throw new StudioException(400, "no photo in the upload (form field 'photo')");
            string name = SafeName(file.FileName);
            string path = session.NewPath("photo");
            await using (var stream = File.Create(path)) await file.CopyToAsync(stream, context.RequestAborted);
            try
            {
                // The command line's checks: the header first (format, size within limits), then a full decode.
                var (width, height, format) = ImageInput.Identify(path);
                var display = ImageInput.Load(path, DisplaySize);
                var photo = new UploadedPhoto(path, name, width, height, format, display.Crop, StudioRenderer.Png(display.Pixels));
                session.SetPhoto(photo);
                return Results.Json(new
                {
                    name, width, height, format,
                    crop = new { x = photo.Crop.X, y = photo.Crop.Y, side = photo.Crop.Side, sourceWidth = photo.Crop.SourceWidth, sourceHeight = photo.Crop.SourceHeight },
                    cropped = photo.Crop.IsCropped,
                    displaySize = DisplaySize,
                });
            }
            catch (Exception e)
            {
                File.Delete(path);
                if (e is MediaFileException m) throw new StudioException(400, m.Message.Replace(path, name, StringComparison.Ordinal).ReplaceLineEndings(" "));
                throw;
            }
        });

        app.MapGet("/api/photo.png", () =>
            session.Photo is { } photo ? Results.Bytes(photo.DisplayPng, "image/png") : throw new StudioException(404, "no photo opened yet"));

        app.MapPost("/api/motion", async (HttpContext context) =>
        {
            var (photo, settings, maskPath) = await ReadRender(context, session);
            try
            {
                var (mask, motion) = StudioRenderer.MaskAndMotion(session, photo, settings, maskPath);
                return Results.Bytes(StudioRenderer.MotionPng(motion, mask, settings.Speed), "image/png");
            }
            finally
            {
                if (maskPath is not null) File.Delete(maskPath);
            }
        });

        app.MapPost("/api/preview", (Delegate)((HttpContext context) => StartRender(context, session, preview: true)));
        app.MapPost("/api/export", (Delegate)((HttpContext context) => StartRender(context, session, preview: false)));

        app.MapPost("/api/cancel", () => Results.Json(new { cancelled = session.Cancel() }));

        app.MapGet("/api/jobs/{id}", (string id) => Results.Json(FindJob(session, id).Snapshot()));

        app.MapGet("/api/jobs/{id}/result", (string id) =>
        {
            var job = FindJob(session, id);
            if (job.State != JobState.Done || job.ResultPath is null)
                throw new StudioException(409, $"the {job.Kind} is {job.State.ToString().ToLowerInvariant()}; its result is not ready");
            return Results.File(job.ResultPath, job.ResultContentType, job.DownloadName);
        });

        app.MapGet("/api/jobs/{id}/events", async (HttpContext context, string id) =>
        {
            var job = FindJob(session, id);
            // Server-sent events: one 'progress' event whenever the frame count or state changes, the last one final.
            context.Response.Headers.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            string last = "";
            var token = context.RequestAborted;
            while (!token.IsCancellationRequested)
            {
                bool final = job.IsFinal;
                string data = JsonSerializer.Serialize(job.Snapshot(), Json);
                if (data != last)
                {
                    await context.Response.WriteAsync($"event: progress\ndata: {data}\n\n", Encoding.UTF8, token);
                    await context.Response.Body.FlushAsync(token);
                    last = data;
                }
                if (final) break;
                try { await Task.Delay(100, token); }
                catch (OperationCanceledException) { break; }
            }
        });

        app.MapPost("/api/predict/mask", (Delegate)((HttpContext context) => Predict(context, session, PredictedInputs.Mask)));
        app.MapPost("/api/predict/motion", (Delegate)((HttpContext context) => Predict(context, session, PredictedInputs.Motion)));
    }

    private static RenderJob FindJob(StudioSession session, string id) =>
        session.Find(id) ?? throw new StudioException(404, $"no job {id} (only the last preview and export are kept)");

    private static async Task<IResult> StartRender(HttpContext context, StudioSession session, bool preview)
    {
        var (photo, settings, maskPath) = await ReadRender(context, session);
        RenderJob job;
        try
        {
            job = session.Begin(preview ? "preview" : "export");
        }
        catch
        {
            if (maskPath is not null) File.Delete(maskPath);
            throw;
        }
        job.Work = Task.Run(() =>
        {
            try { StudioRenderer.Run(session, job, photo, settings, maskPath, preview); }
            finally { if (maskPath is not null) File.Delete(maskPath); }
        });
        return Results.Json(job.Snapshot(), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> Predict(HttpContext context, StudioSession session, PredictedInputs what)
    {
        if (session.Weights is null) throw new StudioException(409, "Predict needs the weights: start the studio with --weights DIR (see weights.md)");
        var photo = session.Photo ?? throw new StudioException(409, "open a photo first");
        var job = session.Begin(what == PredictedInputs.Mask ? "predict-mask" : "predict-motion");
        job.Work = Task.Run(() => StudioRenderer.Predict(session, job, photo, what));
        try
        {
            byte[] png = await (Task<byte[]>)job.Work;
            job.Finish(Path.Combine(job.Folder, "none"), "image/png", null);
            return Results.Bytes(png, "image/png");
        }
        catch (OperationCanceledException)
        {
            job.Cancelled();
            throw new StudioException(409, "cancelled");
        }
        catch (StudioException e)
        {
            job.Fail(e.Message);
            throw;
        }
        catch (Exception e)
        {
            job.Fail(e.Message);
            throw;
        }
    }

    /// <summary>Reads a render request: the photo must be open; <c>settings</c> (JSON) is checked; <c>mask</c> (a PNG, optional) is saved privately.</summary>
    private static async Task<(UploadedPhoto Photo, RenderSettings Settings, string? MaskPath)> ReadRender(HttpContext context, StudioSession session)
    {
        var form = await ReadForm(context, session);
        var photo = session.Photo ?? throw new StudioException(409, "open a photo first");
        string json = form["settings"].FirstOrDefault() ?? throw new StudioException(400, "no settings in the request (form field 'settings', JSON)");
        RenderSettings settings;
        try
        {
            settings = (JsonSerializer.Deserialize<RenderSettings>(json, Json) ?? throw new StudioException(400, "settings must be a JSON object")).Check();
        }
        catch (JsonException e)
        {
            throw new StudioException(400, $"settings are not valid JSON: {e.Message.ReplaceLineEndings(" ")}");
        }
        // Said before any work, in the words the page uses.
        if (settings.UsesPredictedMotion && session.PredictedMotion is null)
            throw new StudioException(409, "no predicted motion: press Predict motion first, or draw arrows");
        if (!settings.UsesPredictedMotion && settings.Arrows.Length == 0)
            throw new StudioException(400, "no motion: draw at least one arrow on the photo (drag from where things move to where they go in one second)");
        string? maskPath = null;
        if (form.Files.GetFile("mask") is { } mask)
        {
            maskPath = session.NewPath("mask");
            await using var stream = File.Create(maskPath);
            await mask.CopyToAsync(stream, context.RequestAborted);
        }
        if (maskPath is not null)
        {
            try
            {
                // The mask is an image upload too: the same header checks before it is decoded.
                ImageInput.Identify(maskPath);
            }
            catch (MediaFileException e)
            {
                File.Delete(maskPath);
                throw new StudioException(400, "the painted mask is not a usable image: " + e.Message.Replace(maskPath, "mask", StringComparison.Ordinal).ReplaceLineEndings(" "));
            }
        }
        return (photo, settings, maskPath);
    }

    /// <summary>Reads a multipart form within the upload limit (413 beyond it, 415 when not multipart).</summary>
    private static async Task<IFormCollection> ReadForm(HttpContext context, StudioSession session)
    {
        long limit = session.Options.MaxUploadBytes;
        var request = context.Request;
        if (request.ContentLength > limit + (1 << 20))
            throw new StudioException(413, $"upload too large: {Megabytes(request.ContentLength.Value)}, at most {Megabytes(limit)}");
        if (!request.HasFormContentType) throw new StudioException(415, "expected a multipart/form-data upload");
        try
        {
            var form = await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = limit + (1 << 20), ValueLengthLimit = 1 << 20 }, context.RequestAborted);
            foreach (var file in form.Files)
                if (file.Length > limit) throw new StudioException(413, $"upload too large: '{SafeName(file.FileName)}' is {Megabytes(file.Length)}, at most {Megabytes(limit)}");
            return form;
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            throw new StudioException(413, $"upload too large: at most {Megabytes(limit)}");
        }
    }

    /// <summary>A byte count in MB with one decimal, for messages.</summary>
    public static string Megabytes(long bytes) => $"{bytes / 1048576.0:0.#} MB";

    /// <summary>The browser's file name reduced to a display name (no folders, no control characters, at most 100 characters).</summary>
    private static string SafeName(string fileName)
    {
        string name = new(Path.GetFileName(fileName.Replace('\\', '/')).Where(c => !char.IsControl(c)).Take(100).ToArray());
        return name.Length == 0 ? "upload" : name;
    }
}
