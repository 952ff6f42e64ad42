using System.Runtime.CompilerServices;

// ILGPU's CPU accelerator emits its kernel tasks into a dynamic assembly named ILGPURuntime; kernels
// whose parameter structs are internal (implementation details of an op family) need it to see them.
// (InternalsVisibleTo allows repeats, so another file declaring it too is harmless.)
[assembly: InternalsVisibleTo("ILGPURuntime")]
