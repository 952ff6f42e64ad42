using System.Globalization;

namespace CineKernel.Tools;

/// <summary>
/// Which rows of a manifest this task renders: row i (0-based) when i mod <see cref="Count"/> = <see cref="Index"/>,
/// so the shards of one manifest are disjoint, cover it, and differ in size by at most one row. From <c>--shard I/N</c>,
/// else from the array-job scheduler's environment, so the same command line serves every task of the array:
/// <list type="bullet">
/// <item>Kubernetes Indexed Job: <c>JOB_COMPLETION_INDEX</c> (set by the Job controller) with the count in
/// <c>JOB_COMPLETIONS</c>, which Kubernetes does not set: give it in the pod template's env with the value of the Job's
/// <c>spec.completions</c> (docs/scale-out.md).</item>
/// <item>Slurm job array: (<c>SLURM_ARRAY_TASK_ID</c> − <c>SLURM_ARRAY_TASK_MIN</c>) / <c>SLURM_ARRAY_TASK_STEP</c> of
/// <c>SLURM_ARRAY_TASK_COUNT</c> (an evenly stepped range such as <c>--array=0-7</c> or <c>--array=1-15:2</c>).</item>
/// </list>
/// Neither: the whole manifest (0/1).
/// </summary>
internal sealed record BatchShard(int Index, int Count, string Source)
{
    /// <summary>Kubernetes' variable for the pod's index in an Indexed Job.</summary>
    public const string KubernetesIndex = "JOB_COMPLETION_INDEX";

    /// <summary>The variable this tool reads the Indexed Job's completion count from (set in the Job's pod template).</summary>
    public const string KubernetesCount = "JOB_COMPLETIONS";

    /// <summary>Whether row <paramref name="index"/> (0-based) is this shard's.</summary>
    public bool Owns(int index) => index % Count == Index;

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>The shard from <c>--shard</c> when given, else from <paramref name="environment"/> (a variable's value or null).</summary>
    /// <exception cref="CliException">The option or a variable is malformed or out of range, or an index comes without its count (exit 2).</exception>
    public static BatchShard Resolve(string? option, Func<string, string?> environment)
    {
        if (option is not null) return Parse(option);
        if (environment(KubernetesIndex) is { } k8sIndex)
        {
            int index = Integer(KubernetesIndex, k8sIndex, 0);
            string count = environment(KubernetesCount)
                ?? throw new CliException($"{KubernetesIndex}={k8sIndex} is set but {KubernetesCount} is not: add {KubernetesCount} to the pod's env with the Job's "
                                          + "spec.completions (Kubernetes does not set it), or give --shard I/N", 2);
            return Checked(index, Integer(KubernetesCount, count, 1), $"{KubernetesIndex}/{KubernetesCount}");
        }
        if (environment("SLURM_ARRAY_TASK_ID") is { } slurmId)
        {
            int id = Integer("SLURM_ARRAY_TASK_ID", slurmId, 0);
            int count = Integer("SLURM_ARRAY_TASK_COUNT", environment("SLURM_ARRAY_TASK_COUNT")
                ?? throw new CliException("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; give --shard I/N", 2), 1);
            int min = environment("SLURM_ARRAY_TASK_MIN") is { } m ? Integer("SLURM_ARRAY_TASK_MIN", m, 0) : 0;
            int step = environment("SLURM_ARRAY_TASK_STEP") is { } s ? Integer("SLURM_ARRAY_TASK_STEP", s, 1) : 1;
            if (id < min || (id - min) % step != 0)
                throw new CliException($"SLURM_ARRAY_TASK_ID={id} is not on the array's range (min {min}, step {step}); use an evenly stepped --array or give --shard I/N", 2);
            return Checked((id - min) / step, count, "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT");
        }
        return new BatchShard(0, 1, "default");
    }

    /// <summary><c>I/N</c> with 0 ≤ I &lt; N.</summary>
    public static BatchShard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            throw new CliException($"--shard expects I/N (this task's index from 0, and the number of tasks), got '{text}'", 2);
        if (count < 1) throw new CliException($"--shard {text}: N must be at least 1", 2);
        return Checked(index, count, "--shard");
    }

    private static BatchShard Checked(int index, int count, string source) =>
        index < count ? new BatchShard(index, count, source)
            : throw new CliException($"shard index {index} is not below the shard count {count} (from {source})", 2);

    private static int Integer(string name, string value, int min) =>
        int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= min ? v
            : throw new CliException($"{name} must be an integer of at least {min}, got '{value}'", 2);
}
