using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CineKernel.Bench.Support;
using CineKernel.Kernels;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;

namespace CineKernel.Bench;

/// <summary>
/// Photos per hour for a collection (issue 13), weight-free at 512², the sample's photo, mask and motion, a GIF per
/// photo: one <see cref="CinemagraphEngine"/> rendering <see cref="Photos"/> photos in a row (device open, kernels
/// compiled and the frame program built once, in the setup as a long batch amortises them) against one
/// <c>cinekernel animate</c> process per photo (the built tool from Tools/bin/Release, or $CINEKERNEL_TOOL), in the
/// same run and on the same device ($CINEKERNEL_DEVICE, default cpu). Both read the photo and write the GIF.
/// </summary>
[Config(typeof(Config))]
public class ManyPhotosBenchmarks
{
    /// <summary>Photos per operation.</summary>
    public const int Photos = 3;

    /// <summary>Frames per photo (one second at 24 fps), kept short so the run fits a busy machine.</summary>
    public const int Frames = 24;

    public const int Size = 512;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Median, new PhotosPerHourColumn(Photos));
            // Seconds per operation: a few monitored iterations, in this process (the engine's setup is the point).
            AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3)
                .WithInvocationCount(1).WithUnrollFactor(1).WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(2), logOutput: true))); // the default in-process timeout (10 min) is shorter than a busy machine's operation
        }
    }

    private string sample = "", tool = "", device = "", outDir = "";
    private CinemagraphEngine engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        string root = FindRoot();
        sample = Path.Combine(root, "samples", "0002268");
        tool = ToolProcess.Find(root);
        device = Environment.GetEnvironmentVariable(ComputeDevice.EnvironmentVariable) is { Length: > 0 } d ? d.Trim() : "cpu";
        outDir = Path.Combine(Path.GetTempPath(), "cinekernel-bench-photos-" + Environment.ProcessId);
        Directory.CreateDirectory(outDir);
        engine = CinemagraphEngine.Open(device);
        RenderWithEngine(1); // compiles the kernels and builds the program, as the first photo of a batch does
    }

    [Benchmark(Baseline = true, Description = "one process per photo")]
    public void ProcessPerPhoto()
    {
        for (int i = 0; i < Photos; i++)
        {
            ToolProcess.Run(tool, ["animate", sample, "-o", Path.Combine(outDir, $"process{i}.gif"), "--size", $"{Size}", "--frames", $"{Frames}",
                "--device", device, "--quiet", "--overwrite"]);
        }
    }

    [Benchmark(Description = "one engine")]
    public void OneEngine() => RenderWithEngine(Photos);

    private void RenderWithEngine(int photos)
    {
        string name = Path.GetFileName(sample);
        for (int i = 0; i < photos; i++)
        {
            var photo = ImageInput.Load(Path.Combine(sample, name + ".png"), Size);
            var motion = MotionField.Load(Path.Combine(sample, name + "_motion.npy"));
            var mask = MaskInput.Load(Path.Combine(sample, name + "_mask.png"), motion.Width, motion.Height).Mask;
            string output = Path.Combine(outDir, $"engine{i}.gif");
            File.Delete(output);
            engine.Render(new CinemagraphJob { Photo = photo.Pixels, Motion = motion, Mask = mask, Options = new CinemagraphOptions { FrameCount = Frames } },
                output, new FrameWriterOptions { Fps = 24 });
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        engine.Dispose();
        Directory.Delete(outDir, recursive: true);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CineKernel.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
