using CineKernel.Pipeline.Mask;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline;

/// <summary>
/// The mask clean-up of predict_mask, on hand-made masks drawn as text ('#' = 1, '.' = 0). Expected
/// pixels are worked out in the comments and were checked against OpenCV 4.6 (cv2.dilate, cv2.erode,
/// findContours/contourArea/drawContours as the original calls them).
/// </summary>
public class MaskRefinementTests
{
    internal static BinaryMask Parse(params string[] rows)
    {
        int w = rows[0].Length;
        Assert.That(rows.All(r => r.Length == w), "test mask rows differ in length");
        return new BinaryMask(w, rows.Length, rows.SelectMany(r => r.Select(ch => ch == '#' ? (byte)1 : (byte)0)).ToArray());
    }

    private static void AssertMask(BinaryMask actual, params string[] expected) =>
        Assert.That(actual.ToString(), Is.EqualTo(Parse(expected).ToString()), "mask pixels");

    private static string Cells(StructuringElement e) =>
        string.Join("|", Enumerable.Range(0, e.Height).Select(y => string.Concat(Enumerable.Range(0, e.Width).Select(x => e[x, y] ? '#' : '.'))));

    [Test]
    public void EllipseStructuringElementsMatchOpenCv()
    {
        // getStructuringElement(MORPH_ELLIPSE, (3, 3)): the cross, anchored in the centre.
        var three = StructuringElement.Ellipse(3, 3);
        Assert.That(Cells(three), Is.EqualTo(".#.|###|.#."));
        Assert.That((three.AnchorX, three.AnchorY), Is.EqualTo((1, 1)));

        // (4, 4): r = c = 2; row 0 (dy = −2) keeps only column 2, rows 1–3 have dx = round(2·√(3/4)) = 2
        // and are full; the default anchor of an even size is (2, 2), one past the middle.
        var four = StructuringElement.Ellipse(4, 4);
        Assert.That(Cells(four), Is.EqualTo("..#.|####|####|####"));
        Assert.That((four.AnchorX, four.AnchorY), Is.EqualTo((2, 2)));

        Assert.That(Cells(StructuringElement.Ellipse(5, 5)), Is.EqualTo("..#..|#####|#####|#####|..#.."));
        Assert.That(Cells(StructuringElement.Ellipse(6, 4)), Is.EqualTo("...#..|######|######|######"));
    }

    [Test]
    public void DilationWithTheFourByFourEllipseIsNotCentred()
    {
        // out(x, y) = max in(x + j − 2, y + i − 2) over the element's cells: a single pixel at (3, 3)
        // becomes the element mirrored through the anchor: rows 2–4 over columns 2–5, and (3, 5).
        var mask = Parse(
            ".......",
            ".......",
            ".......",
            "...#...",
            ".......",
            ".......",
            ".......");
        AssertMask(MaskRefinement.Dilate(mask, StructuringElement.Ellipse(4, 4)),
            ".......",
            ".......",
            "..####.",
            "..####.",
            "..####.",
            "...#...",
            ".......");
    }

    [Test]
    public void DilationIgnoresPixelsOutsideTheImage()
    {
        // A pixel in the top-left corner: the parts of the element that fall outside are dropped.
        var mask = Parse(
            "#....",
            ".....",
            ".....",
            ".....");
        AssertMask(MaskRefinement.Dilate(mask, StructuringElement.Ellipse(4, 4)),
            "###..",
            "###..",
            "#....",
            ".....");
    }

    [Test]
    public void ErodingTwiceWithTheCrossGrowsAZeroIntoADiamondAndLeavesTheBorderAlone()
    {
        // One 0 at (3, 2): every pixel within city-block distance 2 becomes 0; outside pixels count
        // as 1 for erosion, so the image border does not erode.
        var mask = Parse(
            "######",
            "######",
            "###.##",
            "######",
            "######");
        AssertMask(MaskRefinement.Erode(mask, StructuringElement.Ellipse(3, 3), iterations: 2),
            "###.##",
            "##...#",
            "#.....",
            "##...#",
            "###.##");
    }

    [Test]
    public void HolesAreFourConnectedZerosAwayFromTheBorderWithOpenCvContourAreas()
    {
        // The contour of a hole runs through the centres of the white pixels around it, cutting the
        // corners: a w×h rectangle gets (w+1)(h+1) − 2, so 2×2 → 7, 1×2 → 4, 3×1 → 6, 1×1 → 2.
        // (6,3) and (5,4) touch only diagonally: two holes. (0,7) is on the border: not a hole, and
        // (1,6), diagonal to it, is still a hole of its own.
        var mask = Parse(
            "##########",
            "#..#######",
            "#..###.###",
            "######.###",
            "###...####",
            "##########",
            "#.########",
            ".#########");
        var holes = MaskRefinement.FindHoles(mask);
        Assert.That(holes.Select(h => h.ContourArea), Is.EqualTo(new[] { 7.0, 4.0, 6.0, 2.0 }));
        Assert.That(holes.Select(h => h.PixelIndices.Length), Is.EqualTo(new[] { 4, 2, 3, 1 }));
        Assert.That(holes[1].PixelIndices, Is.EqualTo(new[] { 2 * 10 + 6, 3 * 10 + 6 }));

        // Holes with contour area below 5 are filled: the 1×2 and the 1×1; the border zero stays.
        AssertMask(MaskRefinement.FillSmallHoles(mask, 5),
            "##########",
            "#..#######",
            "#..#######",
            "##########",
            "###...####",
            "##########",
            "##########",
            ".#########");
    }

    [Test]
    public void TheThresholdIsOnContourAreaNotPixelCount()
    {
        // A 3×3 hole in a 10×10 image has 9 pixels, under 10% of the area (10), but its contour area
        // is 4·4 − 2 = 14, so the original keeps it; a 2×2 hole (area 7) is filled.
        var mask = Parse(
            "##########",
            "#...######",
            "#...######",
            "#...######",
            "##########",
            "######..##",
            "######..##",
            "##########",
            "##########",
            "##########");
        AssertMask(MaskRefinement.FillSmallHoles(mask, 10),
            "##########",
            "#...######",
            "#...######",
            "#...######",
            "##########",
            "##########",
            "##########",
            "##########",
            "##########",
            "##########");
    }

    [Test]
    public void AHoleEnclosesTheIslandsInsideIt()
    {
        // The outer hole (the 24-pixel ring) has the contour of the 7×7 interior it bounds, area 62,
        // island included; the island's own 3×3 hole has area 14.
        var mask = Parse(
            "#########",
            "#.......#",
            "#.#####.#",
            "#.#...#.#",
            "#.#...#.#",
            "#.#...#.#",
            "#.#####.#",
            "#.......#",
            "#########");
        Assert.That(MaskRefinement.FindHoles(mask).Select(h => h.ContourArea), Is.EqualTo(new[] { 62.0, 14.0 }));
        AssertMask(MaskRefinement.FillSmallHoles(mask, 20),
            "#########",
            "#.......#",
            "#.#####.#",
            "#.#####.#",
            "#.#####.#",
            "#.#####.#",
            "#.#####.#",
            "#.......#",
            "#########");
        Assert.That(MaskRefinement.FillSmallHoles(mask, 63).Count, Is.EqualTo(81));
    }

    [Test]
    public void RefinementRemovesASpeckFillsASmallHoleAndKeepsALargeOne()
    {
        // 24×24, so the threshold is 57.6. Animated sky (rows 0–11) with a 4×4 and a 10×8 static
        // hole; static ground with a 5×5 animated speck.
        var mask = Parse(
            "########################",
            "########################",
            "############..........##",
            "##....######..........##",
            "##....######..........##",
            "##....######..........##",
            "##....######..........##",
            "############..........##",
            "############..........##",
            "############..........##",
            "########################",
            "########################",
            "........................",
            "........................",
            "........................",
            "........................",
            "....#####...............",
            "....#####...............",
            "....#####...............",
            "....#####...............",
            "....#####...............",
            "........................",
            "........................",
            "........................");
        // Morphology: the dilation shrinks the 4×4 hole to the pixel (4, 5), the two erosions grow it
        // back to a 13-pixel diamond (contour area 18); the 10×8 hole shrinks to 7×5 at (14–20, 4–8)
        // and grows back to 11×9 less its corners (area 102); the speck ends as the 4×4 block
        // (5–8, 17–20) (area 23 as a hole of the static region); the sky's lower edge comes back to row 11.
        // Filling: the speck (23 < 57.6) turns static, the diamond (18) animated, the large hole stays.
        AssertMask(MaskRefinement.Refine(mask),
            "########################",
            "########################",
            "##############.......###",
            "#############.........##",
            "############...........#",
            "############...........#",
            "############...........#",
            "############...........#",
            "############...........#",
            "#############.........##",
            "##############.......###",
            "########################",
            "........................",
            "........................",
            "........................",
            "........................",
            "........................",
            "........................",
            "........................",
            "........................",
            "........................",
            "........................",
            "........................",
            "........................");
    }

    [Test]
    public void AnEmptyMaskAnimatesEverything()
    {
        var refined = MaskRefinement.Refine(BinaryMask.Filled(12, 9, 0));
        Assert.That(refined.Count, Is.EqualTo(12 * 9));
    }

    [Test]
    public void ALoneSpeckIsFilledAwayAndThenEverythingIsAnimated()
    {
        // The speck survives the morphology as an island, is filled as a small hole of the static
        // region, and the empty result falls under 10%.
        var mask = BinaryMask.Filled(20, 20, 0).Pixels;
        for (int y = 8; y < 13; y++)
        for (int x = 8; x < 13; x++) mask[y * 20 + x] = 1;
        Assert.That(MaskRefinement.Refine(new BinaryMask(20, 20, mask)).Count, Is.EqualTo(400));
    }

    [TestCase(1, 400, TestName = "a border strip of 20 pixels (5%): everything animated")]
    [TestCase(2, 40, TestName = "a border strip of 40 pixels (exactly 10%, not under): kept as it is")]
    public void TheFinalMaskMustCoverTenPercent(int rows, int expectedCount)
    {
        // A strip along the top edge touches the border, so no hole filling touches it, and the
        // morphology gives it back unchanged (2 rows down, 2 rows up).
        var pixels = new byte[400];
        for (int i = 0; i < rows * 20; i++) pixels[i] = 1;
        var refined = MaskRefinement.Refine(new BinaryMask(20, 20, pixels));
        Assert.That(refined.Count, Is.EqualTo(expectedCount));
        if (expectedCount < 400) Assert.That(refined.Pixels, Is.EqualTo(pixels));
    }

    [Test]
    public void BadMasksAreRejected()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new BinaryMask(3, 3, new byte[8]), Throws.ArgumentException.With.Message.Contains("needs 9 pixels"));
            Assert.That(() => new BinaryMask(2, 1, [0, 255]), Throws.ArgumentException.With.Message.Contains("0 or 1"));
        });
    }
}
