namespace CineKernel.Kernels;

/// <summary>The kind of accelerator a <see cref="ComputeDevice"/> runs on; kernels pick their thread mapping by it.</summary>
public enum DeviceKind
{
    /// <summary>ILGPU's CPU accelerator: each kernel's .NET code on the host's cores.</summary>
    Cpu,

    /// <summary>An NVIDIA GPU through CUDA (PTX).</summary>
    Cuda,

    /// <summary>An OpenCL device (OpenCL C with the generic address space).</summary>
    OpenCL,
}
