using CineKernel.Kernels;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary>
/// One op or network that <c>cinekernel eval</c> can run. Each lives in its own file under Eval/;
/// the registry finds them by reflection, so adding an op touches no shared file.
/// </summary>
public interface IEvalOp
{
    /// <summary>The name on the command line, e.g. <c>euler</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>eval --list</c>: what it reads and writes.</summary>
    string Summary { get; }

    /// <summary>Runs the op and returns the named outputs (names as in the golden README).</summary>
    IEnumerable<KeyValuePair<string, TensorData>> Run(EvalContext context);
}

/// <summary>What an eval op gets: the input file, the weights file, the options and the device.</summary>
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
