using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline;

public class ArrowFieldTests
{
    private const int Size = 64;


    private static (float X, float Y) At(float[] field, int x, int y, int width = Size, int height = Size) =>
        (field[y * width + x], field[width * height + y * width + x]);

    [Test]
    public void ArrowLengthIsOneSecondOfMotionOnTheFieldGrid()
    {
        // 1024 photo, 512 field, 30 fps: a 60-pixel arrow is 30 field pixels a second, 1 a frame.
        var crop = SquareCrop.Centre(1024, 1024);
        float[] field = ArrowField.Build([new MotionArrow(100, 200, 160, 200)], crop, AnimationMask.All(512, 512), fps: 30).Planes.ToArray();
        Assert.That(At(field, 0, 0, 512, 512), Is.EqualTo((1f, 0f)), "one arrow: the same everywhere");
        Assert.That(At(field, 511, 300, 512, 512), Is.EqualTo((1f, 0f)));
        float[] slower = ArrowField.Build([new MotionArrow(100, 200, 160, 200)], crop, AnimationMask.All(512, 512), fps: 60).Planes.ToArray();
        Assert.That(At(slower, 7, 7, 512, 512).X, Is.EqualTo(0.5f), "twice the frame rate: half the step");
    }

    [Test]
    public void FieldIsZeroOutsideTheMask()
    {
        // Mask: a disc; two arrows, one inside it and one outside (hints may start anywhere in the photo).
        var mask = new float[Size * Size];
        for (int y = 0; y < Size; y++)
            for (int x = 0; x < Size; x++)
                mask[y * Size + x] = (x - 30) * (x - 30) + (y - 34) * (y - 34) < 400 ? 1f : 0f;
        var arrows = new[] { new MotionArrow(30, 34, 40, 30), new MotionArrow(5, 5, 5, 25) };
        float[] field = ArrowField.Build(arrows, SquareCrop.Centre(Size, Size), new AnimationMask(Size, Size, mask), fps: 10).Planes.ToArray();
        int inside = 0;
        for (int p = 0; p < Size * Size; p++)
        {
            if (mask[p] == 0f)
            {
                Assert.That(field[p], Is.EqualTo(0f), $"x at {p}");
                Assert.That(field[Size * Size + p], Is.EqualTo(0f), $"y at {p}");
            }
            else if (field[p] != 0f || field[Size * Size + p] != 0f)
            {
                inside++;
            }
        }
        Assert.That(inside, Is.EqualTo((int)mask.Sum()), "every masked pixel moves");
    }

    [Test]
    public void FieldEqualsEachArrowAtAndNearItsStart()
    {
        var arrows = new[] { new MotionArrow(10, 12, 40, 12), new MotionArrow(50, 48, 50, 18) };
        float[] field = ArrowField.Build(arrows, SquareCrop.Centre(Size, Size), AnimationMask.All(Size, Size), fps: 10).Planes.ToArray();
        Assert.That(At(field, 10, 12), Is.EqualTo((3f, 0f)), "exactly at the first start");
        Assert.That(At(field, 50, 48), Is.EqualTo((0f, -3f)), "exactly at the second start");
        // One pixel away the other arrow (about 53 pixels off) weighs 1/53^2 against 1: within 0.1 %.
        foreach (var (x, y) in new[] { (11, 12), (10, 13), (9, 11) })
        {
            var v = At(field, x, y);
            Assert.That(v.X, Is.EqualTo(3f).Within(3e-3f), $"({x}, {y})");
            Assert.That(v.Y, Is.EqualTo(0f).Within(3e-3f), $"({x}, {y})");
        }
    }

    [Test]
    public void FieldIsSmoothAndBoundedBetweenArrows()
    {
        // Two hints on a row, 40 pixels apart, x speeds 2 and -2 px/frame: along the row the x component
        // falls monotonically from 2 to -2, passes 0 exactly halfway, and no step is a jump.
        var arrows = new[] { new MotionArrow(12, 32, 32, 32), new MotionArrow(52, 32, 32, 32) };
        float[] field = ArrowField.Build(arrows, SquareCrop.Centre(Size, Size), AnimationMask.All(Size, Size), fps: 10).Planes.ToArray();
        float[] row = Enumerable.Range(12, 41).Select(x => At(field, x, 32).X).ToArray();
        TestContext.Out.WriteLine(string.Join(" ", row.Select(v => v.ToString("F2"))));
        Assert.That(row[0], Is.EqualTo(2f));
        Assert.That(row[^1], Is.EqualTo(-2f));
        Assert.That(row[20], Is.EqualTo(0f).Within(1e-6f), "equidistant: the mean of the two");
        for (int i = 1; i < row.Length; i++)
        {
            Assert.That(row[i], Is.LessThan(row[i - 1]), $"monotonic at x = {12 + i}");
            Assert.That(row[i - 1] - row[i], Is.LessThan(0.25f), $"no jump at x = {12 + i} (average step 0.1)");
        }
        // Everywhere in the field the vectors are convex combinations of the hints: |x| <= 2, y = 0.
        for (int p = 0; p < Size * Size; p++)
        {
            Assert.That(Math.Abs(field[p]), Is.LessThanOrEqualTo(2f));
            Assert.That(field[Size * Size + p], Is.EqualTo(0f));
        }
        // Neighbouring pixels differ little anywhere (no seams): the steepest is near a start.
        float steepest = 0;
        for (int y = 0; y < Size; y++)
            for (int x = 1; x < Size; x++)
                steepest = Math.Max(steepest, Math.Abs(At(field, x, y).X - At(field, x - 1, y).X));
        TestContext.Out.WriteLine($"largest difference between horizontal neighbours: {steepest:F3}");
        Assert.That(steepest, Is.LessThan(0.25f));
    }

    [Test]
    public void PhotoPixelsMapThroughTheCropAndScale()
    {
        // 1280x720 photo: the kept square is x 280..999; a 360 field halves it. Field pixel 10 covers photo
        // pixels 20 and 21 of the square, so its centre is photo x = 280 + 20.5 (centre-aligned scaling);
        // an arrow starting there gives exactly its vector at field (10, 20).
        var crop = SquareCrop.Centre(1280, 720);
        var arrows = new[] { new MotionArrow(300.5, 40.5, 300.5, 70.5), new MotionArrow(900.5, 600.5, 840.5, 600.5) };
        float[] field = ArrowField.Build(arrows, crop, AnimationMask.All(360, 360), fps: 15).Planes.ToArray();
        Assert.That(At(field, 10, 20, 360, 360), Is.EqualTo((0f, 1f)), "30 photo px/s -> 15 field px/s -> 1 px/frame at 15 fps");
        Assert.That(At(field, 310, 300, 360, 360), Is.EqualTo((-2f, 0f)), "(900.5 - 280 + 0.5) / 2 - 0.5 = 310, (600.5 + 0.5) / 2 - 0.5 = 300");
    }

    [Test]
    public void ArrowOutsideTheCroppedSquareIsRefused()
    {
        var crop = SquareCrop.Centre(1280, 720);
        var e = Assert.Throws<ArgumentException>(() =>
            ArrowField.Build([new MotionArrow(100, 40, 150, 40)], crop, AnimationMask.All(16, 16), fps: 30).Planes.ToArray())!;
        Assert.That(e.Message, Does.StartWith(
            "Motion hint 1 (100,40,150,40) starts at (100, 40), outside the centre square that is animated (x 280..999, y 0..719 of the 1280x720 photo)."));
    }

    [Test]
    public void NoArrowsIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => ArrowField.Build([], SquareCrop.Centre(8, 8), AnimationMask.All(8, 8), 30).Planes.ToArray())!;
        Assert.That(e.Message, Does.StartWith("No motion hints given"));
    }

    [Test]
    public void HintsParse()
    {
        Assert.That(ArrowField.Parse("120,340,180,330"), Is.EqualTo(new MotionArrow(120, 340, 180, 330)));
        Assert.That(ArrowField.Parse(" 1.5, 2 ,3e1,-4 "), Is.EqualTo(new MotionArrow(1.5, 2, 30, -4)));
        Assert.That(ArrowField.ParseAll(["1,2,3,4;5,6,7,8", "9,10,11,12"]),
            Is.EqualTo(new[] { new MotionArrow(1, 2, 3, 4), new MotionArrow(5, 6, 7, 8), new MotionArrow(9, 10, 11, 12) }));
    }

    [TestCase("1,2,3", "Motion hint '1,2,3': expected x0,y0,x1,y1")]
    [TestCase("1,2,3", "found 3 values.")]
    [TestCase("1,2,abc,4", "'abc' (x1) is not a finite number")]
    [TestCase("1,NaN,3,4", "'NaN' (y0) is not a finite number")]
    [TestCase("1;2;3;4", "found 1 value.")]
    public void BadHintsSayWhatIsWrong(string text, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => ArrowField.Parse(text))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.Contain(fragment));
        Assert.That(e.Message, Does.Not.Contain('\n'));
    }

    [Test]
    public void ArrowsMayMoveUpToTheAnimatedSquarePerFrame()
    {
        var crop = SquareCrop.Centre(200, 100);
        // The square is 100 pixels: at 10 fps an arrow may be 1000 pixels long (starting inside, ending anywhere).
        var field = ArrowField.Build([new MotionArrow(60, 50, 60 + 600, 50 + 800)], crop, AnimationMask.All(50, 50), fps: 10);
        Assert.That(field.Planes[0], Is.EqualTo(30f).Within(1e-4), "600 photo pixels over 10 frames, halved to the grid");
        var e = Assert.Throws<ArgumentException>(() => ArrowField.Build([new MotionArrow(60, 50, 60 + 601, 50 + 800)], crop, AnimationMask.All(50, 50), fps: 10))!;
        Assert.That(e.Message, Does.StartWith("Motion hint 1 (60,50,661,850) moves 100.1 pixels a frame at 10 fps, farther than the 100-pixel animated square in one frame"));
    }
}
