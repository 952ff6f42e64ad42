using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using CineKernel.Tests.Pipeline.Cinemagraph;
using CineKernel.Tools.Studio;
using Microsoft.AspNetCore.TestHost;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Tests.Studio;

/// <summary>
/// The studio's API, with the server in-process (TestServer): each endpoint's answer, and its refusals (a
/// non-image upload, a huge one, a cross-origin or unverifiable POST, a foreign Host, a second render while one
/// runs, cancel, bad settings), all as JSON errors.
/// </summary>
[TestFixture]
public class StudioApiTests
{
    private static readonly StudioOptions Small = new() { PreviewSize = 64, PreviewMaxFrames = 4, MaxUploadBytes = 512 * 1024 };

    private static async Task<string> Error(HttpResponseMessage response, int status)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(status), body);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), body);
        return JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;
    }

    [Test]
    public async Task Info_SaysWeightFreeAndTheDefaults()
    {
        await using var host = await StudioTestHost.StartAsync(Small);
        var info = await StudioTestHost.Json(await host.Client.GetAsync("/api/info"));
        Assert.Multiple(() =>
        {
            Assert.That(info.GetProperty("weights").GetBoolean(), Is.False);
            Assert.That(info.GetProperty("gridSize").GetInt32(), Is.EqualTo(512));
            Assert.That(info.GetProperty("defaultSize").GetInt32(), Is.EqualTo(1024));
            Assert.That(info.GetProperty("maxUploadBytes").GetInt64(), Is.EqualTo(512 * 1024));
        });
    }

    [Test]
    public async Task Page_IsServedFromTheAssemblyWithALockedDownPolicy()
    {
        await using var host = await StudioTestHost.StartAsync(Small);
        var page = await host.Client.GetAsync("/");
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await page.Content.ReadAsStringAsync(), Does.Contain("CineKernel studio").And.Contain("/studio.js"));
        Assert.That(page.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("default-src 'self'"));
        Assert.That(page.Headers.GetValues("X-Frame-Options").Single(), Is.EqualTo("DENY"));
        var script = await host.Client.GetAsync("/studio.js");
        Assert.That(script.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/javascript"));
        Assert.That(await script.Content.ReadAsStringAsync(), Does.Contain("/api/photo"));
        var css = await host.Client.GetAsync("/studio.css");
        Assert.That(css.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/css"));
        Assert.That(await Error(await host.Client.GetAsync("/etc/passwd"), 404), Does.Contain("not found"));
        Assert.That(await Error(await host.Client.GetAsync("/api/preview"), 405), Does.Contain("not allowed"));
    }

    [Test]
    public async Task Photo_IsCheckedCroppedAndShownAsTheCentreSquare()
    {
        await using var host = await StudioTestHost.StartAsync(Small);
        var info = await host.UploadPhoto(StudioTestHost.Png(96, 64), "../../etc/holiday.png");
        Assert.Multiple(() =>
        {
            Assert.That(info.GetProperty("name").GetString(), Is.EqualTo("holiday.png"), "only the file name is kept, never a path");
            Assert.That(info.GetProperty("width").GetInt32(), Is.EqualTo(96));
            Assert.That(info.GetProperty("crop").GetProperty("x").GetInt32(), Is.EqualTo(16));
            Assert.That(info.GetProperty("crop").GetProperty("side").GetInt32(), Is.EqualTo(64));
            Assert.That(info.GetProperty("cropped").GetBoolean(), Is.True);
        });
        var shown = await host.Client.GetAsync("/api/photo.png");
        using var image = Image.Load<Rgb24>(await shown.Content.ReadAsByteArrayAsync());
        Assert.That((image.Width, image.Height), Is.EqualTo((StudioApi.DisplaySize, StudioApi.DisplaySize)));
        Assert.That(Directory.GetFiles(host.Server.Session.Folder).Count(f => Path.GetFileName(f).StartsWith("photo-")), Is.EqualTo(1));
    }

    [Test]
    public async Task Photo_NotAnImage_IsRefusedWithTheCommandLinesMessage()
    {
        await using var host = await StudioTestHost.StartAsync(Small);
        string error = await Error(await host.Client.PostAsync("/api/photo",
            StudioTestHost.File("photo", Encoding.UTF8.GetBytes("#!/bin/sh\necho not a photo\n"), "script.png")), 400);
        Assert.That(error, Does.Contain("script.png").And.Contain("not an image"));
        Assert.That(error, Does.Not.Contain(host.Server.Session.Folder), "no server path in messages");
        Assert.That(Directory.GetFiles(host.Server.Session.Folder), Is.Empty, "a refused upload is not kept");
        // A truncated PNG: the header passes, the decode does not.
        byte[] png = StudioTestHost.Png(32, 32);
        await Error(await host.Client.PostAsync("/api/photo", StudioTestHost.File("photo", png[..(png.Length / 2)], "cut.png")), 400);
        await Error(await host.Client.PostAsync("/api/photo", new StringContent("photo=x")), 415);
        await Error(await host.Client.PostAsync("/api/photo", StudioTestHost.File("picture", png, "a.png")), 400);
    }

    [Test]
    public async Task Photo_OverTheUploadLimit_Is413()
    {
        await using var host = await StudioTestHost.StartAsync(Small);
        var huge = new byte[3 * 1024 * 1024];
        new Random(1).NextBytes(huge);
        string error = await Error(await host.Client.PostAsync("/api/photo", StudioTestHost.File("photo", huge, "huge.png")), 413);
        Assert.That(error, Does.Contain("too large"));
        // Just over the limit (inside the framing allowance) is caught per file.
        var over = new byte[Small.MaxUploadBytes + 1000];
        Assert.That(await Error(await host.Client.PostAsync("/api/photo", StudioTestHost.File("photo", over, "big.png")), 413), Does.Contain("big.png"));
        Assert.That(Directory.GetFiles(host.Server.Session.Folder), Is.Empty);
    }

    [Test]
    public async Task Posts_FromAnotherOriginOrWithoutOne_Are403()
    {
        await using var host = await StudioTestHost.StartAsync(Small);
        async Task<HttpResponseMessage> Cancel(params (string Name, string Value)[] headers)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/cancel");
            foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
            using var client = host.Server.App.GetTestClient();
            return await client.SendAsync(request);
        }
        Assert.That(await Error(await Cancel(("Origin", "http://evil.example")), 403), Does.Contain("cross-origin"));
        Assert.That(await Error(await Cancel(("Origin", "http://localhost:9999")), 403), Does.Contain("cross-origin"));
        Assert.That(await Error(await Cancel(("Sec-Fetch-Site", "cross-site")), 403), Does.Contain("cross-site"));
        Assert.That(await Error(await Cancel(), 403), Does.Contain("without an Origin"));
        Assert.That((await Cancel(("Sec-Fetch-Site", "same-origin"))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var ok = await Cancel(("Origin", StudioTestHost.Origin));
        Assert.That(await StudioTestHost.Json(ok), Has.Property("ValueKind").EqualTo(JsonValueKind.Object));
        Assert.That((await StudioTestHost.Json(ok)).GetProperty("cancelled").GetBoolean(), Is.False);
        // A cross-origin upload never reaches the endpoint.
        using (var client = host.Server.App.GetTestClient())
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/photo") { Content = StudioTestHost.File("photo", StudioTestHost.Png(8, 8), "a.png") };
            request.Headers.Add("Origin", "http://evil.example");
            await Error(await client.SendAsync(request), 403);
        }
        Assert.That(host.Server.Session.Photo, Is.Null);
        // DNS rebinding: a foreign Host is refused even for GETs.
        var rebound = new HttpRequestMessage(HttpMethod.Get, "/api/info");
        rebound.Headers.Host = "evil.example";
        Assert.That(await Error(await host.Client.SendAsync(rebound), 403), Does.Contain("Host"));
    }

    [Test]
    public async Task Render_WithoutPhotoOrWithBadSettings_IsRefused()
    {
        await using var host = await StudioTestHost.StartAsync(Small);
        var settings = new { frames = 4, fps = 10, size = 64, arrows = new[] { new[] { 10.0, 10, 20, 10 } } };
        Assert.That(await Error(await host.Client.PostAsync("/api/preview", StudioTestHost.RenderForm(settings)), 409), Does.Contain("open a photo"));
        await host.UploadPhoto(StudioTestHost.Png(32, 32));
        async Task<string> Bad(object s) => await Error(await host.Client.PostAsync("/api/export", StudioTestHost.RenderForm(s)), 400);
        Assert.That(await Bad(new { frames = 1, arrows = settings.arrows }), Does.Contain("loop length"));
        Assert.That(await Bad(new { fps = 0, arrows = settings.arrows }), Does.Contain("fps"));
        Assert.That(await Bad(new { fps = 60, format = "gif", arrows = settings.arrows }), Does.Contain("a GIF plays at most 50 fps, 60 asked"));
        Assert.That(await Bad(new { speed = 11, arrows = settings.arrows }), Does.Contain("speed"));
        Assert.That(await Bad(new { size = 100, arrows = settings.arrows }), Does.Contain("power of two"));
        Assert.That(await Bad(new { format = "avi", arrows = settings.arrows }), Does.Contain("format"));
        Assert.That(await Bad(new { loop = "pingpong", arrows = settings.arrows }), Does.Contain("loop mode"));
        Assert.That(await Bad(new { arrows = new[] { new[] { 1.0, 2, 3 } } }), Does.Contain("arrow 1"));
        Assert.That(await Bad(new { arrows = Array.Empty<double[]>() }), Does.Contain("draw at least one arrow").Or.Contain("no motion"));
        var text = new MultipartFormDataContent { { new StringContent("{frames:"), "settings" } };
        Assert.That(await Error(await host.Client.PostAsync("/api/preview", text), 400), Does.Contain("JSON"));
        // An arrow starting outside the photo: ArrowField's own message, as on the command line.
        var outside = new { frames = 4, size = 64, arrows = new[] { new[] { 100.0, 10, 120, 10 } } };
        var started = await StudioTestHost.Json(await host.Client.PostAsync("/api/preview", StudioTestHost.RenderForm(outside)));
        var failed = await host.WaitFor(started.GetProperty("id").GetString()!);
        Assert.That(failed.GetProperty("state").GetString(), Is.EqualTo("failed"));
        Assert.That(failed.GetProperty("error").GetString(), Does.Contain("outside"));
        var mask = StudioTestHost.File("mask", Encoding.UTF8.GetBytes("not a png"), "mask.png");
        mask.Add(new StringContent(JsonSerializer.Serialize(settings)), "settings");
        Assert.That(await Error(await host.Client.PostAsync("/api/preview", mask), 400), Does.Contain("mask"));
    }

    [Test]
    public async Task Motion_IsTheColourWheelOfTheMaskedArrowField()
    {
        await using var host = await StudioTestHost.StartAsync(Small);
        await host.UploadPhoto(StudioTestHost.Png(64, 64));
        byte[] mask = StudioTestHost.MaskPng(64, (x, _) => x < 32);
        var response = await host.Client.PostAsync("/api/motion",
            StudioTestHost.RenderForm(new { fps = 10, arrows = new[] { new[] { 16.0, 32, 40, 32 } } }, mask));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        using var wheel = Image.Load<Rgb24>(await response.Content.ReadAsByteArrayAsync());
        Assert.That(wheel.Width, Is.EqualTo(512));
        // Rightward motion is the wheel's red (full saturation: the field is uniform), still is white.
        Assert.That(wheel[100, 256], Is.EqualTo(new Rgb24(255, 0, 0)));
        Assert.That(wheel[400, 256], Is.EqualTo(new Rgb24(255, 255, 255)));
        Assert.That(Directory.GetFiles(host.Server.Session.Folder).Count(f => Path.GetFileName(f).StartsWith("mask-")), Is.Zero, "the mask upload is deleted");
    }

    [Test]
    public async Task Preview_And_Export_RenderThroughTheLibrary_AndFollowServerSentEvents()
    {
        await using var host = await StudioTestHost.StartAsync(Small);
        await host.UploadPhoto(StudioTestHost.Png(64, 64));
        byte[] mask = StudioTestHost.MaskPng(64, (x, _) => x < 32);
        var settings = new { frames = 6, fps = 10, size = 64, loop = "official", arrows = new[] { new[] { 16.0, 32, 26, 32 } } };

        var preview = await host.Client.PostAsync("/api/preview", StudioTestHost.RenderForm(settings, mask));
        Assert.That(preview.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await preview.Content.ReadAsStringAsync());
        var job = await StudioTestHost.Json(preview);
        // Server-sent events: progress until a final 'done'.
        var events = await host.Client.GetAsync(job.GetProperty("events").GetString(), HttpCompletionOption.ResponseHeadersRead);
        Assert.That(events.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/event-stream"));
        var states = new List<JsonElement>();
        using (var reader = new StreamReader(await events.Content.ReadAsStreamAsync()))
            while (await reader.ReadLineAsync() is { } line)
                if (line.StartsWith("data: ")) states.Add(JsonDocument.Parse(line[6..]).RootElement);
        Assert.That(states.Last().GetProperty("state").GetString(), Is.EqualTo("done"), states.Last().ToString());
        Assert.That(states.Select(s => s.GetProperty("frame").GetInt32()), Is.Ordered);
        Assert.That(states.Last().GetProperty("frames").GetInt32(), Is.EqualTo(Small.PreviewMaxFrames), "a preview is short");

        var gif = await host.Client.GetByteArrayAsync(states.Last().GetProperty("result").GetString());
        using (var frames = Image.Load<Rgb24>(gif))
            Assert.That((frames.Width, frames.Frames.Count), Is.EqualTo((Small.PreviewSize, Small.PreviewMaxFrames)));

        // A GIF export: 1.5 pixels a frame to the right, in the left half only.
        var moving = new { frames = 8, fps = 10, size = 64, loop = "seamless", format = "gif", arrows = new[] { new[] { 16.0, 32, 31, 32 } } };
        var exported = await StudioTestHost.Json(await host.Client.PostAsync("/api/export", StudioTestHost.RenderForm(moving, mask)));
        var finished = await host.WaitFor(exported.GetProperty("id").GetString()!);
        Assert.That(finished.GetProperty("state").GetString(), Is.EqualTo("done"), finished.ToString());
        var gifDownload = await host.Client.GetAsync(finished.GetProperty("result").GetString());
        Assert.That(gifDownload.Content.Headers.ContentDisposition?.FileName?.Trim('"'), Is.EqualTo("cinemagraph.gif"));
        using (var frames = Image.Load<Rgb24>(await gifDownload.Content.ReadAsByteArrayAsync()))
        {
            Assert.That((frames.Width, frames.Frames.Count), Is.EqualTo((64, 8)));
            StudioFrames.AssertMovesOnlyInside(frames, (x, y) => x is >= 4 and < 28 && y is >= 4 and < 60, (x, _) => x >= 34, expectRight: true);
        }

        var export = await StudioTestHost.Json(await host.Client.PostAsync("/api/export",
            StudioTestHost.RenderForm(new { settings.frames, settings.fps, settings.size, settings.loop, settings.arrows, format = "png" }, mask)));
        var done = await host.WaitFor(export.GetProperty("id").GetString()!);
        Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("done"), done.ToString());
        var download = await host.Client.GetAsync(done.GetProperty("result").GetString());
        Assert.That(download.Content.Headers.ContentDisposition?.FileName?.Trim('"'), Is.EqualTo("cinemagraph-frames.zip"));
        using var zip = new ZipArchive(await download.Content.ReadAsStreamAsync());
        Assert.That(zip.Entries.Select(e => e.Name).Order(), Is.EqualTo(Enumerable.Range(0, 6).Select(i => $"frame_{i:D4}.png")));
        // The preview's result is still there (the last of each kind is kept), the first export's is not.
        Assert.That((await host.Client.GetAsync(states.Last().GetProperty("result").GetString())).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await host.Client.GetAsync(finished.GetProperty("result").GetString())).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task SecondRender_WhileOneRuns_Is409_AndCancelStopsIt()
    {
        await using var host = await StudioTestHost.StartAsync(Small);
        await host.UploadPhoto(StudioTestHost.Png(64, 64));
        var longRun = new { frames = 5000, fps = 10, size = 64, format = "gif", arrows = new[] { new[] { 16.0, 32, 26, 32 } } };
        var first = await StudioTestHost.Json(await host.Client.PostAsync("/api/export", StudioTestHost.RenderForm(longRun)));
        string id = first.GetProperty("id").GetString()!;
        string error = await Error(await host.Client.PostAsync("/api/preview", StudioTestHost.RenderForm(longRun)), 409);
        Assert.That(error, Does.Contain("already running"));
        Assert.That(await Error(await host.Client.PostAsync("/api/photo", StudioTestHost.File("photo", StudioTestHost.Png(8, 8), "b.png")), 409), Does.Contain("running"));
        // Wait for a frame or two, so the cancel lands inside the frame loop.
        while ((await StudioTestHost.Json(await host.Client.GetAsync($"/api/jobs/{id}"))).GetProperty("frame").GetInt32() < 1) await Task.Delay(20);
        var cancel = await StudioTestHost.Json(await host.Client.PostAsync("/api/cancel", null));
        Assert.That(cancel.GetProperty("cancelled").GetBoolean(), Is.True);
        var job = await host.WaitFor(id);
        Assert.That(job.GetProperty("state").GetString(), Is.EqualTo("cancelled"));
        Assert.That(job.GetProperty("frame").GetInt32(), Is.LessThan(5000));
        Assert.That(await Error(await host.Client.GetAsync($"/api/jobs/{id}/result"), 409), Does.Contain("cancelled"));
        Assert.That(Directory.GetFileSystemEntries(Path.Combine(host.Server.Session.Folder, "job-" + id)), Is.Empty, "a cancelled render leaves nothing");
        // The slot is free again.
        var next = await host.Client.PostAsync("/api/preview", StudioTestHost.RenderForm(longRun));
        Assert.That(next.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await host.WaitFor((await StudioTestHost.Json(next)).GetProperty("id").GetString()!);
        Assert.That(await Error(await host.Client.GetAsync("/api/jobs/0123456789abcdef"), 404), Does.Contain("no job"));
    }

    [Test]
    public async Task Predict_WithoutWeights_SaysHowToGetThem()
    {
        await using var host = await StudioTestHost.StartAsync(Small);
        await host.UploadPhoto(StudioTestHost.Png(32, 32));
        Assert.That(await Error(await host.Client.PostAsync("/api/predict/mask", null), 409), Does.Contain("--weights"));
        Assert.That(await Error(await host.Client.PostAsync("/api/predict/motion", null), 409), Does.Contain("--weights"));
    }

    [Test]
    public async Task Predict_WithWeights_FillsTheMaskAndTheMotion_ThenRendersWithThem()
    {
        string dir = TinyWeightsFolder.Create(Path.Combine(Path.GetTempPath(), "cinekernel-tests", "studio-weights-" + Guid.NewGuid().ToString("N")[..8]));
        try
        {
            await using var host = await StudioTestHost.StartAsync(Small with { WeightsDir = dir });
            var info = await StudioTestHost.Json(await host.Client.GetAsync("/api/info"));
            Assert.That(info.GetProperty("weights").GetBoolean(), Is.True);
            int grid = TinyWeightsFolder.GeneratorSize / 2;
            Assert.That(info.GetProperty("gridSize").GetInt32(), Is.EqualTo(grid));
            await host.UploadPhoto(StudioTestHost.Png(48, 48));
            var mask = await host.Client.PostAsync("/api/predict/mask", null);
            Assert.That(mask.StatusCode, Is.EqualTo(HttpStatusCode.OK), await mask.Content.ReadAsStringAsync());
            using (var image = Image.Load<L8>(await mask.Content.ReadAsByteArrayAsync()))
                Assert.That(image.Width, Is.EqualTo(grid));
            Assert.That(host.Server.Session.PredictedMask, Is.Not.Null);
            var motion = await host.Client.PostAsync("/api/predict/motion", null);
            Assert.That(motion.StatusCode, Is.EqualTo(HttpStatusCode.OK), await motion.Content.ReadAsStringAsync());
            Assert.That(host.Server.Session.PredictedMotion, Is.Not.Null);
            Assert.That(host.Server.Session.PredictedMotion!.Width, Is.EqualTo(grid));
            var preview = await StudioTestHost.Json(await host.Client.PostAsync("/api/preview",
                StudioTestHost.RenderForm(new { frames = 2, fps = 10, motion = "predicted" })));
            var done = await host.WaitFor(preview.GetProperty("id").GetString()!, 300);
            Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("done"), done.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task Dispose_RemovesThePrivateFolder()
    {
        var host = await StudioTestHost.StartAsync(Small);
        await host.UploadPhoto(StudioTestHost.Png(16, 16));
        string folder = host.Server.Session.Folder;
        Assert.That(Directory.Exists(folder));
        if (!OperatingSystem.IsWindows())
            Assert.That(File.GetUnixFileMode(folder), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute), "owner only");
        await host.DisposeAsync();
        Assert.That(Directory.Exists(folder), Is.False);
    }
}
