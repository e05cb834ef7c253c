using GenNeg.Data;
using static TorchSharp.torch;

namespace GenNeg.Oracles;

/// <summary>Judging a large set in batches (the verdict type itself lives with the data, whose pictures show it).</summary>
public static class OracleBatches
{
    /// <summary>
    /// The oracle's verdict on many samples, judged <paramref name="batchSize"/> at a time: an oracle's working tensors
    /// (e.g. every pair of vehicles' boxes) grow with its batch, so a whole data set at once could exhaust the memory.
    /// </summary>
    public static OracleVerdict JudgeInBatches(IOracle oracle, Tensor samples, Condition condition, long batchSize = 4096)
    {
        var count = samples.shape[0];
        if (count <= batchSize) return oracle.Judge(samples, condition);
        using var scope = NewDisposeScope();
        var parts = new List<OracleVerdict>();
        for (long start = 0; start < count; start += batchSize)
        {
            var size = Math.Min(batchSize, count - start);
            parts.Add(oracle.Judge(samples.narrow(0, start, size), condition.Slice(start, size)));
        }
        var infractions = parts[0].Infractions.Keys.ToDictionary(reason => reason, reason => cat(parts.Select(p => p.Infractions[reason]).ToArray(), 0));
        return new OracleVerdict(cat(parts.Select(p => p.Valid).ToArray(), 0), infractions).MoveToOuterDisposeScope();
    }
}
