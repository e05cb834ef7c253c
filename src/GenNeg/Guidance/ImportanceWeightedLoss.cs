using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Guidance;

/// <summary>
/// The classifier loss of the paper's Eq. 11 on a balanced batch: binary cross-entropy weighted by
/// alpha / 0.5 on positives and (1 - alpha) / 0.5 on negatives. Averaged over a batch with N of each class it is
///   1/N sum_{D+} alpha (-log C) + 1/N sum_{D-} (1 - alpha) (-log(1 - C)),
/// which restores the model's true class prior, so the Bayes-optimal classifier is p(y = 1 | x_t) under the model.
/// With a by-element head, alpha and the balance are per sample (a sample is positive iff all its elements are valid):
/// each element's cross-entropy against its own label takes its sample's class weight. The weighted per-sample
/// distribution is then the model's own, so the Bayes-optimal by-element classifier is p(element valid | x_t) under
/// the model, and the sum of its log-sigmoids is the log-probability of a valid sample when the elements' labels are
/// conditionally independent given x_t (the paper's by-agent guidance).
/// </summary>
public sealed class ImportanceWeightedLoss : IClassifierLoss
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

    /// <param name="logits">[B] or [B, *E]</param>
    /// <param name="labels">labels shaped like the logits, 1 = valid, 0 = infraction (float)</param>
    /// <param name="sampleLabels">each sample's label [B] (1 iff all its elements are valid), which picks its class weight</param>
    /// <param name="exampleWeights">
    /// per-sample importance weights [B], each class normalised to mean 1 (a set drawn by sequential importance
    /// sampling: they make each class's distribution the target model's), or null for equally weighted draws
    /// </param>
    /// <returns>the weighted loss of each example (or element), shaped like the logits</returns>
    public Tensor Compute(Tensor logits, Tensor labels, Tensor sampleLabels, Tensor? exampleWeights = null)
    {
        using var scope = NewDisposeScope();
        var classWeights = sampleLabels * PositiveWeight + (1 - sampleLabels) * NegativeWeight;
        var weights = PerSample.Broadcast(exampleWeights is null ? classWeights : classWeights * exampleWeights, logits);
        var crossEntropy = nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction: nn.Reduction.None);
        return (weights * crossEntropy).MoveToOuterDisposeScope();
    }

    public bool ReadsModel => false;

    /// <summary>The loss of the classifier's logits on the batch's noisy samples.</summary>
    public Tensor Compute(ClassifierBatch batch) =>
        Compute(batch.Classifier.Logit(batch.Noisy, batch.Sigma, batch.Condition), batch.Labels, batch.SampleLabels, batch.ExampleWeights);

    /// <summary>The by-sample case: labels [B] are the samples' own.</summary>
    public Tensor Compute(Tensor logits, Tensor labels) => Compute(logits, labels, labels);
}
