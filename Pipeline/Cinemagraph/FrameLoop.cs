using System.Diagnostics;
using ILGPU.Runtime;
using CineKernel.Kernels;
using CineKernel.Pipeline.IO;

namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>
/// The frame loop both renderers share: compute frame t on the device, copy it into one host buffer (the only
/// device→host copy per frame, DESIGN.md "Performance"), hand it to the callback, in order t = 0..N−1.
/// </summary>
internal static class FrameLoop
{
    /// <returns>Seconds of the whole loop, and of those spent in <paramref name="onFrame"/>.</returns>
    public static (double Seconds, double CallbackSeconds) Run(ComputeDevice device, int frameCount, Func<int, Tensor> computeFrame,
        float[] host, FrameCallback onFrame, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(onFrame);
        var clock = Stopwatch.StartNew();
        double callback = 0;
        for (int t = 0; t < frameCount; t++)
        {
            cancellation.ThrowIfCancellationRequested();
            var frame = computeFrame(t);
            device.Synchronize();
            frame.View.CopyToCPU(device.Stream, host.AsSpan());
            device.Stream.Synchronize();
            long before = Stopwatch.GetTimestamp();
            onFrame(t, host);
            callback += Stopwatch.GetElapsedTime(before).TotalSeconds;
        }
        return (clock.Elapsed.TotalSeconds, callback);
    }

    /// <summary>Frames 0..N−1 from <paramref name="renderFrame"/>, each a new W×H <see cref="RgbPlanes"/> clamped to [0, 1].</summary>
    public static IEnumerable<RgbPlanes> Clamped(int frameCount, int width, int height, Func<int, float[]> renderFrame)
    {
        for (int t = 0; t < frameCount; t++)
        {
            var data = renderFrame(t);
            for (int i = 0; i < data.Length; i++) data[i] = Math.Clamp(data[i], 0f, 1f);
            yield return new RgbPlanes(width, height, data);
        }
    }
}
