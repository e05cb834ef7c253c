using static TorchSharp.torch;

namespace GenNeg.Data;

/// <summary>
/// Per-feature standardisation of the last axis, fitted on the training samples: the model sees (feature - mean) / std,
/// the oracle and the pictures undo it. A data set that scales its features keeps it with its world.
/// </summary>
public sealed record FeatureScaling(float[] Mean, float[] Std)
{
    /// <summary>Mean and standard deviation of each feature over every element of <paramref name="features"/> [N, ..., F].</summary>
    public static FeatureScaling Fit(Tensor features)
    {
        using var scope = NewDisposeScope();
        var flat = features.reshape(-1, features.shape[^1]).to(ScalarType.Float64);
        var mean = flat.mean([0]).to(ScalarType.Float32).data<float>().ToArray();
        // A constant feature (e.g. one vehicle size) keeps a unit scale rather than dividing by zero.
        var std = flat.std([0]).clamp_min(1e-3).to(ScalarType.Float32).data<float>().ToArray();
        return new FeatureScaling(mean, std);
    }

    /// <summary>The scaling that leaves <paramref name="features"/> features as they are.</summary>
    public static FeatureScaling Identity(int features) => new(new float[features], Enumerable.Repeat(1f, features).ToArray());

    public Tensor Normalise(Tensor features)
    {
        using var scope = NewDisposeScope();
        var (mean, std) = Statistics(features);
        return ((features - mean) / std).MoveToOuterDisposeScope();
    }

    public Tensor Denormalise(Tensor normalised)
    {
        using var scope = NewDisposeScope();
        return Denormalise(normalised, Statistics(normalised)).MoveToOuterDisposeScope();
    }

    /// <summary><see cref="Denormalise(Tensor)"/> with the statistics already on the samples' device (a hot path's copy).</summary>
    public static Tensor Denormalise(Tensor normalised, (Tensor Mean, Tensor Std) statistics) => normalised * statistics.Std + statistics.Mean;

    /// <summary>Mean and standard deviation as tensors on the device and of the type of <paramref name="like"/>.</summary>
    public (Tensor Mean, Tensor Std) Statistics(Tensor like) =>
        (tensor(Mean, device: like.device).to(like.dtype), tensor(Std, device: like.device).to(like.dtype));
}
