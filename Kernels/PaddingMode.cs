namespace CineKernel.Kernels;

/// <summary>How a conv fills the border: zeros, or a mirror image without repeating the edge
/// (torch ReflectionPad2d: for input a b c d, pad 2 reads c b | a b c d | c b).</summary>
public enum PaddingMode
{
    Zeros = 0,
    Reflect = 1,
}
