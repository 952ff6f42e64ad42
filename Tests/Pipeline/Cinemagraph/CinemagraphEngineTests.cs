using CineKernel.Kernels;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Warping;
using CineKernel.Pipeline.Weights;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline.Cinemagraph;

/// <summary>
/// The engine: programs built once and reused (counted), frames equal to a renderer built on its own for the same
/// photo (bit for bit: the reused program is rerun with new inputs), per-photo options, progress, cancellation,
/// renders serialized across threads, and disposal releasing the built programs.
/// </summary>
public class CinemagraphEngineTests
{
    private const int Size = 64, Frames = 4;

    private static RgbPlanes Photo(int seed) =>
        new(Size, Size, Numerics.Random(3 * Size * Size, seed).Select(v => 0.5f + 0.45f * v).ToArray());

    private static MotionField Motion(float scale = 1) =>
        new(Size, Size, AnimateSample.Motion(Size).Select(v => v * scale).ToArray());

    private static AnimationMask HalfMask()
    {
        var m = new float[Size * Size];
        for (int y = 0; y < Size; y++)
            for (int x = Size / 2; x < Size; x++) m[y * Size + x] = 1f;
        return new AnimationMask(Size, Size, m);
    }

    private static CinemagraphJob Job(int seed, int frames = Frames, float scale = 1) => new()
    {
        Photo = Photo(seed), Motion = Motion(scale), Mask = HalfMask(),
        Options = new CinemagraphOptions { FrameCount = frames, Loop = LoopMode.Seamless },
    };

    private static List<float[]> Collect(CinemagraphEngine engine, CinemagraphJob job)
    {
        var frames = new List<float[]>();
        engine.Render(job, (t, rgb) =>
        {
            Assert.That(t, Is.EqualTo(frames.Count), "frames arrive in order, as made");
            frames.Add(rgb.ToArray());
        });
        return frames;
    }

    /// <summary>The same photo through a renderer of its own (a fresh program).</summary>
    private static List<float[]> Alone(CinemagraphJob job)
    {
        using var renderer = WeightFreeRenderer.Create(TestDevice.Instance, job.Photo, job.Motion!, job.Mask, job.Options);
        var frames = new List<float[]>();
        renderer.Render((_, rgb) => frames.Add(rgb.ToArray()));
        return frames;
    }

    private static void AssertSame(List<float[]> actual, List<float[]> expected, string what)
    {
        Assert.That(actual, Has.Count.EqualTo(expected.Count), what);
        for (int t = 0; t < expected.Count; t++) AssertSameFrame(actual[t], expected[t], $"{what}: frame {t}");
    }

    /// <summary>
    /// The same bits on the CPU accelerator; elsewhere within 1e-6, because the splat's float atomics add in whatever
    /// order the device runs them (two runs of one program differ in the last bits on OpenCL or CUDA).
    /// </summary>
    internal static void AssertSameFrame(float[] actual, float[] expected, string what)
    {
        if (TestDevice.Instance.Kind == DeviceKind.Cpu) Assert.That(actual, Is.EqualTo(expected), what);
        else Numerics.AssertClose(actual, expected, 1e-6, what);
    }

    [Test]
    public void TwoPhotosInARowBuildTheFrameProgramOnceAndRenderWhatARendererAloneRenders()
    {
        using var engine = CinemagraphEngine.Open(TestDevice.Instance);
        var a = Collect(engine, Job(1));
        int kernels = TestDevice.Instance.CompiledKernelCount;
        var b = Collect(engine, Job(2, scale: 0.5f)); // another photo and another motion, same sizes and settings
        Assert.Multiple(() =>
        {
            Assert.That(engine.ProgramsBuilt, Is.EqualTo(1), "one frame program for both photos");
            Assert.That(engine.ProgramsReused, Is.EqualTo(1), "the second photo reused it");
            Assert.That(TestDevice.Instance.CompiledKernelCount, Is.EqualTo(kernels), "no kernel compiled for the second photo");
        });
        AssertSame(a, Alone(Job(1)), "first photo");
        AssertSame(b, Alone(Job(2, scale: 0.5f)), "second photo, on the reused program");
        Assert.That(a[1], Is.Not.EqualTo(b[1]), "the second photo's frames are its own");
    }

    [Test]
    public void PerPhotoOptionsThatShapeTheProgramGetTheirOwnAndOthersReuse()
    {
        using var engine = CinemagraphEngine.Open(TestDevice.Instance);
        Collect(engine, Job(1, frames: 4));
        var three = Collect(engine, Job(2, frames: 3));
        Collect(engine, Job(3, frames: 4));
        Collect(engine, Job(4, frames: 3));
        Assert.Multiple(() =>
        {
            Assert.That(three, Has.Count.EqualTo(3));
            Assert.That(engine.ProgramsBuilt, Is.EqualTo(2), "one program per frame count");
            Assert.That(engine.ProgramsReused, Is.EqualTo(2));
            Assert.That(engine.IdlePrograms, Is.EqualTo(2));
        });
        AssertSame(three, Alone(Job(2, frames: 3)), "3-frame photo");
    }

    [Test]
    public void ProgressIsReportedAfterPreparingAndAfterEveryFrame()
    {
        using var engine = CinemagraphEngine.Open(TestDevice.Instance);
        var reports = new List<CinemagraphProgress>();
        engine.Render(Job(1), (_, _) => { }, new SynchronousProgress(reports.Add));
        Assert.That(reports.Select(r => r.FramesDone), Is.EqualTo(Enumerable.Range(0, Frames + 1)));
        Assert.That(reports.All(r => r.FrameCount == Frames), Is.True);
        Assert.That(reports[^1].Fraction, Is.EqualTo(1.0));
    }

    [Test]
    public void CancellationStopsBetweenFramesAndTheEngineRendersTheNextPhoto()
    {
        using var engine = CinemagraphEngine.Open(TestDevice.Instance);
        using var cancel = new CancellationTokenSource();
        int seen = 0;
        Assert.Throws<OperationCanceledException>(() => engine.Render(Job(1), (t, _) =>
        {
            seen++;
            if (t == 1) cancel.Cancel();
        }, cancellation: cancel.Token));
        Assert.That(seen, Is.EqualTo(2), "no frame after the one that cancelled");
        AssertSame(Collect(engine, Job(2)), Alone(Job(2)), "the photo after a cancelled one");
    }

    [Test]
    public void RenderToAFileIsAtomicAndCancelledLeavesNothing()
    {
        string dir = Path.Combine(Path.GetTempPath(), "cinekernel-tests", "engine-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            using var engine = CinemagraphEngine.Open(TestDevice.Instance);
            string gif = Path.Combine(dir, "a.gif");
            engine.Render(Job(1), gif);
            Assert.That(new FileInfo(gif).Length, Is.GreaterThan(100));
            using var cancel = new CancellationTokenSource();
            var progress = new SynchronousProgress(p => { if (p.FramesDone == 2) cancel.Cancel(); });
            Assert.Throws<OperationCanceledException>(() => engine.Render(Job(2), Path.Combine(dir, "b.gif"), progress: progress, cancellation: cancel.Token));
            Assert.That(Directory.GetFileSystemEntries(dir).Select(Path.GetFileName), Is.EqualTo(new[] { "a.gif" }), "no partial output");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void ConcurrentCallersAreServedOneAtATimeWithTheSameFrames()
    {
        // Stated: any thread may call; renders run one at a time. Four threads at once, each twice.
        using var engine = CinemagraphEngine.Open(TestDevice.Instance);
        int inside = 0, overlaps = 0;
        var results = new List<float[]>[8];
        var threads = Enumerable.Range(0, 4).Select(i => new Thread(() =>
        {
            for (int k = 0; k < 2; k++)
            {
                var frames = new List<float[]>();
                engine.Render(Job(10 + 2 * i + k), (_, rgb) =>
                {
                    if (Interlocked.Increment(ref inside) > 1) Interlocked.Increment(ref overlaps);
                    frames.Add(rgb.ToArray());
                    Thread.Sleep(1); // gives another thread the chance to interleave, were it allowed to
                    Interlocked.Decrement(ref inside);
                });
                results[2 * i + k] = frames;
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Multiple(() =>
        {
            Assert.That(overlaps, Is.Zero, "no two renders interleave");
            Assert.That(engine.PeakConcurrentRenders, Is.EqualTo(1));
            Assert.That(engine.ProgramsBuilt, Is.EqualTo(1), "eight photos, one program");
        });
        for (int j = 0; j < 8; j++) AssertSame(results[j], Alone(Job(10 + j)), $"photo {j}");
    }

    [Test]
    public void PreparingTwiceOnOneThreadIsRefusedInsteadOfWaitingForItself()
    {
        using var engine = CinemagraphEngine.Open(TestDevice.Instance);
        using var first = engine.Prepare(Job(1));
        var e = Assert.Throws<InvalidOperationException>(() => engine.Prepare(Job(2)));
        Assert.That(e!.Message, Does.Contain("dispose it"));
    }

    [Test]
    public void DisposeReleasesTheBuiltProgramsAndRefusesLaterWork()
    {
        var engine = CinemagraphEngine.Open(TestDevice.Instance);
        Collect(engine, Job(1));
        Assert.That(engine.IdlePrograms, Is.EqualTo(1));
        engine.Dispose();
        Assert.That(engine.IdlePrograms, Is.Zero, "the idle program was released");
        Assert.Throws<ObjectDisposedException>(() => engine.Render(Job(2), (_, _) => { }));
        // The device lent to the engine stays usable.
        using var t = TestDevice.Instance.Upload([1f, 2f], new Shape4(1, 1, 1, 2));
        Assert.That(t.ToArray(), Is.EqualTo(new[] { 1f, 2f }));
    }

    [Test]
    public void AnEngineThatOpensTheDeviceClosesIt()
    {
        var engine = CinemagraphEngine.Open("cpu");
        Collect(engine, Job(1, frames: 2));
        engine.Dispose();
        Assert.That(engine.Device.Accelerator.IsDisposed, Is.True);
    }

    [Test]
    public void TheWeightFreeEngineRefusesWhatOnlyTheFullMethodDoes()
    {
        using var engine = CinemagraphEngine.Open(TestDevice.Instance);
        Assert.Throws<ArgumentException>(() => engine.Render(Job(1) with { Motion = null }, (_, _) => { }));
        Assert.Throws<ArgumentException>(() => engine.Render(Job(1) with { OutputSize = 32 }, (_, _) => { }));
        Assert.That(Collect(engine, Job(2, frames: 2)), Has.Count.EqualTo(2), "a refused job leaves the engine usable");
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<CinemagraphProgress> report) : IProgress<CinemagraphProgress>
    {
        public void Report(CinemagraphProgress value) => report(value);
    }
}

/// <summary>The engine with weights (the tiny folder): every network built once for two photos, the frames as a renderer alone gives them.</summary>
public class CinemagraphEngineFullMethodTests
{
    private const int G = TinyWeightsFolder.GeneratorSize;
    private string dir = "";

    [OneTimeSetUp]
    public void CreateFolder() =>
        dir = TinyWeightsFolder.Create(Path.Combine(Path.GetTempPath(), "cinekernel-tests", "engine-full-" + Guid.NewGuid().ToString("N")[..8]));

    [OneTimeTearDown]
    public void DeleteFolder()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    private static RgbPlanes Photo(int seed) => new(G, G, Numerics.Random(3 * G * G, seed).Select(v => 0.5f + 0.45f * v).ToArray());

    [Test]
    public void TwoPhotosInARowBuildEachNetworkOnce()
    {
        using var weights = WeightsFolder.Open(dir, FlowNet.Sky);
        using var engine = CinemagraphEngine.Open(TestDevice.Instance, weights);
        var options = new CinemagraphOptions { FrameCount = 2 };
        var frames = new List<float[]>();
        foreach (int seed in new[] { 21, 22 })
        {
            frames.Clear();
            engine.Render(new CinemagraphJob { Photo = Photo(seed), Options = options }, (_, rgb) => frames.Add(rgb.ToArray())); // mask and motion predicted
        }
        Assert.That(engine.ProgramsBuilt, Is.EqualTo(4), "encoder, mask predictor, motion network, frame program: built for the first photo only");
        Assert.That(engine.ProgramsReused, Is.EqualTo(4));

        using var alone = StyleCineGanRenderer.Create(TestDevice.Instance, weights,
            new StyleCineGanInputs { Photo = Photo(22), GridSize = G / 2 }, options);
        var expected = new List<float[]>();
        alone.Render((_, rgb) => expected.Add(rgb.ToArray()));
        for (int t = 0; t < expected.Count; t++) CinemagraphEngineTests.AssertSameFrame(frames[t], expected[t], $"second photo, frame {t}");
    }
}
