using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// Reflection padding (torch <c>ReflectionPad2d</c> / <c>F.pad(mode='reflect')</c>: the edge pixel is not
/// repeated), cropping, and pasting a window back. Both read a window of the input, so the level cut and the pad of
/// <c>blend_feature</c> (DESIGN.md "Warp at one level") are one kernel, and negation (the original pads
/// <c>-flow</c>) is a value scale.
/// </summary>
public static class Padding
{
    /// <summary>
    /// output = reflect-pad of <paramref name="source"/> (default: the whole input plane) with
    /// <paramref name="padTop"/> rows above and <paramref name="padLeft"/> columns to the left; the bottom and
    /// right pads are what fills output's H×W. Every pad must be smaller than the window (as torch requires).
    /// </summary>
    public static void Reflect(Tensor input, Tensor output, int padTop, int padLeft, Window? source = null, float valueScale = 1f)
    {
        var window = source ?? Window.Of(input);
        RequireWindow(input, output, window, "reflection pad");
        int padBottom = output.H - window.Height - padTop;
        int padRight = output.W - window.Width - padLeft;
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0)
            throw new ArgumentException(
                $"reflection pad: output {output.Shape} cannot hold {window} padded by top {padTop}, left {padLeft}");
        if (padTop >= window.Height || padBottom >= window.Height || padLeft >= window.Width || padRight >= window.Width)
            throw new ArgumentException(
                $"reflection pad: pads (top {padTop}, bottom {padBottom}, left {padLeft}, right {padRight}) must be smaller than the padded window {window.Height}×{window.Width}");
        Launch(input, output, window, padTop, padLeft, valueScale);
    }

    /// <summary>output = input[:, :, top:top+output.H, left:left+output.W].</summary>
    public static void Crop(Tensor input, Tensor output, int top, int left)
    {
        var window = new Window(top, left, output.H, output.W);
        RequireWindow(input, output, window, "crop");
        Launch(input, output, window, 0, 0, 1f);
    }

    /// <summary>
    /// output = <paramref name="background"/> with <paramref name="patch"/> written over rows top..top+h−1 and
    /// columns left..left+w−1 of every plane, in one pass (a square cinemagraph region put back into the whole photo).
    /// Shapes: background and output N×C×H×W, patch N×C×h×w lying inside it. A pure copy: exact.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes differ in N or C, or the patch does not lie inside the output.</exception>
    public static void Paste(Tensor background, Tensor patch, Tensor output, int top, int left)
    {
        if (background.Shape != output.Shape)
            throw new ArgumentException($"paste: background {background.Shape} and output {output.Shape} differ");
        RequireWindow(output, patch, new Window(top, left, patch.H, patch.W), "paste");
        int threads = GridStride.Threads(output.Device, output.Length);
        var p = new WindowParams(patch.H, patch.W, top, left, patch.H, patch.W, 0, 0, output.H, output.W, 1f, (int)output.Length, threads);
        output.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, WindowParams>(PasteKernel)(threads, background.View, patch.View, output.View, p);
    }

    private static void RequireWindow(Tensor input, Tensor output, Window w, string what)
    {
        if (input.N != output.N || input.C != output.C)
            throw new ArgumentException($"{what}: input {input.Shape} and output {output.Shape} differ in N or C");
        if (w.Top < 0 || w.Left < 0 || w.Height < 1 || w.Width < 1 || w.Top + w.Height > input.H || w.Left + w.Width > input.W)
            throw new ArgumentException($"{what}: window {w} does not fit in input {input.Shape}");
    }

    private static void Launch(Tensor input, Tensor output, Window w, int padTop, int padLeft, float valueScale)
    {
        int threads = GridStride.Threads(input.Device, output.Length);
        var p = new WindowParams(input.H, input.W, w.Top, w.Left, w.Height, w.Width, padTop, padLeft, output.H, output.W, valueScale,
            (int)output.Length, threads);
        input.Device.Load<ArrayView<float>, ArrayView<float>, WindowParams>(WindowKernel)(threads, input.View, output.View, p);
    }

    internal readonly record struct WindowParams(
        int InH, int InW, int Top, int Left, int Height, int Width, int PadTop, int PadLeft, int OutH, int OutW, float ValueScale,
        int Count, int Stride);

    /// <summary>Reflects an index into [0, n): −1 → 1, n → n−2 (valid for overhangs below n).</summary>
    private static int ReflectIndex(int i, int n) => i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;

    /// <summary>Each output element: the patch's where the window covers it (In* = the patch's size), else the background's.</summary>
    private static void PasteKernel(Index1D thread, ArrayView<float> background, ArrayView<float> patch, ArrayView<float> output, WindowParams p)
    {
        for (int i = thread; i < p.Count; i += p.Stride)
        {
            int x = i % p.OutW;
            int y = i / p.OutW % p.OutH;
            int plane = i / (p.OutW * p.OutH);
            int py = y - p.Top, px = x - p.Left;
            output[i] = py >= 0 && py < p.Height && px >= 0 && px < p.Width
                ? patch[((long)plane * p.InH + py) * p.InW + px]
                : background[i];
        }
    }

    private static void WindowKernel(Index1D thread, ArrayView<float> input, ArrayView<float> output, WindowParams p)
    {
        for (int i = thread; i < p.Count; i += p.Stride)
        {
            int x = i % p.OutW;
            int y = i / p.OutW % p.OutH;
            int plane = i / (p.OutW * p.OutH);
            int sy = p.Top + ReflectIndex(y - p.PadTop, p.Height);
            int sx = p.Left + ReflectIndex(x - p.PadLeft, p.Width);
            output[i] = input[((long)plane * p.InH + sy) * p.InW + sx] * p.ValueScale;
        }
    }
}
