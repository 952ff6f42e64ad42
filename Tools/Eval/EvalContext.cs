using CineKernel.Kernels;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary>What an evaluation gets: the input file, the weights file, the options and the device.</summary>
public sealed class EvalContext(SafetensorsFile inputs, SafetensorsFile weights, ComputeDevice device, int? nFrames, int[]? indices)
{
    public SafetensorsFile Inputs { get; } = inputs;

    /// <summary>The file holding the parameters: --weights, or the inputs file itself.</summary>
    public SafetensorsFile Weights { get; } = weights;

    public ComputeDevice Device { get; } = device;

    public int? NFrames { get; } = nFrames;

    public int[]? Indices { get; } = indices;

    /// <summary>An input tensor, or a clear error naming the file and the tensor.</summary>
    public TensorData Input(string name) =>
        Inputs.Contains(name) ? Inputs.Read(name) : throw new CliException($"{Inputs.Path}: missing input tensor '{name}'");

    public int RequireNFrames() => NFrames ?? throw new CliException("this op needs --n-frames", 2);

    public int[] RequireIndices() => Indices ?? throw new CliException("this op needs --indices", 2);
}
