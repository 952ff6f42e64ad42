using System.CommandLine;
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

    /// <summary>
    /// animate's arguments and options, each declared once with its meaning (the help) and its value check. To add
    /// an option: a field here, then one line in <see cref="From"/> that reads it into a property of the record.
    /// </summary>
    internal sealed class Syntax : CommandSyntax
    {
        public readonly Argument<string> Input = CliOptions.Positional<string>("INPUT",
            "an image (PNG, JPEG, BMP, GIF, TIFF, WebP, TGA, PBM), or a sample folder NAME/ holding NAME.png (any of those formats, "
            + "names matched ignoring case), optional NAME_mask.png and NAME_motion.npy", ArgumentArity.ExactlyOne);
        public readonly Option<string?> Output = CliOptions.Text("--output", "OUT",
            ".gif, .mp4, or a folder of PNG frames (no extension or a trailing /); written atomically", "-o");
        public readonly Option<string?> Mask = CliOptions.Text("--mask", "PNG",
            "white = animated, black = static, grey = partly (default: the sample's NAME_mask.png; none: everything moves, or predicted with --weights)");
        public readonly Option<string?> Motion = CliOptions.Text("--motion", "FILE",
            "Eulerian motion, x then y in pixels per frame: .npy, .npz (FILE.npz:NAME picks an array) or Middlebury .flo");
        public readonly Option<string[]> Arrow = CliOptions.Repeated("--arrow", "x0,y0,x1,y1",
            "a motion hint in photo pixels: (x0,y0) moves to (x1,y1) in one second; repeatable");
        public readonly Option<int?> Frames = CliOptions.Int("--frames", "N", "frames in the loop, 2..10000", 120, 2, CinemagraphOptions.MaxFrames);
        public readonly Option<double> Fps = CliOptions.Parsed("--fps", "F", "playback rate in frames per second, in (0, 240] (GIF at most 50)", ParseFps, 30.0);
        public readonly Option<float> Speed = CliOptions.Parsed("--speed", "X",
            $"a multiplier on the motion, in (0, {MotionField.MaxSpeed.ToString(CultureInfo.InvariantCulture)}]", ParseSpeed, 1f);
        public readonly Option<LoopMode> Loop = CliOptions.Choice("--loop",
            "seamless: N distinct frames; official: the original's schedule, frame N-1 equals frame 0",
            new Dictionary<string, LoopMode> { ["seamless"] = LoopMode.Seamless, ["official"] = LoopMode.Official }, LoopMode.Seamless);
        public readonly Option<int?> Size = CliOptions.Int("--size", "S",
            $"the output's long side in pixels, 8..{FrameSize.MaxLongSide} (even for MP4; default the photo's own long side, at most {FrameSize.DefaultLongSideCap}); the aspect is kept",
            null, 8, FrameSize.MaxLongSide);
        public readonly Option<SquareRequest?> Region = CliOptions.Parsed<SquareRequest?>("--region", "x,y,side",
            "the square of the photo the full method's generator runs on (default the centre square; the rest of the frame is the photo); without --weights: crop to it",
            ParseRegion, null);
        public readonly Option<string?> Device = DeviceOption.Create();
        public readonly Option<string?> Preview = CliOptions.Text("--preview", "DIR",
            "also write flow.png, mask_overlay.png, frame_first.png, frame_middle.png and contact_sheet.png into DIR");
        public readonly Option<bool> Overwrite = CliOptions.Flag("--overwrite", "replace an existing output (and previews)");
        public readonly Option<bool> Quiet = CliOptions.Flag("--quiet", "no progress bar and no summary on stderr", "-q");
        public readonly Option<string?> Weights = CliOptions.Text("--weights", "DIR",
            "run the full StyleCineGAN method with the converted weights in DIR (weights.md); without: the weight-free renderer");
        public readonly Option<string?> Style = CliOptions.Text("--style", "IMAGE", "with --weights: interpolate the latent toward IMAGE's over the loop");
        public readonly Option<FlowNet> FlowNet = CliOptions.Choice("--flow-net",
            "with --weights: the motion network (and mask class) used when motion or mask are predicted",
            new Dictionary<string, FlowNet> { ["sky"] = Pipeline.Weights.FlowNet.Sky, ["fluid"] = Pipeline.Weights.FlowNet.Fluid }, Pipeline.Weights.FlowNet.Sky);
    }

    /// <summary>The request a parse of <see cref="Syntax"/> describes, with the checks that need several options or the files.</summary>
    /// <exception cref="CliException">A usage error (exit 2) or a named file that does not exist (exit 1).</exception>
    public static AnimateRequest From(ParseResult r, Syntax s)
    {
        bool Has(Option option) => r.Given(option);
        if (!Has(s.Weights))
            foreach (var option in new Option[] { s.Style, s.FlowNet })
                if (Has(option)) throw new CliException($"{option.Name} needs --weights DIR (the full StyleCineGAN path; see weights.md)", 2);
        string output = r.GetValue(s.Output) ?? throw new CliException("animate needs -o OUT (.gif, .mp4 or a folder for PNG frames)", 2);
        bool overwrite = r.GetValue(s.Overwrite);
        string? preview = r.GetValue(s.Preview);
        // Said in the command's words before any work (the writer refuses too, later and without the option's name).
        OutputCheck.Check(output, overwrite);
        if (preview is not null)
        {
            if (string.Equals(Path.GetFullPath(Path.TrimEndingDirectorySeparator(preview)), Path.GetFullPath(Path.TrimEndingDirectorySeparator(output)), StringComparison.Ordinal))
                throw new CliException($"--preview {preview} is the output itself; give the previews a folder of their own", 2);
            OutputCheck.Check(preview, overwrite, "--preview");
        }
        string device = DeviceOption.Resolve(r.GetValue(s.Device));
        IReadOnlyList<MotionArrow> arrows;
        try
        {
            arrows = ArrowField.ParseAll(r.GetValue(s.Arrow) ?? []);
        }
        catch (FormatException e) // a malformed --arrow is a usage error, like any other bad value
        {
            throw new CliException(e.Message, 2);
        }
        bool evenSides = output.EndsWith(".mp4", StringComparison.OrdinalIgnoreCase);
        int? size = r.GetValue(s.Size);
        if (evenSides && size is int odd && odd % 2 != 0)
            throw new CliException($"--size {odd} is odd; an MP4 (H.264, yuv420p) needs even sides: give {odd - 1} or {odd + 1}", 2);

        // Inputs: explicit options first, then the sample folder's files.
        var input = AnimateCommand.ResolveInput(r.GetValue(s.Input)!);
        string? motionPath = r.GetValue(s.Motion) ?? (arrows.Count == 0 ? input.Motion : null);
        if (motionPath is not null && MotionFieldReader.SplitKey(motionPath).Path is var motionFile && !File.Exists(motionFile))
            throw new CliException($"motion file not found: {motionFile}");
        string? maskPath = r.GetValue(s.Mask) ?? input.Mask;
        if (maskPath is not null && !File.Exists(maskPath)) throw new CliException($"mask file not found: {maskPath}");
        string? stylePath = r.GetValue(s.Style);
        if (stylePath is not null && !File.Exists(stylePath)) throw new CliException($"style image not found: {stylePath}");
        return new AnimateRequest
        {
            Input = input, Output = output, Frames = r.GetValue(s.Frames)!.Value, Fps = r.GetValue(s.Fps), Speed = r.GetValue(s.Speed),
            Loop = r.GetValue(s.Loop), Size = size, Region = r.GetValue(s.Region), EvenSides = evenSides, Device = device, Quiet = r.GetValue(s.Quiet),
            PreviewDir = preview, Overwrite = overwrite, Arrows = arrows, MaskPath = maskPath, MotionPath = motionPath, WeightsDir = r.GetValue(s.Weights),
            FlowNet = r.GetValue(s.FlowNet), FlowNetGiven = Has(s.FlowNet), StylePath = stylePath,
        };
    }

    private static SquareRequest? ParseRegion(string text)
    {
        SquareRequest region;
        try { region = SquareRequest.Parse(text); }
        catch (FormatException e) { throw new CliException(e.Message, 2); }
        if (region.Side < 1) throw new CliException($"--region {text}: the side must be positive", 2);
        if (region.X < 0 || region.Y < 0) throw new CliException($"--region {text}: x and y must be at least 0 (the top-left pixel is 0,0)", 2);
        return region;
    }

    private static float ParseSpeed(string text)
    {
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float speed) || !(speed > 0f) || speed > MotionField.MaxSpeed)
            throw new CliException($"--speed must be a number in (0, {MotionField.MaxSpeed.ToString(CultureInfo.InvariantCulture)}], got '{text}'", 2);
        return speed;
    }

    private static double ParseFps(string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double fps) || !(fps > 0) || fps > 240)
            throw new CliException($"--fps must be a number in (0, 240], got '{text}'", 2);
        return fps;
    }
}
