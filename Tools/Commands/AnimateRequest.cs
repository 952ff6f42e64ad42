using System.Globalization;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Warping;
using CineKernel.Pipeline.Weights;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools;

/// <summary>
/// Everything <c>cinekernel animate</c> was asked, parsed and checked once, before any work: option values in
/// range, files that must exist, the sample folder's files resolved (explicit options first). Both renderers'
/// runs read only this.
/// </summary>
internal sealed record AnimateRequest
{
    private static readonly HashSet<string> Valued =
        ["o", "output", "mask", "motion", "arrow", "frames", "fps", "speed", "loop", "size", "region", "device", "preview", "weights", "style", "flow-net"];

    private static readonly HashSet<string> Flags = ["quiet", "q", "overwrite"];

    /// <summary>The photo, and the sample folder's mask and motion when INPUT is a folder.</summary>
    public required AnimateCommand.SampleFiles Input { get; init; }

    public required string Output { get; init; }
    public required int Frames { get; init; }
    public required double Fps { get; init; }

    /// <summary>--speed: a multiplier on the motion (default 1), in (0, <see cref="MotionField.MaxSpeed"/>].</summary>
    public float Speed { get; init; } = 1f;
    public required LoopMode Loop { get; init; }

    /// <summary>
    /// --size: the output's long side in pixels (any integer in 8..<see cref="FrameSize.MaxLongSide"/>; even for MP4), or
    /// null when not given (the photo's own long side, at most <see cref="FrameSize.DefaultLongSideCap"/>).
    /// </summary>
    public int? Size { get; init; }

    /// <summary>
    /// --region x,y,side: the square of the photo the full method's generator runs on (default its centre square);
    /// without --weights, the square the weight-free renderer crops to. Null when not given.
    /// </summary>
    public SquareRequest? Region { get; init; }

    /// <summary>Whether the output is an MP4 (H.264 in yuv420p: both sides even).</summary>
    public bool EvenSides { get; init; }

    public required string Device { get; init; }
    public bool Quiet { get; init; }
    public string? PreviewDir { get; init; }
    public bool Overwrite { get; init; }
    public IReadOnlyList<MotionArrow> Arrows { get; init; } = [];

    /// <summary>--mask, else the sample's mask; null when neither (animate everything, or predict with weights).</summary>
    public string? MaskPath { get; init; }

    /// <summary>--motion (a path, or FILE.npz:NAME), else the sample's motion unless arrows are given; null when neither.</summary>
    public string? MotionPath { get; init; }

    public string? WeightsDir { get; init; }
    public FlowNet FlowNet { get; init; } = FlowNet.Sky;

    /// <summary>Whether --flow-net was given (it matters only when the mask or the motion is predicted).</summary>
    public bool FlowNetGiven { get; init; }
    public string? StylePath { get; init; }

    /// <exception cref="CliException">A usage error (exit 2) or a named file that does not exist (exit 1).</exception>
    public static AnimateRequest Parse(string[] args)
    {
        var o = Options.Parse(args, Valued, Flags);
        if (!o.Has("weights"))
            foreach (var option in new[] { "style", "flow-net" })
                if (o.Has(option)) throw new CliException($"--{option} needs --weights DIR (the full StyleCineGAN path; see weights.md)", 2);
        if (o.Positional.Count != 1) throw new CliException("animate expects one INPUT (an image, or a sample folder NAME/ with NAME.png)", 2);
        string output = o.Get("o") ?? o.Get("output") ?? throw new CliException("animate needs -o OUT (.gif, .mp4 or a folder for PNG frames)", 2);
        // Said in the command's words before any work (the writer refuses too, later and without the option's name).
        if (!o.Has("overwrite") && (File.Exists(output) || (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())))
            throw new CliException($"{output} already exists; add --overwrite to replace it");
        int frames = o.GetInt("frames", 120, 2, CinemagraphOptions.MaxFrames);
        var loop = (o.Get("loop") ?? "seamless").ToLowerInvariant() switch
        {
            "seamless" => LoopMode.Seamless,
            "official" => LoopMode.Official,
            var s => throw new CliException($"--loop must be seamless or official, got '{s}'", 2),
        };
        bool evenSides = output.EndsWith(".mp4", StringComparison.OrdinalIgnoreCase);
        int? size = null;
        if (o.Has("size"))
        {
            int s = o.GetInt("size", 0, 8, FrameSize.MaxLongSide);
            if (evenSides && s % 2 != 0) throw new CliException($"--size {s} is odd; an MP4 (H.264, yuv420p) needs even sides: give {s - 1} or {s + 1}", 2);
            size = s;
        }
        SquareRequest? region = null;
        if (o.Get("region") is { } regionText)
        {
            try { region = SquareRequest.Parse(regionText); }
            catch (FormatException e) { throw new CliException(e.Message, 2); }
            if (region.Value.Side < 1) throw new CliException($"--region {regionText}: the side must be positive", 2);
            if (region.Value.X < 0 || region.Value.Y < 0) throw new CliException($"--region {regionText}: x and y must be at least 0 (the top-left pixel is 0,0)", 2);
        }
        var flowNet = (o.Get("flow-net") ?? "sky").ToLowerInvariant() switch
        {
            "sky" => FlowNet.Sky,
            "fluid" => FlowNet.Fluid,
            var s => throw new CliException($"--flow-net must be sky or fluid, got '{s}'", 2),
        };
        string device = DeviceOption.Resolve(o.Get("device"));
        var arrows = ArrowField.ParseAll(o.GetAll("arrow"));

        // Inputs: explicit options first, then the sample folder's files.
        var input = AnimateCommand.ResolveInput(o.Positional[0]);
        string? motionPath = o.Get("motion") ?? (arrows.Count == 0 ? input.Motion : null);
        if (motionPath is not null && MotionFieldReader.SplitKey(motionPath).Path is var motionFile && !File.Exists(motionFile))
            throw new CliException($"motion file not found: {motionFile}");
        string? maskPath = o.Get("mask") ?? input.Mask;
        if (maskPath is not null && !File.Exists(maskPath)) throw new CliException($"mask file not found: {maskPath}");
        string? stylePath = o.Get("style");
        if (stylePath is not null && !File.Exists(stylePath)) throw new CliException($"style image not found: {stylePath}");
        return new AnimateRequest
        {
            Input = input, Output = output, Frames = frames, Fps = ParseFps(o.Get("fps")), Speed = ParseSpeed(o.Get("speed")), Loop = loop, Size = size, Region = region, EvenSides = evenSides,
            Device = device, Quiet = o.Has("quiet") || o.Has("q"), PreviewDir = o.Get("preview"), Overwrite = o.Has("overwrite"),
            Arrows = arrows, MaskPath = maskPath, MotionPath = motionPath, WeightsDir = o.Get("weights"), FlowNet = flowNet,
            FlowNetGiven = o.Has("flow-net"),
            StylePath = stylePath,
        };
    }

    private static float ParseSpeed(string? text)
    {
        if (text is null) return 1f;
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float speed) || !(speed > 0f) || speed > MotionField.MaxSpeed)
            throw new CliException($"--speed must be a number in (0, {MotionField.MaxSpeed.ToString(CultureInfo.InvariantCulture)}], got '{text}'", 2);
        return speed;
    }

    private static double ParseFps(string? text)
    {
        if (text is null) return 30;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double fps) || !(fps > 0) || fps > 240)
            throw new CliException($"--fps must be a number in (0, 240], got '{text}'", 2);
        return fps;
    }
}
