using CineKernel.Kernels;

namespace CineKernel.Graph;

/// <summary>
/// Turns a graph into an execution plan (DESIGN.md "Graph"): removes dead work, fuses element-wise
/// epilogues into their producer, gives ops that read a transformed weight (<see cref="IWeightTransformer"/>) the step
/// that computes it, marks each step once-per-cinemagraph or per-frame and hoists the first kind ahead of the frame
/// loop, then plans buffer reuse. Ordering-only edges (<see cref="Node.After"/>)
/// count as dependencies in every step but the memory plan: they keep a node alive, make it per-frame when it
/// follows a per-frame node, and keep the order; effect values take no memory.
/// </summary>
public static class Scheduler
{
    /// <summary>
    /// Plans <paramref name="graph"/> for a device of kind <paramref name="target"/> (null: any device; weight
    /// transforms are then planned wherever an op could use them); <paramref name="fuse"/> false keeps every epilogue
    /// its own step, and <paramref name="transformWeights"/> false keeps every op on its stored weights (no
    /// <see cref="IWeightTransformer"/> steps: the direct kernels everywhere).
    /// </summary>
    /// <remarks>A plan runs correctly on any device; the target only decides which weight transforms are worth their
    /// memory (a Winograd transform on CUDA or OpenCL, which convolve from the plain weight, would only hold ~1.8× the conv's weight).</remarks>
    public static ExecutionPlan Plan(ComputeGraph graph, DeviceKind? target = null, bool fuse = true, bool transformWeights = true)
    {
        // 1. Dead work: keep only nodes some output depends on, through inputs or ordering edges.
        var live = new HashSet<Node>();
        var stack = new Stack<Node>(graph.Outputs.Values.Select(v => v.Producer).OfType<Node>());
        while (stack.Count > 0)
        {
            var p = stack.Pop();
            if (!live.Add(p)) continue;
            foreach (var i in p.Inputs)
                if (i.Producer is { } q) stack.Push(q);
            foreach (var a in p.After) stack.Push(a);
        }
        var order = graph.Nodes.Where(live.Contains).ToList();

        // 2. Fusion, one rule: an epilogue whose input has a single reader and is not a graph output merges into
        // that input's producer when the producer applies epilogues and the two epilogues compose into one. (The
        // fused step runs where the producer did, so the epilogue's own tensors must be ready there, and an epilogue
        // ordered after other nodes stays where it is.)
        var position = order.Select((n, i) => (n, i)).ToDictionary(e => e.n, e => e.i);
        var readers = new Dictionary<Value, int>();
        foreach (var n in order)
            foreach (var i in n.Inputs) readers[i] = readers.GetValueOrDefault(i) + 1;
        var outputs = graph.Outputs.Values.ToHashSet();
        var drafts = order.ToDictionary(n => n, n => new Draft(n));
        var result = new List<Draft>();
        foreach (var n in order)
        {
            var d = drafts[n];
            if (fuse && n.Op.AsEpilogue is { } epilogue && n.Inputs[0] is var src && src.Producer is { } p &&
                drafts.TryGetValue(p, out var pd) && pd.Alive && pd.Output == src &&
                readers.GetValueOrDefault(src) == 1 && !outputs.Contains(src) && n.After.Count == 0 &&
                n.Inputs.Skip(1).All(v => v.Producer is null || position[v.Producer] < position[p]) &&
                pd.Op is IEpilogueProducer producer && producer.Epilogue.Then(epilogue) is { } combined &&
                producer.WithEpilogue(combined, pd.Inputs.Select(v => v.Shape).ToArray()) is { } fused)
            {
                pd.Op = fused;
                pd.Inputs.AddRange(n.Inputs.Skip(1));
                pd.Output = n.Output;
                pd.Sources.Add(n);
                d.Alive = false;
                drafts[n] = pd;
                continue;
            }
            result.Add(d);
        }

        // 2b. Weight transforms: an op that reads a weight in a transformed layout (IWeightTransformer: Winograd's
        // G g Gᵀ) gets a step computing it from the weight, placed just before it; that step reads what the weight
        // reads (a constant: nothing per frame), so step 4 hoists it. One transform per weight and kind, shared by its
        // readers (convs[9] and its warped copy share a weight).
        var transformed = new Dictionary<(Value Weight, string Kind), Value>();
        int nextNode = graph.Nodes.Count, nextValue = graph.Values.Count;
        for (int k = 0; k < result.Count; k++)
        {
            var d = result[k];
            if (!transformWeights || d.Op is not IWeightTransformer transformer ||
                transformer.WeightTransform(d.Inputs.Select(v => v.Shape).ToArray(), target) is not { } wt) continue;
            var weight = d.Inputs[wt.WeightInput];
            if (!transformed.TryGetValue((weight, wt.Transform.Name), out var u))
            {
                var node = new Node(nextNode++, wt.Transform, [weight], []);
                u = new Value(nextValue++, $"{weight.Name}.{wt.Transform.Name}", wt.Transform.OutputShape([weight.Shape]),
                    ValueKind.Intermediate, node);
                node.Output = u;
                var transform = new Draft(node);
                drafts[node] = transform;
                result.Insert(k++, transform);
                transformed[(weight, wt.Transform.Name)] = u;
            }
            d.Op = wt.Reader;
            d.Inputs.Add(u);
        }

        // 3. Classification: per-frame if the op reads the frame, any input is per-frame or it is ordered after a
        // per-frame step (nodes come in topological order, so those are classified already).
        var perFrame = new HashSet<Value>(graph.PerFrameInputs);
        foreach (var d in result)
        {
            d.Schedule = d.Op.ReadsFrame || d.Sources.Any(s => s.Op.ReadsFrame) || d.Inputs.Any(perFrame.Contains) ||
                         d.Sources.Any(s => s.After.Any(a => drafts[a].Schedule == Schedule.PerFrame))
                ? Schedule.PerFrame
                : Schedule.Once;
            if (d.Schedule == Schedule.PerFrame) perFrame.Add(d.Output);
        }

        // 4. Hoisting: every once step runs before the frame loop (a stable partition keeps the
        // topological order, because no once step reads a per-frame value or follows a per-frame step).
        var ordered = result.Where(d => d.Schedule == Schedule.Once).Concat(result.Where(d => d.Schedule == Schedule.PerFrame)).ToList();
        var steps = ordered.Select((d, i) => new PlanStep(i, d.Op, d.Inputs.ToArray(), d.Output, d.Schedule, d.Sources)).ToList();

        // 5. Memory.
        var memory = MemoryPlan.Build(steps, graph.Outputs.Values);
        return new ExecutionPlan(graph, steps, memory, graph.Nodes.Count - order.Count);
    }

    private sealed class Draft(Node node)
    {
        public Op Op { get; set; } = node.Op;
        public List<Value> Inputs { get; } = node.Inputs.ToList();
        public Value Output { get; set; } = node.Output;
        public List<Node> Sources { get; } = [node];
        public Schedule Schedule { get; set; }
        public bool Alive { get; set; } = true;
    }
}
