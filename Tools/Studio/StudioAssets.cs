using System.Reflection;

namespace CineKernel.Tools.Studio;

/// <summary>
/// The page (Tools/Studio/wwwroot: index.html, studio.css, studio.js), embedded in the tool's assembly so the
/// studio needs no files beside the executable and no build step for the page.
/// </summary>
internal static class StudioAssets
{
    private static readonly Dictionary<string, string> ContentTypes = new()
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["studio.css"] = "text/css; charset=utf-8",
        ["studio.js"] = "text/javascript; charset=utf-8",
    };

    /// <summary>The names the page is served under (at <c>/NAME</c>; <c>/</c> is index.html).</summary>
    public static IEnumerable<string> Names => ContentTypes.Keys;

    /// <summary>The asset's bytes and content type.</summary>
    /// <exception cref="InvalidOperationException">The asset is not embedded (a build error).</exception>
    public static (byte[] Bytes, string ContentType) Get(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("CineKernel.Tools.Studio.wwwroot." + name)
                           ?? throw new InvalidOperationException($"studio asset {name} is not embedded in the tool");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return (copy.ToArray(), ContentTypes[name]);
    }
}
