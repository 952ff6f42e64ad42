using System.Runtime.InteropServices;

namespace CineKernel.Kernels;

/// <summary>
/// Host memory of the CPU accelerator. Fresh pages cost a fault each when first written, and on Linux a fault is
/// slow enough that zeroing a new buffer of the 1024 level's displacement fields costs far more than clearing one
/// already touched (README "Performance" has the figures). Large buffers are therefore advised to use transparent
/// huge pages (one fault per 2 MiB instead of per 4 KiB) before they are zeroed. Advisory only: where madvise is
/// missing or refused nothing changes but the speed.
/// </summary>
internal static partial class HostMemory
{
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE
    private const long HugePage = 2L << 20;

    /// <summary>Advises huge pages for the 2 MiB-aligned interior of [address, address + bytes) (Linux only).</summary>
    public static void AdviseHugePages(IntPtr address, long bytes)
    {
        if (!OperatingSystem.IsLinux() || bytes < 2 * HugePage || address == IntPtr.Zero) return;
        long start = (address.ToInt64() + HugePage - 1) & ~(HugePage - 1);
        long end = (address.ToInt64() + bytes) & ~(HugePage - 1);
        if (end <= start) return;
        try
        {
            _ = Madvise((IntPtr)start, (UIntPtr)(ulong)(end - start), MadviseHugePage);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No libc madvise (another C library): keep the default pages.
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(IntPtr address, UIntPtr length, int advice);
}
