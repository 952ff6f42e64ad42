using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary>
/// One op or network that <c>cinekernel eval</c> can run (an evaluation, not a graph op). Each lives in its own file under Eval/;
/// the registry finds them by reflection, so adding an op touches no shared file.
/// </summary>
public interface IEvaluation
{
    /// <summary>The name on the command line, e.g. <c>euler</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>eval --list</c>: what it reads and writes.</summary>
    string Summary { get; }

    /// <summary>Runs the op and returns the named outputs (names as in the golden README).</summary>
    IEnumerable<KeyValuePair<string, TensorData>> Run(EvalContext context);
}

