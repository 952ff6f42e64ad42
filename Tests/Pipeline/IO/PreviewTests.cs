using CineKernel.Pipeline.IO;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Tests.Pipeline.IO;

public class PreviewTests : IoTestBase
{
    private static Rgb24 Pixel(RgbPlanes p, int x, int y)
    {
        int i = y * p.Width + x, n = p.PlaneLength;
        return new Rgb24((byte)MathF.Round(p.Data[i] * 255), (byte)MathF.Round(p.Data[n + i] * 255), (byte)MathF.Round(p.Data[2 * n + i] * 255));
    }

    [Test]
    public void FlowColoursFollowTheMiddleburyWheel()
    {
        // Five pixels: right (fastest), left, down, down at half speed, still. Expected values from the
        // wheel's definition: right is where the wheel closes: atan2(-0, -u) = -pi picks the first colour,
        // pure red (a hair upward would pick the last, magenta->red step 5 of 6: (255, 0, 43)); left the 28th (cyan->blue, step 2 of 11: G = 255 - 46 = 209), down halfway between red->yellow
        // steps 13 and 14 (G = 221 and 238).
        float[] u = [2f, -2f, 0f, 0f, 0f, 2f];
        float[] v = [0f, 0f, 2f, 1f, 0f, -1e-4f];
        var (colours, max) = Previews.FlowColours([.. u, .. v], 6, 1);
        Assert.That(max, Is.EqualTo(2f).Within(1e-6f));
        Assert.That(Pixel(colours, 0, 0), Is.EqualTo(new Rgb24(255, 0, 0)), "right: red");
        Assert.That(Pixel(colours, 1, 0), Is.EqualTo(new Rgb24(0, 209, 255)), "left: cyan-blue");
        Assert.That(Pixel(colours, 2, 0), Is.EqualTo(new Rgb24(255, 230, 0)), "down: yellow (229.5 rounds up)");
        Assert.That(Pixel(colours, 3, 0), Is.EqualTo(new Rgb24(255, 242, 128)), "half speed: halfway to white");
        Assert.That(Pixel(colours, 4, 0), Is.EqualTo(new Rgb24(255, 255, 255)), "still: white");
        Assert.That(Pixel(colours, 5, 0), Is.EqualTo(new Rgb24(255, 0, 43)), "right, a hair up: the wheel's last colour");
    }

    [Test]
    public void FlowPreviewIsAPngOfTheFieldSize()
    {
        string path = files.PathOf("flow.png");
        var flow = new float[2 * 6 * 4];
        flow[5] = 0.75f;
        float max = Previews.SaveFlow(path, flow, 6, 4);
        Assert.That(max, Is.EqualTo(0.75f));
        using var png = Image.Load<Rgb24>(path);
        Assert.That((png.Width, png.Height), Is.EqualTo((6, 4)));
        Assert.That(png[5, 0], Is.EqualTo(new Rgb24(255, 0, 0)));
        Assert.That(png[0, 0], Is.EqualTo(new Rgb24(255, 255, 255)));
        Assert.That(Directory.GetFileSystemEntries(files.Directory), Has.Length.EqualTo(1), "no temporary file left");
    }

    [Test]
    public void FlowOfTheWrongLengthIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => Previews.FlowColours(new float[10], 2, 2))!;
        Assert.That(e.Message, Does.StartWith("A 2x2 flow needs 2*2*2 = 8 floats (x plane, y plane), got 10."));
    }

    [Test]
    public void MaskOverlayTintsOnlyTheAnimatedRegion()
    {
        // A 2x2 mask (top-left animated) over a 4x4 grey image: the top-left 2x2 block is tinted,
        // 0.55 * 0.5 + 0.45 * (1, 0.15, 0.45) = (0.725, 0.3425, 0.4775) -> (185, 87, 122).
        var image = new RgbPlanes(4, 4, Enumerable.Repeat(0.5f, 48).ToArray());
        string path = files.PathOf("overlay.png");
        Previews.SaveMaskOverlay(path, image, [1f, 0f, 0f, 0f], 2, 2);
        using var png = Image.Load<Rgb24>(path);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
                Assert.That(png[x, y], Is.EqualTo(x < 2 && y < 2 ? new Rgb24(185, 87, 122) : new Rgb24(128, 128, 128)), $"({x}, {y})");
    }

    [Test]
    public void MaskOverlayTintsInProportionToASoftMask()
    {
        // m = 0.5 blends 22.5% toward the tint: 0.775 * 0.5 + 0.225 * (1, 0.15, 0.45) = (0.6125, 0.421, 0.489) -> (156, 107, 125).
        var image = new RgbPlanes(2, 1, Enumerable.Repeat(0.5f, 6).ToArray());
        string path = files.PathOf("soft_overlay.png");
        Previews.SaveMaskOverlay(path, image, [0.5f, 0f], 2, 1);
        using var png = Image.Load<Rgb24>(path);
        Assert.That(png[0, 0], Is.EqualTo(new Rgb24(156, 107, 125)));
        Assert.That(png[1, 0], Is.EqualTo(new Rgb24(128, 128, 128)));
    }

    [Test]
    public void ContactSheetFramesSpanTheLoop()
    {
        Assert.That(Previews.ContactSheetFrames(120, 6), Is.EqualTo(new[] { 0, 24, 48, 71, 95, 119 }));
        Assert.That(Previews.ContactSheetFrames(3, 6), Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(Previews.ContactSheetFrames(10, 1), Is.EqualTo(new[] { 0 }));
    }

    [Test]
    public void ContactSheetLaysFramesOutInRows()
    {
        // Five flat 8x6 frames, 3 columns, tiles 4 wide (3 high): 2 rows; 4-pixel gaps.
        Rgb24[] colours = [new(255, 0, 0), new(0, 255, 0), new(0, 0, 255), new(255, 255, 0), new(0, 255, 255)];
        var frames = colours.Select(c => RgbPlanes.FromImage(IoTestFiles.Make(8, 6, (_, _) => c))).ToList();
        string path = files.PathOf("sheet.png");
        Previews.SaveContactSheet(path, frames, columns: 3, tileWidth: 4);
        using var png = Image.Load<Rgb24>(path);
        Assert.That((png.Width, png.Height), Is.EqualTo((4 + 3 * 8, 4 + 2 * 7)));
        for (int i = 0; i < 5; i++)
        {
            int x0 = 4 + i % 3 * 8, y0 = 4 + i / 3 * 7;
            for (int y = y0; y < y0 + 3; y++)
                for (int x = x0; x < x0 + 4; x++)
                    Assert.That(png[x, y], Is.EqualTo(colours[i]), $"tile {i} at ({x}, {y})");
        }
        Assert.That(png[2, 2], Is.EqualTo(new Rgb24(40, 40, 40)), "gap");
        Assert.That(png[4 + 2 * 8 + 1, 4 + 7 + 1], Is.EqualTo(new Rgb24(40, 40, 40)), "the sixth cell is empty");
    }
}
