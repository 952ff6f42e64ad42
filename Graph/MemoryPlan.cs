namespace CineKernel.Graph;

/// <summary>
/// Buffer reuse: every intermediate value gets an offset in one arena; values whose lifetimes
/// overlap never share memory. Greedy by size (largest first, lowest free offset), as TFLite's
/// arena planner does; lifetimes are step intervals over the plan, and a value that a per-frame
/// step reads but a once step writes lives to the end, because frames repeat.
/// </summary>
public sealed class MemoryPlan
{
    /// <summary>Offsets are multiples of this many floats (256 bytes), so views stay aligned.</summary>
    public const long Alignment = 64;

    private readonly Dictionary<Value, long> offsets;

    private MemoryPlan(Dictionary<Value, long> offsets, Dictionary<Value, (int First, int Last)> lifetimes, long arenaFloats)
    {
        this.offsets = offsets;
        Lifetimes = lifetimes;
        ArenaFloats = arenaFloats;
    }

    /// <summary>Arena size in floats.</summary>
    public long ArenaFloats { get; }

    public long ArenaBytes => ArenaFloats * sizeof(float);

    /// <summary>What the intermediates would take with a buffer each.</summary>
    public long UnplannedBytes => offsets.Keys.Sum(v => v.Bytes);

    /// <summary>[first step that writes it, last step that reads it] for each intermediate.</summary>
    public IReadOnlyDictionary<Value, (int First, int Last)> Lifetimes { get; }

    public IEnumerable<Value> Values => offsets.Keys;

    public long OffsetOf(Value v) => offsets[v];

    public bool Contains(Value v) => offsets.ContainsKey(v);

    internal static MemoryPlan Build(IReadOnlyList<PlanStep> steps, IEnumerable<Value> graphOutputs)
    {
        int end = steps.Count;
        var life = new Dictionary<Value, (int First, int Last)>();
        foreach (var s in steps.Where(s => s.Output.Kind != ValueKind.Effect)) life[s.Output] = (s.Index, s.Index); // an effect holds no data
        foreach (var s in steps)
        {
            foreach (var v in s.Inputs)
            {
                if (!life.TryGetValue(v, out var l)) continue;
                bool crossesIntoFrames = s.Schedule == Schedule.PerFrame && v.Producer is not null &&
                                         steps[l.First].Schedule == Schedule.Once;
                life[v] = (l.First, crossesIntoFrames ? end : Math.Max(l.Last, s.Index));
            }
        }
        foreach (var v in graphOutputs)
            if (life.TryGetValue(v, out var l)) life[v] = (l.First, end);

        var placed = new List<(Value V, long Offset, long Size)>();
        var offsets = new Dictionary<Value, long>();
        long arena = 0;
        foreach (var v in life.Keys.OrderByDescending(v => v.Shape.Length).ThenBy(v => life[v].First))
        {
            long size = (v.Shape.Length + Alignment - 1) / Alignment * Alignment;
            var (first, last) = life[v];
            long offset = 0;
            foreach (var p in placed.Where(p => life[p.V].First <= last && first <= life[p.V].Last).OrderBy(p => p.Offset))
            {
                if (offset + size <= p.Offset) break;
                offset = Math.Max(offset, p.Offset + p.Size);
            }
            placed.Add((v, offset, size));
            offsets[v] = offset;
            arena = Math.Max(arena, offset + size);
        }
        return new MemoryPlan(offsets, life, arena);
    }
}
