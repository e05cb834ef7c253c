using static TorchSharp.torch;

namespace GenNeg.Data;

/// <summary>
/// A domain's description of its data (<see cref="DataSplit.World"/>) that knows the samples' real units: the model
/// may see standardised features, while an oracle written outside GenNeg reads metres and radians. A data set whose
/// samples are already in their units need not implement it.
/// </summary>
public interface IRealUnits
{
    /// <summary>Samples [B, *S] of the model's space in the data's own units (the same shape).</summary>
    Tensor ToRealUnits(Tensor samples);

    /// <summary>
    /// Which elements of each sample exist, [B, *E] bool, from the samples' condition (padding false); null when every
    /// element does.
    /// </summary>
    Tensor? ElementMask(Condition condition) => null;

    /// <summary>
    /// The condition with the first <paramref name="count"/> elements of every sample real and the rest padding (e.g.
    /// scenes of exactly that many vehicles), or null when this world's samples are never padded. The count is already
    /// checked to lie in 1..E.
    /// </summary>
    Condition? WithRealElements(Condition condition, long count) => null;
}
