using System.Diagnostics;
using System.Reflection;
using System.Reflection.Emit;
using CineKernel.Kernels;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace CineKernel.Tests.Support;

/// <summary>One kernel entry point: the method and how it is launched.</summary>
public sealed record KernelEntry(MethodInfo Method, bool ExplicitlyGrouped)
{
    public string Name => $"{Method.DeclaringType!.Name}.{Method.Name}";

    public EntryPointDescription Description => ExplicitlyGrouped
        ? EntryPointDescription.FromExplicitlyGroupedKernel(Method)
        : EntryPointDescription.FromImplicitlyGroupedKernel(Method);

    public override string ToString() => Name;
}

/// <summary>
/// Compiles kernels for the GPU backends without a GPU: ILGPU's PTX backend (what a CudaAccelerator loads) and
/// its OpenCL C backend, with the context settings the engine uses (<see cref="ComputeDevice.CreateContext"/>).
/// The CPU accelerator runs a kernel's .NET code, so only these show what a GPU would run. A context is unusable
/// after a failed compile, so each compile gets a fresh one.
/// </summary>
public static class BackendCompiler
{
    /// <summary>The PTX targets checked: Pascal, Turing, Ampere, Hopper, each with the lowest PTX ISA that supports it.</summary>
    public static readonly IReadOnlyList<(CudaArchitecture Architecture, CudaInstructionSet InstructionSet)> PtxTargets =
    [
        (CudaArchitecture.SM_60, CudaInstructionSet.ISA_50),
        (CudaArchitecture.SM_75, CudaInstructionSet.ISA_63),
        (CudaArchitecture.SM_80, CudaInstructionSet.ISA_70),
        (CudaArchitecture.SM_90, CudaInstructionSet.ISA_78),
    ];

    /// <summary>The PTX a CUDA device of <paramref name="architecture"/> would load for <paramref name="kernel"/>.</summary>
    public static string CompilePtx(KernelEntry kernel, CudaArchitecture architecture, CudaInstructionSet instructionSet)
    {
        using var context = ComputeDevice.CreateContext();
        using var backend = new PTXBackend(context, new CudaCapabilityContext(architecture), architecture, instructionSet, nvvmAPI: null);
        var compiled = (PTXCompiledKernel)backend.Compile(kernel.Description, KernelSpecialization.Empty);
        return compiled.PTXAssembly;
    }

    /// <summary>The OpenCL C an OpenCL 2.0 device with the generic address space would build for <paramref name="kernel"/>.</summary>
    public static string CompileOpenCL(KernelEntry kernel)
    {
        using var context = ComputeDevice.CreateContext();
        var capabilities = (CLCapabilityContext)Activator.CreateInstance(typeof(CLCapabilityContext),
            BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null, [false, false, false, false, false], null)!;
        using var backend = new CLBackend(context, capabilities, CLDeviceVendor.Other, CLCVersion.CL20);
        var compiled = (CLCompiledKernel)backend.Compile(kernel.Description, KernelSpecialization.Empty);
        return compiled.Source;
    }

    /// <summary>
    /// Functions the PTX declares but does not define (<c>.extern .func</c>): ptxas cannot link them and a CUDA
    /// device refuses the module (MathF.Cbrt and MathF.FusedMultiplyAdd compile to such calls).
    /// </summary>
    public static IReadOnlyList<string> ExternalFunctions(string ptx) =>
        ptx.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith(".extern .func", StringComparison.Ordinal)).ToList();

    /// <summary>ptxas from CINEKERNEL_PTXAS, the repository's .tools/ptxas (made by .ci/ptxas.sh), or PATH; null when absent.</summary>
    public static string? Ptxas { get; } = FindPtxas();

    private static string? FindPtxas()
    {
        if (Environment.GetEnvironmentVariable("CINEKERNEL_PTXAS") is { Length: > 0 } env && File.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, ".tools", "ptxas", "ptxas");
            if (File.Exists(candidate)) return candidate;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, "ptxas"))) return Path.Combine(dir, "ptxas");
        return null;
    }

    /// <summary>Assembles <paramref name="ptx"/> for <paramref name="architecture"/>; returns ptxas's exit code and its messages.</summary>
    public static (int ExitCode, string Messages) Assemble(string ptx, CudaArchitecture architecture)
    {
        string ptxas = Ptxas ?? throw new InvalidOperationException("ptxas is not available");
        string dir = Directory.CreateTempSubdirectory("cinekernel-ptx-").FullName;
        try
        {
            string source = Path.Combine(dir, "kernel.ptx");
            File.WriteAllText(source, ptx);
            var start = new ProcessStartInfo(ptxas, ["-arch", $"sm_{architecture.Major}{architecture.Minor}", "-o", Path.Combine(dir, "kernel.cubin"), source])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var process = Process.Start(start)!;
            string messages = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, messages);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Every kernel of <paramref name="assembly"/>, found from its IL rather than from names: a kernel is a static
    /// method whose address is taken (<c>ldftn</c>, as passing it to a Load call compiles to) and that takes an
    /// <see cref="Index1D"/> first (implicitly grouped) or GPU views (explicitly grouped).
    /// </summary>
    public static IReadOnlyList<KernelEntry> DiscoverKernels(Assembly assembly)
    {
        var found = new HashSet<MethodInfo>();
        foreach (var type in assembly.GetTypes())
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                foreach (var target in IlReader.MethodOperands(method, OpCodes.Ldftn))
                    if (target is MethodInfo { IsStatic: true } m && m.Module == assembly.ManifestModule && LooksLikeKernel(m))
                        found.Add(m);
        return found.Select(m => new KernelEntry(m, ExplicitlyGrouped: !IsIndex(m.GetParameters().FirstOrDefault()?.ParameterType)))
            .OrderBy(k => k.Name, StringComparer.Ordinal).ToList();
    }

    private static bool IsIndex(Type? t) => t == typeof(Index1D) || t == typeof(Index2D) || t == typeof(Index3D);

    private static bool LooksLikeKernel(MethodInfo m) =>
        m.ReturnType == typeof(void) && m.GetParameters() is { Length: > 0 } p
        && (IsIndex(p[0].ParameterType) || p.Any(x => HoldsView(x.ParameterType, depth: 0)));

    private static bool HoldsView(Type t, int depth)
    {
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(ArrayView<>)) return true;
        return depth < 2 && t.IsValueType && !t.IsPrimitive
               && t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Any(f => HoldsView(f.FieldType, depth + 1));
    }
}
