using CineKernel.Kernels;

namespace CineKernel.Graph;

/// <summary>
/// An op whose kernel applies an <see cref="Graph.Epilogue"/> as it stores its output: the capability the
/// scheduler's one fusion rule asks for (<see cref="Scheduler"/>). The op's inputs are its own, then
/// <see cref="Epilogue"/>'s (<see cref="Graph.Epilogue.InputCount"/> of them).
/// </summary>
public interface IEpilogueProducer
{
    /// <summary>The epilogue the op applies now (<see cref="Graph.Epilogue.None"/> for none).</summary>
    Epilogue Epilogue { get; }

    /// <summary>
    /// The same op applying <paramref name="epilogue"/> instead (its inputs: this op's own, then the epilogue's),
    /// or null when the op's kernel cannot apply it. <paramref name="inputs"/> are this op's current input shapes.
    /// </summary>
    Op? WithEpilogue(Epilogue epilogue, IReadOnlyList<Shape4> inputs);
}
