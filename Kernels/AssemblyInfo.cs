using System.Runtime.CompilerServices;

// ILGPU's CPU accelerator emits its kernel launchers into a dynamic assembly named ILGPURuntime; kernels
// whose parameter structs are internal (implementation details of an op family) need it to see them.
[assembly: InternalsVisibleTo("ILGPURuntime")]

// Tests pick a thread mapping explicitly, to cover on the CPU accelerator the mappings a GPU uses.
[assembly: InternalsVisibleTo("CineKernel.Tests")]

// Bench measures both thread mappings of a conv on one device (ConvShapeBenchmarks).
[assembly: InternalsVisibleTo("CineKernel.Bench")]
