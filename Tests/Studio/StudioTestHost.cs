using System.Net.Http.Headers;
using System.Text.Json;
using CineKernel.Tools.Studio;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Tests.Studio;

/// <summary>The studio's server in-process (ASP.NET Core TestServer) and a client that sends the page's Origin.</summary>
internal sealed class StudioTestHost : IAsyncDisposable
{
    /// <summary>The origin TestServer's requests carry (its base address).</summary>
    public const string Origin = "http://localhost";

    private StudioTestHost(StudioServer server, HttpClient client)
    {
        Server = server;
        Client = client;
    }

    public StudioServer Server { get; }

    /// <summary>Sends <c>Origin: http://localhost</c> on every request, as the studio's page does.</summary>
    public HttpClient Client { get; }

    public static async Task<StudioTestHost> StartAsync(StudioOptions? options = null)
    {
        options ??= new StudioOptions();
        options = options with { Device = "cpu" };
        var server = StudioServer.Create(options, b => b.WebHost.UseTestServer());
        await server.StartAsync();
        var client = server.App.GetTestClient();
        client.DefaultRequestHeaders.Add("Origin", Origin);
        return new StudioTestHost(server, client);
    }

    /// <summary>A PNG of width×height with a smooth pattern (so motion shows), or of the given pixels.</summary>
    public static byte[] Png(int width, int height, Func<int, int, Rgb24>? pixel = null)
    {
        pixel ??= (x, y) => new Rgb24((byte)(128 + 100 * Math.Sin(x * 0.7)), (byte)(128 + 100 * Math.Cos(y * 0.5 + x * 0.2)), (byte)(x * 255 / Math.Max(1, width - 1)));
        using var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) image[x, y] = pixel(x, y);
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    /// <summary>A square mask PNG: white where <paramref name="animated"/> holds, black elsewhere.</summary>
    public static byte[] MaskPng(int side, Func<int, int, bool> animated) =>
        Png(side, side, (x, y) => animated(x, y) ? new Rgb24(255, 255, 255) : new Rgb24(0, 0, 0));

    public static MultipartFormDataContent File(string field, byte[] bytes, string name, string type = "image/png")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return new MultipartFormDataContent { { content, field, name } };
    }

    public async Task<JsonElement> UploadPhoto(byte[] png, string name = "photo.png")
    {
        var response = await Client.PostAsync("/api/photo", File("photo", png, name));
        string body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), body);
        return JsonDocument.Parse(body).RootElement;
    }

    /// <summary>The form of Preview / Export / the motion view: the settings JSON and an optional mask PNG.</summary>
    public static MultipartFormDataContent RenderForm(object settings, byte[]? mask = null)
    {
        var form = new MultipartFormDataContent { { new StringContent(JsonSerializer.Serialize(settings)), "settings" } };
        if (mask is not null)
        {
            var content = new ByteArrayContent(mask);
            content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(content, "mask", "mask.png");
        }
        return form;
    }

    public static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>Polls the job until its state is final (or the timeout passes) and returns its last snapshot.</summary>
    public async Task<JsonElement> WaitFor(string id, double seconds = 120)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var job = await Json(await Client.GetAsync($"/api/jobs/{id}"));
            if (job.GetProperty("state").GetString() is "done" or "failed" or "cancelled") return job;
            if (clock.Elapsed.TotalSeconds > seconds) Assert.Fail($"job {id} still {job} after {seconds} s");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
