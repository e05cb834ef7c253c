using static TorchSharp.torch;

namespace GenNeg.Data;

/// <summary>One per-element quantity of samples (e.g. a vehicle's speed) and its value for every element measured.</summary>
/// <param name="Name">the key in metrics.json's realism section (snake_case)</param>
/// <param name="Unit">for axis titles (e.g. "m", "rad"; "" for counts)</param>
public sealed record RealismFeature(string Name, string Unit, double[] Values);

/// <summary>
/// A data set whose samples have per-element quantities whose distributions say how realistic they are (as
/// simulation papers compare traffic scenes: gaps, speeds, headings). Evaluation records, per feature, the
/// Wasserstein-1 distance between held-out data and the samples (<see cref="Metrics.RealismDistances"/>) and the
/// report draws both histograms. Optional: a data set without it has no realism figures.
/// </summary>
public interface IRealismFeatures
{
    /// <summary>
    /// The features of samples [B, *S] (in the model's space) with their conditions, always the same features in the
    /// same order; only finite values, and a feature may have none (e.g. gaps of scenes with a single element).
    /// </summary>
    IReadOnlyList<RealismFeature> RealismFeatures(DataSplit data, Tensor samples, Condition condition);
}
