using System.Globalization;

namespace GenNeg.Sharding;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/>: which share of a job this process does. Work is cut into numbered
/// blocks and shard I does the blocks b with b mod N == I, so results never depend on N.
/// </summary>
public readonly record struct ShardSpec
{
    public ShardSpec(int index, int count)
    {
        if (count < 1) throw new GenNegException($"the number of shards must be at least 1, got {count}");
        if (index < 0 || index >= count) throw new GenNegException($"shard index must be in 0..{count - 1} for {count} shards, got {index}");
        Index = index;
        Count = count;
    }

    public int Index { get; }
    public int Count { get; }

    /// <summary>Whether block <paramref name="block"/> is this shard's.</summary>
    public bool Owns(long block) => block % Count == Index;

    /// <summary>"0003-of-0008", as shard file names carry it.</summary>
    public string Tag => $"{Index:D4}-of-{Count:D4}";

    public override string ToString() => $"shard {Index} of {Count}";

    /// <summary>
    /// The shard from explicit values, else from the cluster engine's environment: a Slurm array task
    /// (SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN, count SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job
    /// (JOB_COMPLETION_INDEX; Kubernetes does not export the completion count, so it must be given).
    /// </summary>
    public static ShardSpec Resolve(int? index, int? count, Func<string, string?> environment)
    {
        var slurmTask = Read(environment, "SLURM_ARRAY_TASK_ID");
        var slurmIndex = slurmTask - (Read(environment, "SLURM_ARRAY_TASK_MIN") ?? 0);
        var resolvedIndex = index ?? slurmIndex ?? Read(environment, "JOB_COMPLETION_INDEX")
            ?? throw new GenNegException("no shard index: give --shard, or run as a Slurm array task (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX)");
        var resolvedCount = count ?? (slurmTask is null ? null : Read(environment, "SLURM_ARRAY_TASK_COUNT"))
            ?? throw new GenNegException("no shard count: give --shards (a Kubernetes Indexed Job does not export its completion count; Slurm exports SLURM_ARRAY_TASK_COUNT)");
        return new ShardSpec(resolvedIndex, resolvedCount);
    }

    private static int? Read(Func<string, string?> environment, string name)
    {
        var text = environment(name);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new GenNegException($"environment variable {name}='{text}' is not a non-negative whole number");
    }
}
