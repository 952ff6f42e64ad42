using System.Globalization;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Warping;

namespace CineKernel.Tools.Studio;

/// <summary>
/// The page's render settings (the <c>settings</c> JSON field of Preview, Export and the motion view), the same
/// quantities as animate's options, checked with the same ranges: <see cref="Check"/> refuses anything out of range
/// with one line the page shows.
/// </summary>
internal sealed record RenderSettings
{
    /// <summary>Most arrows one request may carry.</summary>
    public const int MaxArrows = 256;

    /// <summary>Frames in the loop (animate's --frames), 2..<see cref="CinemagraphOptions.MaxFrames"/>.</summary>
    public int Frames { get; init; } = 60;

    /// <summary>Playback rate (animate's --fps), (0, 240]; the arrows are the motion over one second of it.</summary>
    public double Fps { get; init; } = 30;

    /// <summary>Multiplier on the motion (animate's --speed), (0, <see cref="MotionField.MaxSpeed"/>].</summary>
    public float Speed { get; init; } = 1f;

    /// <summary><c>seamless</c> or <c>official</c> (animate's --loop).</summary>
    public string Loop { get; init; } = "seamless";

    /// <summary>Output side, a power of two in 64..4096, or 0 for the default (animate's --size).</summary>
    public int Size { get; init; }

    /// <summary>Export format: <c>gif</c>, <c>mp4</c> or <c>png</c> (PNG frames in a zip).</summary>
    public string Format { get; init; } = "gif";

    /// <summary>Motion hints, each [x0, y0, x1, y1] in photo pixels (animate's --arrow).</summary>
    public double[][] Arrows { get; init; } = [];

    /// <summary><c>arrows</c> (the hints above) or <c>predicted</c> (the last Predict motion).</summary>
    public string Motion { get; init; } = "arrows";

    /// <summary>The loop mode named by <see cref="Loop"/>.</summary>
    public LoopMode LoopMode => Loop.ToLowerInvariant() == "official" ? LoopMode.Official : LoopMode.Seamless;

    public bool UsesPredictedMotion => Motion.Equals("predicted", StringComparison.OrdinalIgnoreCase);

    /// <summary>The hints as <see cref="MotionArrow"/>s (after <see cref="Check"/>).</summary>
    public IReadOnlyList<MotionArrow> MotionArrows => Arrows.Select(a => new MotionArrow(a[0], a[1], a[2], a[3])).ToList();

    /// <summary>The export's writer kind.</summary>
    public FrameOutputKind OutputKind => Format.ToLowerInvariant() switch
    {
        "mp4" => FrameOutputKind.Mp4,
        "png" => FrameOutputKind.PngDirectory,
        _ => FrameOutputKind.Gif,
    };

    /// <summary>Checks every value; returns the settings when they are usable.</summary>
    /// <exception cref="StudioException">400 naming the first value out of range.</exception>
    public RenderSettings Check()
    {
        static StudioException Bad(string message) => new(400, message);
        if (Frames < 2 || Frames > CinemagraphOptions.MaxFrames) throw Bad($"loop length must be 2..{CinemagraphOptions.MaxFrames} frames, got {Frames}");
        if (!(Fps > 0 && Fps <= 240)) throw Bad($"fps must be in (0, 240], got {Fps.ToString(CultureInfo.InvariantCulture)}");
        if (!(Speed > 0 && Speed <= MotionField.MaxSpeed))
            throw Bad($"speed must be in (0, {MotionField.MaxSpeed.ToString(CultureInfo.InvariantCulture)}], got {Speed.ToString(CultureInfo.InvariantCulture)}");
        if (Loop?.ToLowerInvariant() is not ("seamless" or "official")) throw Bad($"loop mode must be seamless or official, got '{Loop}'");
        if (Size != 0 && (Size < 64 || Size > 4096 || (Size & (Size - 1)) != 0)) throw Bad($"size must be a power of two in 64..4096, got {Size}");
        if (Format?.ToLowerInvariant() is not ("gif" or "mp4" or "png")) throw Bad($"format must be gif, mp4 or png, got '{Format}'");
        // As animate refuses it: a GIF's delays are whole hundredths, so it cannot play faster (the preview plays as fast as it may).
        if (OutputKind == FrameOutputKind.Gif && Fps > StudioRenderer.GifMaxFps)
            throw Bad($"a GIF plays at most {StudioRenderer.GifMaxFps} fps, {Fps.ToString(CultureInfo.InvariantCulture)} asked; export an MP4 or lower the fps");
        if (Motion?.ToLowerInvariant() is not ("arrows" or "predicted")) throw Bad($"motion must be arrows or predicted, got '{Motion}'");
        if (Arrows is null) throw Bad("arrows must be a list of [x0, y0, x1, y1]");
        if (Arrows.Length > MaxArrows) throw Bad($"at most {MaxArrows} arrows, got {Arrows.Length}");
        for (int i = 0; i < Arrows.Length; i++)
            if (Arrows[i] is not { Length: 4 } a || !a.All(double.IsFinite))
                throw Bad($"arrow {i + 1} must be four finite numbers [x0, y0, x1, y1] in photo pixels");
        return this;
    }
}
