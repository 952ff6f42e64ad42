namespace CineKernel.WeightsLoader;

/// <summary>The element types found in safetensors, .npy and PyTorch storages.</summary>
public enum ElementType
{
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    Bool,
}
