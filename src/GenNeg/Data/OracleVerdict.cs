using static TorchSharp.torch;

namespace GenNeg.Data;

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

    /// <summary>Moves every tensor out of the current dispose scope.</summary>
    public OracleVerdict MoveToOuterDisposeScope()
    {
        Valid.MoveToOuterDisposeScope();
        foreach (var flags in Infractions.Values) flags.MoveToOuterDisposeScope();
        return this;
    }
}
