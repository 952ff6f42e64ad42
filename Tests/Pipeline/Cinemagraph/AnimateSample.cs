using CineKernel.Tests.Pipeline.IO;
using CineKernel.Tests.WeightsLoader;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Tests.Pipeline.Cinemagraph;

/// <summary>
/// A small cinemagraph input in the samples' layout, made at run time so its pixels are known exactly:
/// NAME/NAME.png (noise, so every shift shows), NAME_mask.png (the right half white = animated) and
/// NAME_motion.npy ((1, 2, S, S) float32, a constant drift, so the masked motion is zero on the left half).
/// </summary>
internal static class AnimateSample
{
    public const float DriftX = 0.8f, DriftY = 0.45f;

    /// <summary>Animated when x ≥ this column.</summary>
    public static int MaskStart(int size) => size / 2;

    public static string Create(string parent, string name = "scene", int size = 64)
    {
        string dir = Path.Combine(parent, name);
        Directory.CreateDirectory(dir);
        using (var photo = IoTestFiles.Noise(size, size, seed: 7)) photo.SaveAsPng(Path.Combine(dir, name + ".png"));
        using (var mask = IoTestFiles.Make(size, size, (x, _) => x >= MaskStart(size) ? new Rgb24(255, 255, 255) : new Rgb24(0, 0, 0)))
            mask.SaveAsPng(Path.Combine(dir, name + "_mask.png"));
        File.WriteAllBytes(Path.Combine(dir, name + "_motion.npy"), MotionNpy(size));
        return dir;
    }

    public static float[] Motion(int size)
    {
        var m = new float[2 * size * size];
        Array.Fill(m, DriftX, 0, size * size);
        Array.Fill(m, DriftY, size * size, size * size);
        return m;
    }

    public static byte[] MotionNpy(int size) =>
        TestFiles.Npy($"{{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, {size}, {size}), }}", TestFiles.Floats(Motion(size)));
}
