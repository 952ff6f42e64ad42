using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.Studio;

/// <summary>
/// The studio's web server: Kestrel (ASP.NET Core minimal APIs) on --host:--port serving the embedded page and
/// <see cref="StudioApi"/>, behind <see cref="RequestGuard"/> and one JSON error format (<c>{ "error": "..." }</c>).
/// Owns the <see cref="StudioSession"/> (device, weights, private folder). Tests host it in-process through
/// <c>configure</c> (TestServer).
/// </summary>
internal sealed class StudioServer : IAsyncDisposable
{
    private StudioServer(WebApplication app, StudioSession session)
    {
        App = app;
        Session = session;
    }

    public WebApplication App { get; }
    public StudioSession Session { get; }

    /// <summary>Opens the device and the weights, makes the private folder and builds the app (not started).</summary>
    /// <param name="options">The command's options.</param>
    /// <param name="configure">Called on the builder last (tests: <c>UseTestServer()</c>).</param>
    /// <exception cref="CliException">The device cannot be opened, or the weights folder is unusable.</exception>
    public static StudioServer Create(StudioOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var device = DeviceOption.Open(options.Device);
        WeightsFolder? weights = null;
        StudioSession? session = null;
        try
        {
            if (options.WeightsDir is not null)
            {
                try
                {
                    weights = WeightsFolder.Open(options.WeightsDir, FlowNet.Sky);
                }
                catch (Exception e) when (e is IOException or InvalidDataException)
                {
                    throw new CliException(e.Message.ReplaceLineEndings(" "));
                }
            }
            session = new StudioSession(options, device, weights);
            // The content root is the private folder: no appsettings.json or wwwroot of the working directory is read.
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = session.Folder, Args = [] });
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                // Room for the multipart framing around the largest accepted file.
                kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes + (1 << 20);
                if (options.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) && options.Port != 0) kestrel.ListenLocalhost(options.Port);
                else kestrel.Listen(options.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : IPAddress.Parse(options.Host), options.Port);
            });
            builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase);
            configure?.Invoke(builder);
            var app = builder.Build();
            Configure(app, session, new RequestGuard(options.Host));
            return new StudioServer(app, session);
        }
        catch
        {
            session?.Dispose();
            weights?.Dispose();
            device.Dispose();
            throw;
        }
    }

    private static void Configure(WebApplication app, StudioSession session, RequestGuard guard)
    {
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers["X-Content-Type-Options"] = "nosniff";
            headers["X-Frame-Options"] = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'";
            if (guard.Refusal(context.Request) is { } refusal)
            {
                await WriteError(context, 403, refusal);
                return;
            }
            try
            {
                await next(context);
            }
            catch (StudioException e)
            {
                await WriteError(context, e.Status, session.Scrub(e.Message));
            }
            catch (BadHttpRequestException e)
            {
                string message = e.StatusCode == 413
                    ? $"upload too large: at most {StudioApi.Megabytes(session.Options.MaxUploadBytes)}"
                    : e.Message.ReplaceLineEndings(" ");
                await WriteError(context, e.StatusCode, message);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or FormatException or JsonException or NotSupportedException)
            {
                await WriteError(context, 400, session.Scrub(e.Message.ReplaceLineEndings(" ")));
            }
        });
        // Empty 404 / 405 answers (no such route, wrong method) get the same JSON error body.
        app.UseStatusCodePages(async status =>
        {
            var response = status.HttpContext.Response;
            string message = response.StatusCode switch
            {
                404 => $"not found: {status.HttpContext.Request.Path}",
                405 => $"{status.HttpContext.Request.Method} is not allowed on {status.HttpContext.Request.Path}",
                _ => $"HTTP {response.StatusCode}",
            };
            await response.WriteAsJsonAsync(new { error = message });
        });
        StudioApi.Map(app, session);
    }

    /// <summary>Answers <c>{ "error": message }</c> with the status (when the response has not started).</summary>
    internal static async Task WriteError(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted) return;
        context.Response.Clear();
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new { error = message });
    }

    /// <summary>Starts listening.</summary>
    public Task StartAsync(CancellationToken cancellation = default) => App.StartAsync(cancellation);

    /// <summary>The addresses the server listens on (after <see cref="StartAsync"/>), e.g. <c>http://127.0.0.1:8765</c>.</summary>
    public IReadOnlyList<string> Urls =>
        App.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    /// <summary>Stops the server, cancels a running job and removes the private folder.</summary>
    public async ValueTask DisposeAsync()
    {
        Session.Dispose();
        await App.DisposeAsync();
        Session.Weights?.Dispose();
        Session.Device.Dispose();
    }
}
