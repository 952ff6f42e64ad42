using System.Diagnostics;
using CineKernel.Kernels;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Warping;

namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>Receives one finished frame: 3×S×S floats in [0, 1] (R plane, G plane, B plane), valid only during the call.</summary>
public delegate void FrameCallback(int index, ReadOnlySpan<float> rgbPlanes);

/// <summary>
/// A cinemagraph without network weights: the method's frame machinery (DESIGN.md "Frames": Euler
/// integration, joint splatting of both copies with (1−α, α), hole filling, loop schedule, composite) applied
/// to a Laplacian pyramid of the photo instead of the generator's features.
/// <para>
/// Once per cinemagraph (<see cref="Create"/>): the photo is split into band-pass levels at S, S/2, S/4, ...
/// (bilinear halving; each band is the level minus its coarser neighbour upsampled, the coarsest keeps the
/// low-pass); the motion is multiplied by the mask (the original's <c>flow *= mask</c>) and brought to each
/// level exactly as MSDFW brings it to 1024, 512, 256, 128 (<see cref="WarpOneLevel.SetFlow"/>); each band
/// is cut and reflect-padded once; the displacement fields of every level are traced once; the mask is
/// resized bilinearly to S. Per frame: one splat + resolve per level, the collapse (upsample + add, coarse
/// to fine), and the composite m·warped + (1−m)·photo. A mask value of exactly 0 gives exactly the photo.
/// </para>
/// <para>
/// The only device→host copy in the frame loop is the finished frame. Render frames in order
/// t = 0..N−1 (<see cref="Render"/>, <see cref="Frames"/>): that is the displacement fields' efficient path.
/// Not thread-safe.
/// </para>
/// </summary>
public sealed class WeightFreeRenderer : IDisposable
{
    private readonly ComputeDevice device;
    private readonly WarpOneLevel[] levels;
    private readonly DisplacementFields[] fields;
    private readonly Tensor[] bands;      // band-pass level i (1×3×S_i×S_i), coarsest is the low-pass
    private readonly Tensor[] warped;     // warped band i
    private readonly Tensor?[] collapsed; // collapse result at level i (0 < i < last; level 0 collapses into the frame)
    private readonly Tensor image, mask, frame;
    private readonly float[] host;

    private WeightFreeRenderer(ComputeDevice device, CinemagraphOptions options, int size, WarpOneLevel[] levels,
        DisplacementFields[] fields, Tensor[] bands, Tensor image, Tensor mask, StageTimings timings)
    {
        this.device = device;
        Options = options;
        Size = size;
        Schedule = LoopSchedule.Create(options.Loop, options.FrameCount);
        this.levels = levels;
        this.fields = fields;
        this.bands = bands;
        this.image = image;
        this.mask = mask;
        Timings = timings;
        warped = bands.Select(b => device.Allocate(b.Shape)).ToArray();
        collapsed = bands.Take(bands.Length - 1).Select((b, l) => l == 0 ? null : device.Allocate(b.Shape)).ToArray();
        frame = device.Allocate(image.Shape);
        host = new float[image.Length];
    }

    public CinemagraphOptions Options { get; }

    /// <summary>Output side S (the photo's side).</summary>
    public int Size { get; }

    public LoopSchedule Schedule { get; }

    public int FrameCount => Schedule.FrameCount;

    /// <summary>Seconds per stage so far (prepare and integrate after <see cref="Create"/>, frames after <see cref="Render"/>).</summary>
    public StageTimings Timings { get; }

    /// <summary>
    /// Does the once-per-cinemagraph work.
    /// </summary>
    /// <param name="device">Where to compute.</param>
    /// <param name="photo">The photo, S×S (square; S halvable <see cref="CinemagraphOptions.PyramidLevels"/> − 1 times down to at least 8).</param>
    /// <param name="motion">The Eulerian motion field on a square M×M grid (pixels of that grid per frame).
    /// M must reach every level size by doubling or halving (the samples' 512 does for S = 64..4096 powers of two).</param>
    /// <param name="animatedMask">The mask on the motion's grid, or null to animate everything.</param>
    /// <param name="options">Frames, loop mode, pyramid depth.</param>
    /// <exception cref="ArgumentException">The photo or the field is not square, the mask's grid differs, or a level is unreachable.</exception>
    public static WeightFreeRenderer Create(ComputeDevice device, RgbPlanes photo, MotionField motion,
        AnimationMask? animatedMask, CinemagraphOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(photo);
        ArgumentNullException.ThrowIfNull(motion);
        options ??= new CinemagraphOptions();
        if (photo.Width != photo.Height)
            throw new ArgumentException($"cinemagraph: the photo must be square, got {photo.Width}x{photo.Height} (centre-crop it first)");
        int size = photo.Width;
        options.Validate(size);
        if (motion.Width != motion.Height)
            throw new ArgumentException($"cinemagraph: the motion field must be square like the photo, got {motion.Width}x{motion.Height}");
        int motionSize = motion.Width;
        var mask = animatedMask ?? AnimationMask.All(motionSize, motionSize);
        for (int l = 0; l < options.PyramidLevels; l++)
            StepResize.Steps(new Shape4(1, 2, motionSize, motionSize), size >> l); // throws when a level is unreachable

        var timings = new StageTimings();
        var clock = Stopwatch.StartNew();
        var schedule = LoopSchedule.Create(options.Loop, options.FrameCount);

        // The original multiplies the predicted flow by the mask at 512 (flow *= mask) before warping.
        var masked = motion.Masked(mask);

        var owned = new List<IDisposable>();
        try
        {
            var imageTensor = device.Upload(photo.Data, new Shape4(1, 3, size, size));
            owned.Add(imageTensor);
            using var flow = device.Upload(masked.Planes, masked.Shape);
            using var smallMask = device.Upload(mask.Values, new Shape4(1, 1, motionSize, motionSize));
            var maskTensor = device.Allocate(1, 1, size, size);
            owned.Add(maskTensor);
            Resize.Bilinear(smallMask, maskTensor, alignCorners: false);

            var bands = LaplacianPyramid(device, imageTensor, options.PyramidLevels);
            owned.AddRange(bands);
            var levels = new WarpOneLevel[bands.Length];
            for (int l = 0; l < bands.Length; l++)
            {
                levels[l] = new WarpOneLevel(device, bands[l].H, 3);
                owned.Add(levels[l]);
                levels[l].SetFlow(flow);
                levels[l].PadFeature(bands[l]); // the bands never change: pad once
            }
            device.Synchronize();
            timings.Prepare = clock.Elapsed.TotalSeconds;

            clock.Restart();
            var fields = new DisplacementFields[levels.Length];
            for (int l = 0; l < levels.Length; l++)
            {
                fields[l] = levels[l].Integrate(schedule, cropOnly: true);
                owned.Add(fields[l]);
            }
            device.Synchronize();
            timings.Integrate = clock.Elapsed.TotalSeconds;
            return new WeightFreeRenderer(device, options, size, levels, fields, bands, imageTensor, maskTensor, timings);
        }
        catch
        {
            foreach (var d in owned) d.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Band-pass levels of the image: band[l] = G_l − up(G_{l+1}) at S/2^l, the last one G_last, where
    /// G_{l+1} is G_l halved by bilinear resizing (align_corners=False: the 2×2 mean) and up() doubles by
    /// bilinear resizing. Summing up() coarse to fine gives the image back (up to float rounding).
    /// </summary>
    private static Tensor[] LaplacianPyramid(ComputeDevice device, Tensor image, int count)
    {
        var gauss = new Tensor[count];
        var bands = new Tensor[count];
        gauss[0] = image;
        for (int l = 1; l < count; l++)
        {
            var prev = gauss[l - 1];
            gauss[l] = device.Allocate(prev.Shape with { H = prev.H / 2, W = prev.W / 2 });
            Resize.Bilinear(prev, gauss[l], alignCorners: false);
        }
        for (int l = 0; l < count - 1; l++)
        {
            bands[l] = device.Allocate(gauss[l].Shape);
            Resize.Bilinear(gauss[l + 1], bands[l], alignCorners: false);
            ElementWise.AddScaled(gauss[l], bands[l], -1f, bands[l]);
        }
        bands[count - 1] = gauss[count - 1];
        for (int l = 1; l < count - 1; l++) gauss[l].Dispose();
        return bands;
    }

    /// <summary>Computes frame t on the device into the frame tensor (no host copy).</summary>
    private void ComputeFrame(int t, double[]? levelSeconds = null)
    {
        for (int l = 0; l < levels.Length; l++)
        {
            long start = Stopwatch.GetTimestamp();
            var level = levels[l];
            level.Splat(fields[l], t, cropOnly: true); // the band was padded once in Create
            level.ResolveWarped(warped[l]);
            if (levelSeconds is null) continue;
            device.Synchronize(); // only when timing: lets the stage timings say which level costs what
            levelSeconds[l] += Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        // Collapse coarse to fine: r = up(r) + warped band; the finest step fused with the composite
        // m·r + (1−m)·photo, which is exactly the photo where m is 0 (and skips the collapse there).
        if (levels.Length == 1)
        {
            ElementWise.Composite(warped[0], image, mask, frame); // no pyramid: the warped photo itself
            return;
        }
        var result = warped[^1];
        for (int l = levels.Length - 2; l >= 1; l--)
        {
            var expanded = collapsed[l]!;
            Resize.ExpandAdd(result, warped[l], expanded);
            result = expanded;
        }
        Resize.ExpandAdd(result, warped[0], frame, mask, image);
    }

    /// <summary>Renders frame t and copies it to the host (3×S×S floats in [0, 1], not clamped). Prefer <see cref="Render"/> for a whole loop.</summary>
    public float[] RenderFrame(int t)
    {
        Schedule.Alpha(t); // range check
        ComputeFrame(t);
        return frame.ToArray();
    }

    /// <summary>Renders every frame in order, handing each to <paramref name="onFrame"/>.</summary>
    public void Render(FrameCallback onFrame, CancellationToken cancellation = default)
    {
        var levelSeconds = new double[levels.Length];
        (Timings.Frames, Timings.Callback) = FrameLoop.Run(device, FrameCount, t =>
        {
            ComputeFrame(t, levelSeconds);
            return frame;
        }, host, onFrame, cancellation);
        Timings.LevelWarps = levelSeconds;
    }

    /// <summary>Every frame in order, each a new <see cref="RgbPlanes"/> (values clamped to [0, 1]).</summary>
    public IEnumerable<RgbPlanes> Frames()
    {
        for (int t = 0; t < FrameCount; t++)
        {
            var data = RenderFrame(t);
            for (int i = 0; i < data.Length; i++) data[i] = Math.Clamp(data[i], 0f, 1f);
            yield return new RgbPlanes(Size, Size, data);
        }
    }

    public void Dispose()
    {
        foreach (var f in fields) f.Dispose();
        foreach (var l in levels) l.Dispose();
        foreach (var b in bands) b.Dispose();
        foreach (var w in warped) w.Dispose();
        foreach (var c in collapsed) c?.Dispose();
        image.Dispose();
        mask.Dispose();
        frame.Dispose();
    }
}
