using GenNeg.Data;
using static TorchSharp.torch;

namespace GenNeg.Oracles;

/// <summary>
/// An oracle's labels for a batch: <see cref="Valid"/> is one bool per sample [B], or one per element [B, *E] (e.g. per
/// vehicle); <see cref="Infractions"/> optionally breaks the invalid elements down by named reason (e.g. collision,
/// offroad), each a bool tensor shaped like <see cref="Valid"/> that is true where the element infracts for that reason.
/// A sample is valid iff all its elements are.
/// </summary>
public sealed class OracleVerdict
{
    public OracleVerdict(Tensor valid, IReadOnlyDictionary<string, Tensor>? infractions = null)
    {
        if (valid.ndim < 1) throw new ArgumentException("an oracle labels a batch: its verdict is [B] or [B, *E]", nameof(valid));
        Valid = valid;
        Infractions = infractions ?? new Dictionary<string, Tensor>();
        foreach (var (reason, flags) in Infractions)
            if (!flags.shape.SequenceEqual(valid.shape))
                throw new ArgumentException(
                    $"reason '{reason}' has shape [{string.Join(", ", flags.shape)}], the verdict [{string.Join(", ", valid.shape)}]", nameof(infractions));
    }

    /// <summary>true where valid: [B] or [B, *E].</summary>
    public Tensor Valid { get; }

    /// <summary>Per named reason, true where an element infracts for that reason.</summary>
    public IReadOnlyDictionary<string, Tensor> Infractions { get; }

    /// <summary>One label per element rather than per sample.</summary>
    public bool PerElement => Valid.ndim > 1;

    /// <summary>true where every element of the sample is valid, [B].</summary>
    public Tensor SampleValid() => PerElement ? Valid.flatten(1).all(1) : Valid.alias();

    /// <summary><see cref="SampleValid"/> read to the host, one flag per sample.</summary>
    public bool[] SampleValidFlags()
    {
        using var valid = SampleValid();
        return valid.cpu().data<bool>().ToArray();
    }

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

    /// <summary>Moves every tensor out of the current dispose scope.</summary>
    public OracleVerdict MoveToOuterDisposeScope()
    {
        Valid.MoveToOuterDisposeScope();
        foreach (var flags in Infractions.Values) flags.MoveToOuterDisposeScope();
        return this;
    }
}
