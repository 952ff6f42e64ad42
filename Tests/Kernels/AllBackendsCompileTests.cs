using System.Reflection;
using CineKernel.Kernels;
using CineKernel.Tests.Support;
using ILGPU;
using ILGPU.Runtime;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

/// <summary>
/// Every kernel of the Kernels assembly compiled the way a GPU would get it, with no GPU: PTX for sm_60, sm_75,
/// sm_80 and sm_90 with no unresolved external function, assembled by ptxas for sm_90 when it is present
/// (.ci/ptxas.sh provides it in CI), and OpenCL C. The CPU accelerator never runs this code.
/// </summary>
public class AllBackendsCompileTests
{
    private static readonly Assembly kernels = typeof(ComputeDevice).Assembly;

    public static IEnumerable<KernelEntry> Kernels() => BackendCompiler.DiscoverKernels(kernels);

    [Test]
    public void EveryKernelIsFoundAndNamedSo()
    {
        var found = Kernels().Select(k => k.Method).ToHashSet();
        var named = kernels.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(m => m.Name.EndsWith("Kernel", StringComparison.Ordinal) && m.ReturnType == typeof(void)).ToList(); // not Upfirdn2d.SeparableKernel, a FIR filter
        Assert.That(named, Is.Not.Empty);
        Assert.That(named.Where(m => !found.Contains(m)).Select(m => $"{m.DeclaringType!.Name}.{m.Name}"), Is.Empty,
            "methods named *Kernel that the IL scan did not find as kernels");
        Assert.That(found.Where(m => !m.Name.EndsWith("Kernel", StringComparison.Ordinal)).Select(m => $"{m.DeclaringType!.Name}.{m.Name}"), Is.Empty,
            "kernels whose names do not end in Kernel");
        Assert.That(Kernels().Count(k => k.ExplicitlyGrouped), Is.GreaterThan(0), "the grouped reductions are found too");
    }

    [TestCaseSource(nameof(Kernels))]
    public void CompilesToPtxForEveryTargetAndAssembles(KernelEntry kernel)
    {
        foreach (var (architecture, isa) in BackendCompiler.PtxTargets)
        {
            string ptx = BackendCompiler.CompilePtx(kernel, architecture, isa);
            Assert.That(ptx, Does.Contain(".entry"), $"{kernel} for {architecture}");
            Assert.That(BackendCompiler.ExternalFunctions(ptx), Is.Empty, $"{kernel} for {architecture} calls functions no GPU can link");
            if (BackendCompiler.Ptxas is not null && architecture.Major == 9)
            {
                var (exit, messages) = BackendCompiler.Assemble(ptx, architecture);
                Assert.That(exit, Is.Zero, $"ptxas -arch sm_90 on {kernel}: {messages}");
            }
        }
    }

    [TestCaseSource(nameof(Kernels))]
    public void CompilesToOpenCLC(KernelEntry kernel)
    {
        string source = BackendCompiler.CompileOpenCL(kernel);
        Assert.That(source, Does.Contain("kernel void"), kernel.Name);
    }

    /// <summary>CI must assemble, not only generate: there ptxas has to be present.</summary>
    [Test]
    public void PtxasIsPresentInCi()
    {
        if (Environment.GetEnvironmentVariable("CI") is not { Length: > 0 })
            Assert.Ignore("not CI: ptxas is optional here (run .ci/ptxas.sh to get it)");
        Assert.That(BackendCompiler.Ptxas, Is.Not.Null, "CI runs .ci/ptxas.sh before the tests");
    }

    /// <summary>The canary: a kernel the CPU accelerator runs happily but no CUDA device can load.</summary>
    [Test]
    public void CanaryKernelWithAnUnresolvableMathFunctionFailsTheCheck()
    {
        var canary = new KernelEntry(typeof(AllBackendsCompileTests).GetMethod(nameof(CubeRootKernel), BindingFlags.NonPublic | BindingFlags.Static)!, false);
        var (architecture, isa) = BackendCompiler.PtxTargets[^1];
        string ptx = BackendCompiler.CompilePtx(canary, architecture, isa);
        Assert.That(BackendCompiler.ExternalFunctions(ptx), Is.Not.Empty, "MathF.Cbrt compiles to an external call");
        if (BackendCompiler.Ptxas is not null)
            Assert.That(BackendCompiler.Assemble(ptx, architecture).ExitCode, Is.Not.Zero, "ptxas refuses the unresolved call");
    }

    private static void CubeRootKernel(Index1D i, ArrayView<float> x) => x[i] = MathF.Cbrt(x[i]);
}
