using CineKernel.Pipeline.IO;

namespace CineKernel.Tools.Studio;

/// <summary>
/// The photo the page opened, stored under the session's private folder with a name the server chose.
/// </summary>
/// <param name="Path">Where the server keeps it (never shown to the browser).</param>
/// <param name="Name">The file name the browser gave, for messages only (never used as a path).</param>
/// <param name="Width">Stored width in pixels (before EXIF orientation).</param>
/// <param name="Height">Stored height in pixels.</param>
/// <param name="Format">The decoder's format name (PNG, JPEG, ...).</param>
/// <param name="Crop">The centre square that is animated, in photo pixels (after EXIF orientation), as animate crops it.</param>
/// <param name="DisplayPng">The cropped square at the page's canvas size, PNG-encoded.</param>
internal sealed record UploadedPhoto(string Path, string Name, int Width, int Height, string Format, SquareCrop Crop, byte[] DisplayPng);
