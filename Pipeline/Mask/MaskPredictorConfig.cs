namespace CineKernel.Pipeline.Mask;

/// <summary>
/// The inputs of the mask predictor, in concatenation order, and the grid it classifies
/// (original utils/ip_utils.py make_sg2_features_fs: out_res 512).
/// </summary>
public sealed record MaskPredictorConfig(IReadOnlyList<MaskFeatureSource> Sources, int OutputSize)
{
    /// <summary>
    /// StyleGAN2 config-f at 1024: D (512 at 64) and the outputs of convs[8]…convs[15] (256, 256 at 128;
    /// 128, 128 at 256; 64, 64 at 512; 32, 32 at 1024): 1472 channels on a 512 grid.
    /// </summary>
    public static MaskPredictorConfig ConfigF => new(
        [new(512, 64), new(256, 128), new(256, 128), new(128, 256), new(128, 256), new(64, 512), new(64, 512), new(32, 1024), new(32, 1024)], 512);

    public int TotalChannels => Sources.Sum(s => s.Channels);

    /// <summary>Where source <paramref name="i"/>'s channels start in the concatenation (its first-layer weight columns).</summary>
    public int ColumnOffset(int i) => Sources.Take(i).Sum(s => s.Channels);
}
