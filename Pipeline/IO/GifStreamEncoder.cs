using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing.Processors.Quantization;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// An animated GIF written as the frames arrive: nothing but the previous frame's palette indices is kept
/// (1 byte a pixel), and each <see cref="Encode"/> appends its frame to the temporary file.
/// <para>
/// Palette: one global 256-colour table from ImageSharp's octree quantizer on the first frame, with ordered
/// (Bayer 8×8) dithering at a quarter of ImageSharp's full strength. A cinemagraph's frames share their static
/// part and its colours, so one palette fits all of them; and a fixed palette with position-based dithering
/// maps an unchanged pixel to the same index in every frame, so the static region does not shimmer, as it
/// would with per-frame palettes or error diffusion (whose error spreads from moving pixels into static ones).
/// The light dither breaks the banding of smooth skies. Not Wu's quantizer: in ImageSharp 2.1.13 its global
/// table for a multi-frame image loses colours. The dither is ImageSharp's: each channel is offset by
/// spread·(m(x mod 8, y mod 8) + 1)/64 − ½)·¼ with spread = 255/(∛colours − 1) (±6 levels for 256 colours),
/// truncated to a byte; the nearest palette colour then comes from a 64³ table (6 bits a channel, built once
/// from the cell centres), not an exact search, which adds at most a cell's half-diagonal (3.5 levels).
/// </para>
/// <para>
/// Frame differencing: frame 0 is written whole; each later frame only as the bounding box of the pixels
/// whose index changed (1×1 when none did) over the previous one ("do not dispose"). Since the static
/// region's indices never change, it is written once.
/// </para>
/// <para>Timing: GIF delays are whole hundredths of a second; frame i lasts round(100(i+1)/fps) − round(100i/fps),
/// so the average rate is exact (30 fps: 3, 4, 3, 3, 4, 3, ...). Loops forever (NETSCAPE2.0 repeat count 0).</para>
/// </summary>
internal sealed class GifStreamEncoder : IFrameEncoder
{
    /// <summary>Browsers treat GIF delays under 2 hundredths as 10, so 50 fps is the fastest that plays as asked.</summary>
    public const double MaxFps = 50;

    private const int TableColours = 256, LookupBits = 6;

    /// <summary>Ordered dithering at this fraction of full strength (see the class comment).</summary>
    private const float DitherScale = 0.25f;

    private readonly string tempPath;
    private readonly int width, height;
    private readonly double fps;
    private readonly GifLzwEncoder lzw = new();
    private FileStream? file;
    private byte[] previous = [], current = [];
    private byte[] nearest = [];     // 6-bit r, g, b -> palette index
    private byte[] ditheredLevel = []; // [(y mod 8)·8 + x mod 8][channel value] -> dithered 6-bit level
    private int index;
    private volatile bool cancelled;

    public GifStreamEncoder(string tempPath, int width, int height, double fps)
    {
        if (width > ushort.MaxValue || height > ushort.MaxValue)
            throw new MediaFileException(tempPath, $"GIF frames are at most 65535 pixels a side, got {width}x{height}.");
        this.tempPath = tempPath;
        this.width = width;
        this.height = height;
        this.fps = fps;
    }

    public static int DelayHundredths(int frame, double fps) =>
        (int)(Math.Round(100.0 * (frame + 1) / fps, MidpointRounding.AwayFromZero) - Math.Round(100.0 * frame / fps, MidpointRounding.AwayFromZero));

    public void Encode(byte[] rgb24)
    {
        if (cancelled) return;
        if (file is null) Start(rgb24);
        if (!MapToPalette(rgb24, current)) return;
        var box = index == 0 ? (X: 0, Y: 0, W: width, H: height) : ChangedBox(previous, current, width, height);
        if (!WriteFrame(box.X, box.Y, box.W, box.H)) return;
        (previous, current) = (current, previous);
        index++;
    }

    public void Finish()
    {
        if (file is null) return;
        file.WriteByte(0x3B); // trailer
        file.Flush();
        file.Dispose();
        file = null;
    }

    public void Cancel() => cancelled = true;

    public void Dispose()
    {
        file?.Dispose();
        file = null;
    }

    /// <summary>Palette and lookup tables from the first frame; the file's header, screen, colours and loop.</summary>
    private void Start(byte[] rgb24)
    {
        Rgb24[] palette = BuildPalette(rgb24, width, height);
        nearest = NearestColourTable(palette);
        ditheredLevel = DitherTable(palette.Length);
        previous = new byte[width * height];
        current = new byte[width * height];

        file = new FileStream(tempPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Span<byte> head = stackalloc byte[13];
        "GIF89a"u8.CopyTo(head);
        BinaryPrimitives.WriteUInt16LittleEndian(head[6..], (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(head[8..], (ushort)height);
        head[10] = 0x80 | 7 << 4 | 7; // global table of 2^(7+1) colours, 8 bits a primary
        head[11] = 0; // background index
        head[12] = 0; // no aspect ratio
        file.Write(head);
        var table = new byte[3 * TableColours]; // entries past the palette stay black and unused
        for (int i = 0; i < palette.Length; i++)
        {
            table[3 * i] = palette[i].R;
            table[3 * i + 1] = palette[i].G;
            table[3 * i + 2] = palette[i].B;
        }
        file.Write(table);
        file.Write([0x21, 0xFF, 11, .. "NETSCAPE2.0"u8, 3, 1, 0, 0, 0]); // repeat count 0: loop forever
    }

    /// <summary>ImageSharp's octree palette of the frame (at most 256 colours); only the palette is used.</summary>
    internal static Rgb24[] BuildPalette(byte[] rgb24, int width, int height)
    {
        using var image = Image.LoadPixelData<Rgb24>(rgb24, width, height);
        var octree = new OctreeQuantizer(new QuantizerOptions { MaxColors = TableColours, Dither = null });
        using IQuantizer<Rgb24> quantizer = octree.CreatePixelSpecificQuantizer<Rgb24>(Configuration.Default);
        using IndexedImageFrame<Rgb24> _ = quantizer.BuildPaletteAndQuantizeFrame(image.Frames.RootFrame, image.Bounds());
        return quantizer.Palette.Span.ToArray();
    }

    /// <summary>For every 6-bit (r, g, b) cell, the palette colour nearest its centre (squared RGB distance).</summary>
    private static byte[] NearestColourTable(Rgb24[] palette)
    {
        const int levels = 1 << LookupBits;
        var table = new byte[levels * levels * levels];
        Parallel.For(0, levels, r =>
        {
            float cr = (r << (8 - LookupBits)) + 1.5f;
            for (int g = 0; g < levels; g++)
            {
                float cg = (g << (8 - LookupBits)) + 1.5f;
                for (int b = 0; b < levels; b++)
                {
                    float cb = (b << (8 - LookupBits)) + 1.5f;
                    int best = 0;
                    float bestDistance = float.MaxValue;
                    for (int i = 0; i < palette.Length; i++)
                    {
                        float dr = palette[i].R - cr, dg = palette[i].G - cg, db = palette[i].B - cb;
                        float d = dr * dr + dg * dg + db * db;
                        if (d < bestDistance)
                        {
                            bestDistance = d;
                            best = i;
                        }
                    }
                    table[(r * levels + g) * levels + b] = (byte)best;
                }
            }
        });
        return table;
    }

    /// <summary>
    /// [(y mod 8)·8 + x mod 8][v]: channel value v after ImageSharp's ordered dither (OrderedDither.Dither with
    /// its palette spread and <see cref="DitherScale"/>), as a 6-bit level of the lookup table.
    /// </summary>
    private static byte[] DitherTable(int colours)
    {
        int spread = (int)(255 / Math.Max(1, Math.Pow(colours, 1.0 / 3) - 1));
        var table = new byte[64 * 256];
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
            {
                float offset = spread * ((Bayer8(x, y) + 1) / 64f - 0.5f) * DitherScale;
                for (int v = 0; v < 256; v++)
                    table[(y * 8 + x) * 256 + v] = (byte)((byte)Math.Clamp(v + offset, 0f, 255f) >> (8 - LookupBits));
            }
        return table;
    }

    /// <summary>The 8×8 Bayer index matrix (0..63): bit-reversed interleaving of x xor y and y.</summary>
    internal static int Bayer8(int x, int y)
    {
        int xy = x ^ y, m = 0;
        for (int bit = 0; bit < 3; bit++)
            m |= ((xy >> bit) & 1) << (5 - 2 * bit) | ((y >> bit) & 1) << (4 - 2 * bit);
        return m;
    }

    /// <summary>Palette indices of a frame; false when cancelled on the way (checked every row).</summary>
    private bool MapToPalette(byte[] rgb24, byte[] indices)
    {
        ReadOnlySpan<byte> levels = ditheredLevel, lookup = nearest;
        for (int y = 0; y < height; y++)
        {
            if (cancelled) return false;
            int rowStart = y * width;
            ReadOnlySpan<byte> row = rgb24.AsSpan(3 * rowStart, 3 * width);
            Span<byte> outRow = indices.AsSpan(rowStart, width);
            int ditherRow = (y & 7) * 8 * 256;
            for (int x = 0; x < width; x++)
            {
                ReadOnlySpan<byte> level = levels.Slice(ditherRow + (x & 7) * 256, 256);
                int r = level[row[3 * x]], g = level[row[3 * x + 1]], b = level[row[3 * x + 2]];
                outRow[x] = lookup[(r << LookupBits | g) << LookupBits | b];
            }
        }
        return true;
    }

    /// <summary>The smallest rectangle holding every pixel whose index differs; 1×1 at the origin if none does.</summary>
    internal static (int X, int Y, int W, int H) ChangedBox(byte[] before, byte[] after, int width, int height)
    {
        int top = -1, bottom = -1, left = width, right = -1;
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> a = before.AsSpan(y * width, width), b = after.AsSpan(y * width, width);
            int first = a.CommonPrefixLength(b);
            if (first == width) continue;
            int last = width - 1;
            while (a[last] == b[last]) last--;
            if (top < 0) top = y;
            bottom = y;
            left = Math.Min(left, first);
            right = Math.Max(right, last);
        }
        return top < 0 ? (0, 0, 1, 1) : (left, top, right - left + 1, bottom - top + 1);
    }

    /// <summary>Graphic control extension, image descriptor and LZW data of the box; false when cancelled.</summary>
    private bool WriteFrame(int left, int top, int boxWidth, int boxHeight)
    {
        FileStream stream = file!;
        Span<byte> head = stackalloc byte[18];
        head[0] = 0x21;
        head[1] = 0xF9;
        head[2] = 4;
        head[3] = 1 << 2; // disposal 1: do not dispose, later frames draw over this one
        BinaryPrimitives.WriteUInt16LittleEndian(head[4..], (ushort)DelayHundredths(index, fps));
        head[6] = 0; // no transparent index
        head[7] = 0;
        head[8] = 0x2C;
        BinaryPrimitives.WriteUInt16LittleEndian(head[9..], (ushort)left);
        BinaryPrimitives.WriteUInt16LittleEndian(head[11..], (ushort)top);
        BinaryPrimitives.WriteUInt16LittleEndian(head[13..], (ushort)boxWidth);
        BinaryPrimitives.WriteUInt16LittleEndian(head[15..], (ushort)boxHeight);
        head[17] = 0; // no local table, not interlaced
        stream.Write(head);
        lzw.Begin(stream);
        for (int y = top; y < top + boxHeight; y++)
        {
            if (cancelled) return false;
            lzw.Write(current.AsSpan(y * width + left, boxWidth));
        }
        lzw.End();
        return true;
    }
}
