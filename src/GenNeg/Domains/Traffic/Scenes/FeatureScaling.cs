using static TorchSharp.torch;

namespace GenNeg.Domains.Traffic.Scenes;

/// <summary>
/// Per-feature standardisation, fitted on the training vehicles: the model sees (feature - mean) / std, the oracle and
/// the pictures undo it. Stored with the data set (in <see cref="TrafficWorld"/>).
/// </summary>
public sealed record FeatureScaling(float[] Mean, float[] Std)
{
    /// <summary>Mean and standard deviation of each feature over every vehicle of <paramref name="features"/> [N, A, F].</summary>
    public static FeatureScaling Fit(Tensor features)
    {
        using var scope = NewDisposeScope();
        var flat = features.reshape(-1, features.shape[^1]).to(ScalarType.Float64);
        var mean = flat.mean([0]).to(ScalarType.Float32).data<float>().ToArray();
        // A constant feature (e.g. one vehicle size) keeps a unit scale rather than dividing by zero.
        var std = flat.std([0]).clamp_min(1e-3).to(ScalarType.Float32).data<float>().ToArray();
        return new FeatureScaling(mean, std);
    }

    public Tensor Normalise(Tensor features)
    {
        using var scope = NewDisposeScope();
        var (mean, std) = Statistics(features);
        return ((features - mean) / std).MoveToOuterDisposeScope();
    }

    public Tensor Denormalise(Tensor normalised)
    {
        using var scope = NewDisposeScope();
        var (mean, std) = Statistics(normalised);
        return (normalised * std + mean).MoveToOuterDisposeScope();
    }

    private (Tensor Mean, Tensor Std) Statistics(Tensor like) =>
        (tensor(Mean, device: like.device).to(like.dtype), tensor(Std, device: like.device).to(like.dtype));
}
