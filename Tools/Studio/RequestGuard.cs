using System.Net;
using Microsoft.AspNetCore.Http;

namespace CineKernel.Tools.Studio;

/// <summary>
/// The studio's two request checks. Every request must name this server in its Host header (a loopback name, or
/// the --host address; any name when bound to all interfaces), so a page on another site cannot reach it through
/// DNS rebinding. A request that changes state (anything but GET and HEAD) must also come from the studio's own
/// page: its Origin header equals <c>scheme://host</c> of the request, or, without Origin, Sec-Fetch-Site is
/// <c>same-origin</c>; a cross-site form or script is refused before the endpoint runs.
/// </summary>
internal sealed class RequestGuard
{
    private readonly HashSet<string> hosts = new(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "[::1]" };
    private readonly bool anyHost;

    /// <param name="bindHost">The --host value the server listens on.</param>
    public RequestGuard(string bindHost)
    {
        if (IPAddress.TryParse(bindHost, out var address))
        {
            anyHost = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
            hosts.Add(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString());
        }
        else
        {
            hosts.Add(bindHost);
        }
    }

    /// <summary>Null when the request may go on, else why it is refused (answered 403).</summary>
    public string? Refusal(HttpRequest request)
    {
        string host = request.Host.Host;
        if (!anyHost && !hosts.Contains(host))
            return $"refused: the Host header '{request.Host}' is not this studio's address (open the URL the studio printed)";
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) return null;
        string own = $"{request.Scheme}://{request.Host}";
        string? origin = request.Headers.Origin.FirstOrDefault();
        if (origin is not null)
            return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase) ? null
                : $"refused: a cross-origin {request.Method} from {origin}; the studio accepts changes only from its own page at {own}";
        string? site = request.Headers["Sec-Fetch-Site"].FirstOrDefault();
        if (site is not null)
            return site == "same-origin" ? null : $"refused: a {site} {request.Method}; the studio accepts changes only from its own page at {own}";
        return $"refused: a {request.Method} without an Origin (or Sec-Fetch-Site) header; the studio accepts changes only from its own page at {own}";
    }
}
