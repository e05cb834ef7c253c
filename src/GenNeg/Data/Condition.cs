using static TorchSharp.torch;

namespace GenNeg.Data;

/// <summary>
/// What a conditional model is given beside its noisy sample: named tensors whose first dimension is the batch,
/// [B, ...] each (a road-map raster, a class label). Samplers, guidance and slicing pass it through untouched, so
/// only the backbone and the oracle read it. <see cref="None"/> is the condition of an unconditional model.
/// Entries keep the order they were added in, so everything that iterates them is deterministic.
/// </summary>
public sealed class Condition
{
    private readonly KeyValuePair<string, Tensor>[] entries;

    public Condition(IEnumerable<KeyValuePair<string, Tensor>> entries)
    {
        this.entries = entries.ToArray();
        var names = this.entries.Select(e => e.Key).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
            throw new ArgumentException($"condition names must be unique: {string.Join(", ", names)}", nameof(entries));
        var batches = this.entries.Select(e => e.Value.ndim == 0 ? -1 : e.Value.shape[0]).Distinct().ToList();
        if (batches.Count > 1 || batches.Contains(-1))
            throw new ArgumentException($"every condition tensor needs the same batch dimension first; got {Describe()}", nameof(entries));
    }

    /// <summary>The condition of an unconditional model: no tensors.</summary>
    public static Condition None { get; } = new([]);

    public static Condition Of(string name, Tensor value) => new([new(name, value)]);

    public bool IsEmpty => entries.Length == 0;

    public IEnumerable<string> Names => entries.Select(e => e.Key);

    public IEnumerable<KeyValuePair<string, Tensor>> Entries => entries;

    public Tensor this[string name] => TryGet(name, out var value)
        ? value
        : throw new GenNegException($"the condition has no tensor '{name}'; it has {(IsEmpty ? "none" : string.Join(", ", Names))}");

    public bool TryGet(string name, out Tensor value)
    {
        foreach (var entry in entries)
        {
            if (entry.Key != name) continue;
            value = entry.Value;
            return true;
        }
        value = null!;
        return false;
    }

    /// <summary>This condition plus (or with a new value of) one entry, e.g. a backbone's cached encoding.</summary>
    public Condition With(string name, Tensor value) =>
        new(entries.Where(e => e.Key != name).Append(new(name, value)));

    /// <summary>Rows start .. start + length of every entry (views).</summary>
    public Condition Slice(long start, long length) => Map(t => t.narrow(0, start, length));

    /// <summary>The rows at <paramref name="index"/> [K] of every entry.</summary>
    public Condition Select(Tensor index) => Map(t => t.Rows(index.to(t.device)));

    public Condition To(Device device) => Map(t => t.to(device));

    /// <summary>Row-wise concatenation of conditions with the same names.</summary>
    public static Condition Concat(IReadOnlyList<Condition> parts)
    {
        if (parts.Count == 0 || parts[0].IsEmpty) return None;
        return new(parts[0].entries.Select(e => new KeyValuePair<string, Tensor>(e.Key, cat(parts.Select(p => p[e.Key]).ToList(), 0))));
    }

    public Condition Map(Func<Tensor, Tensor> transform) =>
        IsEmpty ? this : new(entries.Select(e => new KeyValuePair<string, Tensor>(e.Key, transform(e.Value))));

    /// <summary>Moves every tensor out of the current dispose scope (for methods that return a condition).</summary>
    public Condition MoveToOuterDisposeScope()
    {
        foreach (var entry in entries) entry.Value.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Takes every tensor out of automatic disposal; the caller disposes them with <see cref="DisposeTensors"/>.</summary>
    public Condition DetachFromDisposeScope()
    {
        foreach (var entry in entries) entry.Value.DetachFromDisposeScope();
        return this;
    }

    public void DisposeTensors()
    {
        foreach (var entry in entries) entry.Value.Dispose();
    }

    /// <summary>Disposes the tensors this condition holds that <paramref name="original"/> does not (those <see cref="With"/> added).</summary>
    public void DisposeTensorsNotIn(Condition original)
    {
        foreach (var entry in entries)
            if (!original.TryGet(entry.Key, out var kept) || !ReferenceEquals(kept, entry.Value)) entry.Value.Dispose();
    }

    /// <summary>name [shape] per entry, for messages and manifests.</summary>
    public string Describe() => IsEmpty ? "none" : string.Join(", ", entries.Select(e => $"{e.Key} [{string.Join(", ", e.Value.shape)}]"));
}
