using static TorchSharp.torch;

namespace GenNeg.Data;

/// <summary>
/// Element masks [B, *E] (false = padding, <see cref="DataSplit.PaddingMask"/>) applied to samples [B, *S], E a prefix
/// of S: what the metrics and guidance use to leave padded rows out.
/// </summary>
public static class ElementMasks
{
    /// <summary>The mask as 1 (real) or 0 (padding) in <paramref name="like"/>'s dtype and device, broadcast to its shape [B, *S].</summary>
    public static Tensor Expand(Tensor elementMask, Tensor like)
    {
        using var scope = NewDisposeScope();
        var mask = elementMask.to(like.dtype).to(like.device);
        if (mask.ndim > like.ndim || !mask.shape.SequenceEqual(like.shape[..(int)mask.ndim]))
            throw new ArgumentException($"an element mask [{string.Join(", ", mask.shape)}] must lead samples [{string.Join(", ", like.shape)}]", nameof(elementMask));
        while (mask.ndim < like.ndim) mask = mask.unsqueeze(-1);
        return mask.expand(like.shape).MoveToOuterDisposeScope();
    }

    /// <summary>Samples with their padded rows set to zero; <paramref name="samples"/> itself (no copy) when the mask is null.</summary>
    public static Tensor ZeroPadding(Tensor samples, Tensor? elementMask)
    {
        if (elementMask is null) return samples;
        using var scope = NewDisposeScope();
        return (samples * Expand(elementMask, samples)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A by-element head's per-element values [B, *E] with the padded elements' set to zero (no vehicle's validity);
    /// a by-sample head's [B], or values without a mask, as they are.
    /// </summary>
    public static Tensor KeepRealElements(Tensor perElement, Tensor? elementMask) =>
        elementMask is not null && perElement.shape.SequenceEqual(elementMask.shape)
            ? perElement * elementMask.to(perElement.dtype).to(perElement.device)
            : perElement;

    /// <summary>How many of each sample's numbers are real, [B] in float64: the real elements times the numbers per element.</summary>
    public static Tensor RealNumbers(Tensor elementMask, Tensor samples)
    {
        using var scope = NewDisposeScope();
        return Expand(elementMask, samples).to(ScalarType.Float64).flatten(1).sum(1).MoveToOuterDisposeScope();
    }
}
