using GenNeg.Guidance;

namespace GenNeg.Sharding;

/// <summary>
/// Sharded drawing cuts the draw budget into <see cref="Blocks"/> blocks of <see cref="BlockSize"/> samples (the last
/// one shorter when the budget says so). Every shard draws all its blocks, since it cannot know where the merge will
/// stop; the merge reads them in block order and stops where unsharded drawing would stop batch by batch.
/// </summary>
public sealed record BlockPlan(int BlockSize, long MaxDraws, long Blocks)
{
    /// <param name="blockBudget">blocks to draw in all; 0 for as many as the draw budget allows, ceil(max_draws / block)</param>
    public static BlockPlan From(DrawSettings settings, long blockBudget)
    {
        var all = (settings.MaxDraws + settings.BatchSize - 1) / settings.BatchSize;
        return new BlockPlan(settings.BatchSize, settings.MaxDraws, blockBudget > 0 ? Math.Min(blockBudget, all) : all);
    }

    public long SizeOf(long block) => Math.Min(BlockSize, MaxDraws - block * BlockSize);

    /// <summary>Blocks shard <paramref name="shard"/> draws, in order.</summary>
    public IEnumerable<long> BlocksOf(ShardSpec shard)
    {
        for (long block = shard.Index; block < Blocks; block += shard.Count) yield return block;
    }
}
