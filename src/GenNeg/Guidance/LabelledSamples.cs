using GenNeg.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Guidance;

/// <summary>
/// Samples [n, *S] with the conditions they were drawn under and the oracle's label of each element, [n, *E]
/// ([n] when the oracle labels whole samples). One class of a <see cref="SyntheticSet"/>.
/// </summary>
public sealed class LabelledSamples : IDisposable
{
    public LabelledSamples(Tensor samples, Condition condition, Tensor elementValid)
    {
        Samples = samples;
        Condition = condition;
        ElementValid = elementValid;
    }

    public Tensor Samples { get; }
    public Condition Condition { get; }
    public Tensor ElementValid { get; }

    public long Count => Samples.shape[0];

    /// <summary>No samples, with the shapes (and condition names) of <paramref name="source"/>.</summary>
    public static LabelledSamples Empty(DrawSource source, Device device) => new(
        empty([0, .. source.SampleShape], device: device),
        source.Conditions.Slice(0, 0),
        empty([0, .. source.ElementShape], dtype: ScalarType.Bool, device: device));

    public LabelledSamples Append(LabelledSamples more) => new(
        cat([Samples, more.Samples], 0),
        Condition.Concat([Condition, more.Condition]),
        cat([ElementValid, more.ElementValid], 0));

    /// <summary>The first <paramref name="count"/> rows.</summary>
    public LabelledSamples Take(long count) => new(Samples[..(int)count], Condition.Slice(0, count), ElementValid[..(int)count]);

    public LabelledSamples Select(Tensor index) => new(Samples.Rows(index), Condition.Select(index), ElementValid.Rows(index));

    /// <summary>A copy that owns its memory (not views into a larger batch).</summary>
    public LabelledSamples Clone() => new(Samples.clone(), Condition.Map(t => t.clone()), ElementValid.clone());

    public LabelledSamples MoveToOuterDisposeScope()
    {
        Samples.MoveToOuterDisposeScope();
        Condition.MoveToOuterDisposeScope();
        ElementValid.MoveToOuterDisposeScope();
        return this;
    }

    public void Save(BinaryWriter writer)
    {
        using var scope = NewDisposeScope();
        Samples.cpu().Save(writer);
        writer.Write(Condition.Names.Count());
        foreach (var (name, value) in Condition.Entries)
        {
            writer.Write(name);
            value.cpu().Save(writer);
        }
        ElementValid.cpu().Save(writer);
    }

    public static LabelledSamples Load(BinaryReader reader, Device device)
    {
        var samples = TensorExtensionMethods.Load(reader).to(device);
        var count = reader.ReadInt32();
        var entries = new List<KeyValuePair<string, Tensor>>();
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            entries.Add(new(name, TensorExtensionMethods.Load(reader).to(device)));
        }
        var elementValid = TensorExtensionMethods.Load(reader).to(device);
        return new LabelledSamples(samples, new Condition(entries), elementValid);
    }

    public void Dispose()
    {
        Samples.Dispose();
        Condition.DisposeTensors();
        ElementValid.Dispose();
    }
}
