using CineKernel.Kernels;

namespace CineKernel.Graph;

/// <summary>
/// What a node computes. Ops know kernels, not networks: a network is a graph of ops.
/// An op reads its inputs and writes its one output; it must not keep pointers to them between runs. The only
/// state an op keeps is device memory it owns (<see cref="Prepare"/>, <see cref="OwnedBytes"/>), written by
/// <see cref="EffectOp"/>s and read by the nodes the graph orders after them (<see cref="Node.After"/>).
/// </summary>
public abstract class Op
{
    /// <summary>Short name for printing, e.g. <c>conv3x3</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The shape of the output for the given input shapes (validates them).</summary>
    public abstract Shape4 OutputShape(IReadOnlyList<Shape4> inputs);

    /// <summary>Launches the op's kernels.</summary>
    public abstract void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output);

    /// <summary>
    /// True if the result depends on the frame index (or anything else that changes per frame)
    /// beyond its inputs: such nodes, and all that depend on them, run once per frame.
    /// </summary>
    public virtual bool ReadsFrame => false;

    /// <summary>
    /// This op as an epilogue of its first input (output[i] depends only on input 0 at i, the epilogue's tensors and
    /// constants), or null. The scheduler fuses such an op into the kernel that produces input 0 when that kernel
    /// applies epilogues (<see cref="IEpilogueProducer"/>; DESIGN.md "fuse element-wise epilogues").
    /// </summary>
    public virtual Epilogue? AsEpilogue => null;

    /// <summary>Arithmetic of one execution (2 per multiply-add), for reports.</summary>
    public virtual double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 0;

    /// <summary>
    /// Bytes the op must move at least: every input read once and the output written once (float32). Ops with
    /// state outside the graph's tensors (a warp's padded grid and fields) add theirs. For the bench's GB/s floor.
    /// </summary>
    public virtual double Bytes(IReadOnlyList<Shape4> inputs, Shape4 output) =>
        sizeof(float) * (inputs.Sum(s => (double)s.Length) + output.Length);

    /// <summary>Called once when the graph is compiled, to allocate op-owned state on the device.</summary>
    public virtual void Prepare(ComputeDevice device, IReadOnlyList<Shape4> inputs) { }

    /// <summary>Releases op-owned state.</summary>
    public virtual void Release() { }

    /// <summary>Device memory the op owns itself (e.g. displacement fields), for the memory report.</summary>
    public virtual long OwnedBytes => 0;

    public override string ToString() => Name;
}
