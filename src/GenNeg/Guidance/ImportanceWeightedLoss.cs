using static TorchSharp.torch;

namespace GenNeg.Guidance;

/// <summary>
/// The classifier loss of the paper's Eq. 11 on a balanced batch: binary cross-entropy weighted by
/// alpha / 0.5 on positives and (1 - alpha) / 0.5 on negatives. Averaged over a batch with N of each class it is
///   1/N sum_{D+} alpha (-log C) + 1/N sum_{D-} (1 - alpha) (-log(1 - C)),
/// which restores the model's true class prior, so the Bayes-optimal classifier is p(y = 1 | x_t) under the model.
/// </summary>
public sealed class ImportanceWeightedLoss
{
    public ImportanceWeightedLoss(double positiveWeight, double negativeWeight)
    {
        PositiveWeight = positiveWeight;
        NegativeWeight = negativeWeight;
    }

    public double PositiveWeight { get; }
    public double NegativeWeight { get; }

    /// <summary>Eq. 11's weights for a model whose valid rate is <paramref name="alpha"/>.</summary>
    public static ImportanceWeightedLoss ForAlpha(double alpha) => new(alpha / 0.5, (1 - alpha) / 0.5);

    /// <summary>Plain cross-entropy (the imbalanced and no-importance-weights ablations).</summary>
    public static ImportanceWeightedLoss Unweighted() => new(1, 1);

    /// <param name="logits">[B]</param>
    /// <param name="labels">[B], 1 = valid, 0 = infraction (float)</param>
    /// <returns>the weighted loss of each example, [B]</returns>
    public Tensor Compute(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var weights = labels * PositiveWeight + (1 - labels) * NegativeWeight;
        var crossEntropy = nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction: nn.Reduction.None);
        return (weights * crossEntropy).MoveToOuterDisposeScope();
    }
}
