using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Data;

/// <summary>
/// A loaded data set: training and held-out samples [N, *S] with their conditions (<see cref="Condition.None"/> for an
/// unconditional data set), the shape of the oracle's labels, and the domain's own description of the data
/// (<see cref="World"/>: e.g. the road maps and feature scales a traffic oracle and its pictures need).
/// </summary>
public sealed class DataSplit : IDisposable
{
    public DataSplit(Tensor train, Tensor validation, Condition? trainCondition = null, Condition? validationCondition = null,
        long[]? elementShape = null, object? world = null)
    {
        if (train.ndim < 2 || !train.shape[1..].SequenceEqual(validation.shape[1..]))
            throw new ArgumentException($"training [{string.Join(", ", train.shape)}] and held-out [{string.Join(", ", validation.shape)}] samples need one shape [N, *S]");
        Train = train;
        Validation = validation;
        TrainCondition = trainCondition ?? Condition.None;
        ValidationCondition = validationCondition ?? Condition.None;
        ElementShape = elementShape ?? [];
        World = world;
    }

    /// <summary>Training samples [N, *S].</summary>
    public Tensor Train { get; }

    /// <summary>Held-out samples [M, *S] (for MMD and the likelihood figures).</summary>
    public Tensor Validation { get; }

    public Condition TrainCondition { get; }

    public Condition ValidationCondition { get; }

    /// <summary>S: the shape of one sample.</summary>
    public long[] SampleShape => Train.shape[1..];

    /// <summary>Numbers per sample: the product of <see cref="SampleShape"/>.</summary>
    public long SampleSize => SampleShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>E: the shape of the per-element labels of one sample ([] when the oracle labels whole samples).</summary>
    public long[] ElementShape { get; }

    /// <summary>The domain's description of the data, for its oracle and pictures; null when there is none.</summary>
    public object? World { get; }

    public bool IsConditional => !TrainCondition.IsEmpty;

    /// <summary>Samples [B, *S] in the data's own units (<see cref="IRealUnits"/>); a copy of them when the world has no other units.</summary>
    public Tensor ToRealUnits(Tensor samples) => World is IRealUnits units ? units.ToRealUnits(samples) : samples.clone();

    /// <summary>
    /// Which elements [B, *E] of samples with <paramref name="condition"/> exist: the world's mask when it has one, else
    /// all of them; null for samples without elements (<see cref="ElementShape"/> empty).
    /// </summary>
    public Tensor? ElementMask(Condition condition, long batch, Device device)
    {
        if (ElementShape.Length == 0) return null;
        return (World as IRealUnits)?.ElementMask(condition)?.to(ScalarType.Bool)
            ?? ones([batch, .. ElementShape], dtype: ScalarType.Bool, device: device);
    }

    /// <summary>
    /// The world's element mask [B, *E] for samples with <paramref name="condition"/> (false = padding), or null when
    /// every element is real: losses and rates that count elements leave padding out with it.
    /// </summary>
    public Tensor? PaddingMask(Condition condition) => ElementShape.Length == 0 ? null : (World as IRealUnits)?.ElementMask(condition);

    /// <summary>
    /// <paramref name="condition"/> with <paramref name="count"/> real elements in every sample (the first ones), for
    /// drawing samples of a size the user picks; refused in one line naming <paramref name="option"/> when the data set's
    /// samples have no elements to pad or the count lies outside 1..E.
    /// </summary>
    public Condition WithRealElements(Condition condition, long count, string option)
    {
        if (ElementShape.Length != 1)
            throw new GenNegException($"{option} applies to data whose samples are padded to a number of elements (e.g. traffic_files); these samples have none");
        if (count < 1 || count > ElementShape[0])
            throw new GenNegException($"{option} must lie between 1 and {ElementShape[0]} (the data set's elements per sample, its max_agents), got {count}");
        return (World as IRealUnits)?.WithRealElements(condition, count)
            ?? throw new GenNegException($"{option} applies to data whose samples are padded to a number of elements (e.g. traffic_files); these samples cannot be");
    }

    /// <summary>The same data on <paramref name="device"/>; the CPU copy stays with this object.</summary>
    public DataSplit To(Device device) => device.type == DeviceType.CPU && Train.device_type == DeviceType.CPU
        ? this
        : new DataSplit(Train.to(device), Validation.to(device), TrainCondition.To(device), ValidationCondition.To(device), ElementShape, World);

    public void Dispose()
    {
        Train.Dispose();
        Validation.Dispose();
        TrainCondition.DisposeTensors();
        ValidationCondition.DisposeTensors();
    }
}
