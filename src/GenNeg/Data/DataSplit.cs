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
