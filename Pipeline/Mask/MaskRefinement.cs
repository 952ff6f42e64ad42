namespace CineKernel.Pipeline.Mask;

/// <summary>
/// The mask clean-up of the original <c>predict_mask</c> (utils/utils.py; DESIGN.md "Mask predictor"),
/// with OpenCV's semantics reproduced pixel for pixel:
/// dilate with the 4×4 ellipse, erode twice with the 3×3 ellipse, fill the small holes of the static
/// region and then of the animated region, and animate everything if too little is left.
/// </summary>
public static class MaskRefinement
{
    /// <summary>Holes and the final mask are compared with this fraction of the image area.</summary>
    public const double AreaFraction = 0.1;

    /// <summary>
    /// The whole clean-up. In the original, on 0/255 images:
    /// <list type="number">
    /// <item>cv2.dilate(kernel 4×4 ellipse), then cv2.erode(kernel 3×3 ellipse, iterations=2);</item>
    /// <item>on the inverted mask (static = white), every hole contour (RETR_CCOMP, parent ≠ −1) whose
    /// cv2.contourArea is below 10% of the image is filled: animated specks inside the static region
    /// become static;</item>
    /// <item>inverted back, the same for holes in the animated region: static specks become animated;</item>
    /// <item>if fewer than 10% of the pixels are animated, every pixel is.</item>
    /// </list>
    /// The original hard-codes the area as 512·512; here it is the mask's own area (the same at 512×512).
    /// </summary>
    public static BinaryMask Refine(BinaryMask initial)
    {
        double area = (double)(initial.Width * initial.Height) * AreaFraction;
        var mask = Dilate(initial, StructuringElement.Ellipse(4, 4));
        mask = Erode(mask, StructuringElement.Ellipse(3, 3), iterations: 2);
        mask = FillSmallHoles(mask.Invert(), area).Invert();
        mask = FillSmallHoles(mask, area);
        return mask.Count < area ? BinaryMask.Filled(mask.Width, mask.Height, 1) : mask;
    }

    /// <summary>
    /// cv2.dilate: out(x, y) = max of in(x + j − anchorX, y + i − anchorY) over the element's cells (j, i),
    /// pixels outside the image ignored (OpenCV's default border for morphology).
    /// </summary>
    public static BinaryMask Dilate(BinaryMask mask, StructuringElement element, int iterations = 1) =>
        Morph(mask, element, iterations, dilate: true);

    /// <summary>cv2.erode: the minimum over the same neighbourhood as <see cref="Dilate"/>, outside pixels ignored.</summary>
    public static BinaryMask Erode(BinaryMask mask, StructuringElement element, int iterations = 1) =>
        Morph(mask, element, iterations, dilate: false);

    private static BinaryMask Morph(BinaryMask mask, StructuringElement element, int iterations, bool dilate)
    {
        int w = mask.Width, h = mask.Height;
        var source = mask.Pixels;
        // Dilation looks for a 1 in the neighbourhood, erosion for a 0; either flips the pixel's answer.
        byte sought = dilate ? (byte)1 : (byte)0;
        for (int it = 0; it < iterations; it++)
        {
            var result = new byte[source.Length];
            for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                bool found = false;
                for (int i = 0; i < element.Height && !found; i++)
                {
                    int sy = y + i - element.AnchorY;
                    if (sy < 0 || sy >= h) continue;
                    for (int j = 0; j < element.Width; j++)
                    {
                        int sx = x + j - element.AnchorX;
                        if (sx < 0 || sx >= w || !element[j, i]) continue;
                        if (source[sy * w + sx] == sought) { found = true; break; }
                    }
                }
                result[y * w + x] = found ? sought : (byte)(1 - sought);
            }
            source = result;
        }
        return new BinaryMask(w, h, source);
    }

    /// <summary>
    /// One hole of the white region: a 4-connected group of 0 pixels that does not reach the image
    /// border (cv2.findContours sees the image inside a frame of zeros, so border-touching zeros are
    /// background, not holes), the area OpenCV gives its contour, and its pixels.
    /// </summary>
    public sealed record Hole(double ContourArea, int[] PixelIndices);

    /// <summary>
    /// Fills every hole of the white region whose contour area is below <paramref name="maxArea"/>,
    /// as the original's loop over cv2.findContours(RETR_CCOMP, CHAIN_APPROX_NONE) does: the contours
    /// with a parent are exactly the hole borders, and cv2.drawContours(…, −1) fills the polygon of one,
    /// which covers the hole, anything inside it, and the border pixels (already white). Whatever lies
    /// inside a filled hole — islands, their own holes — is either white already or a hole with a
    /// smaller contour, so filling each qualifying hole's own pixels gives the same image.
    /// </summary>
    public static BinaryMask FillSmallHoles(BinaryMask mask, double maxArea)
    {
        var pixels = (byte[])mask.Pixels.Clone();
        foreach (var hole in FindHoles(mask))
            if (hole.ContourArea < maxArea)
                foreach (int p in hole.PixelIndices) pixels[p] = 1;
        return new BinaryMask(mask.Width, mask.Height, pixels);
    }

    /// <summary>The holes of the white region, in raster order of their first pixel.</summary>
    public static IReadOnlyList<Hole> FindHoles(BinaryMask mask)
    {
        // Work in a frame one pixel larger on every side, zero, as cv2.findContours pads the image.
        int w = mask.Width, pw = w + 2, ph = mask.Height + 2;
        var white = new bool[pw * ph];
        for (int y = 0; y < mask.Height; y++)
        for (int x = 0; x < w; x++)
            white[(y + 1) * pw + x + 1] = mask.Pixels[y * w + x] != 0;

        // 0 unvisited, -1 background (reachable from the frame), k > 0 hole k.
        var label = new int[pw * ph];
        var queue = new Queue<int>();
        Flood(0, -1);
        var holes = new List<Hole>();
        for (int p = 0; p < white.Length; p++)
        {
            if (white[p] || label[p] != 0) continue;
            // p is the hole's first pixel in raster order, so its left neighbour is white: OpenCV's
            // scan meets this hole there (a 1 followed by a 0) and starts the hole border at p − 1.
            var members = Flood(p, holes.Count + 1);
            var indices = members.Select(q => (q / pw - 1) * w + q % pw - 1).ToArray();
            holes.Add(new Hole(HoleContourArea(white, pw, p - 1), indices));
        }
        return holes;

        List<int> Flood(int seed, int id)
        {
            var members = new List<int>();
            label[seed] = id;
            queue.Enqueue(seed);
            while (queue.Count > 0)
            {
                int q = queue.Dequeue();
                members.Add(q);
                int qx = q % pw, qy = q / pw;
                if (qx > 0) Visit(q - 1);
                if (qx < pw - 1) Visit(q + 1);
                if (qy > 0) Visit(q - pw);
                if (qy < ph - 1) Visit(q + pw);
            }
            return members;

            void Visit(int n)
            {
                if (white[n] || label[n] != 0) return;
                label[n] = id;
                queue.Enqueue(n);
            }
        }
    }

    // Chain-code directions as OpenCV numbers them: 0 east, then counter-clockwise on screen (y down).
    private static readonly int[] DirectionX = [1, 1, 0, -1, -1, -1, 0, 1];
    private static readonly int[] DirectionY = [0, -1, -1, -1, 0, 1, 1, 1];

    /// <summary>
    /// cv2.contourArea of the hole border that starts at the white pixel <paramref name="start"/> (whose
    /// east neighbour is the hole): the border is followed as Suzuki's algorithm in OpenCV's
    /// icvFetchContour does for a hole (first neighbour searched clockwise from east, then each next
    /// border pixel counter-clockwise from the previous one), every border pixel's centre is a polygon
    /// vertex (CHAIN_APPROX_NONE), and the area is the shoelace formula's, unsigned.
    /// </summary>
    private static double HoleContourArea(bool[] white, int pw, int start)
    {
        int Step(int p, int s) => p + DirectionX[s] + DirectionY[s] * pw;

        int dir = 0, first;
        do
        {
            dir = (dir - 1) & 7;
            first = Step(start, dir);
        } while (!white[first] && dir != 0);
        if (dir == 0) return 0; // OpenCV: a single-pixel domain (cannot enclose a hole)

        long twiceArea = 0;
        int current = start;
        while (true)
        {
            int searchEnd = dir + 8, next = current;
            while (dir < searchEnd)
            {
                dir++;
                next = Step(current, dir & 7);
                if (white[next]) break;
            }
            dir &= 7;
            // Shoelace term of the edge current → next (vertices are visited in order, closing at start).
            long cx = current % pw, cy = current / pw, nx = next % pw, ny = next / pw;
            twiceArea += cx * ny - cy * nx;
            if (next == start && current == first) break;
            current = next;
            dir = (dir + 4) & 7;
        }
        return Math.Abs(twiceArea) / 2.0;
    }
}
