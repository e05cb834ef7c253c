using GenNeg.Configuration;
using GenNeg.Data;

namespace GenNeg.Networks;

/// <summary>What a backbone outputs.</summary>
public enum BackboneOutput
{
    /// <summary>Shaped like the sample, [B, *S] (a denoiser).</summary>
    Sample,

    /// <summary>One logit per sample, [B] (the by-sample classifier head, the paper's "by-scene").</summary>
    PerSample,

    /// <summary>One logit per element, [B, *E] (the by-element head, the paper's "by-agent").</summary>
    PerElement,
}

/// <summary>One condition tensor of one sample: its name and shape without the batch dimension.</summary>
public sealed record ConditionShape(string Name, long[] Shape);

/// <summary>Everything a backbone is built from: the data's shapes, what to output, and the config's model section.</summary>
/// <param name="SampleShape">S, the shape of one sample</param>
/// <param name="Conditions">the condition tensors beside each sample (empty when unconditional)</param>
/// <param name="ElementShape">E, the shape of the per-element labels ([] when the oracle labels whole samples)</param>
/// <param name="World">the data set's world (<see cref="DataSplit.World"/>), for a domain's backbone that reads its samples in the domain's units</param>
public sealed record BackboneSpec(long[] SampleShape, IReadOnlyList<ConditionShape> Conditions, long[] ElementShape, BackboneOutput Output, ModelConfig Model, object? World = null)
{
    /// <summary>The output of one sample: S, [] or E.</summary>
    public long[] OutputShape => Output switch
    {
        BackboneOutput.Sample => SampleShape,
        BackboneOutput.PerSample => [],
        _ => ElementShape,
    };

    public static BackboneSpec For(DataSplit data, BackboneOutput output, ModelConfig model) =>
        new(data.SampleShape, data.TrainCondition.Entries.Select(e => new ConditionShape(e.Key, e.Value.shape[1..])).ToList(), data.ElementShape, output, model, data.World);
}
