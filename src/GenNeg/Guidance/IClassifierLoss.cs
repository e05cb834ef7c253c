using GenNeg.Data;
using static TorchSharp.torch;

namespace GenNeg.Guidance;

/// <summary>One batch of a classifier's training, as every classifier loss may read it.</summary>
/// <param name="Classifier">the classifier being trained</param>
/// <param name="Noisy">x = x0 + sigma n, [B, *S]</param>
/// <param name="Sigma">[B]</param>
/// <param name="Condition">the samples' condition</param>
/// <param name="Clean">x0, [B, *S]</param>
/// <param name="Labels">1 = valid, 0 = infraction, shaped like the classifier's logits ([B], or [B, *E] for a by-element head)</param>
/// <param name="SampleLabels">each sample's label [B], which picks its importance weight</param>
/// <param name="ExampleWeights">per-sample weights [B] of a set drawn by sequential importance sampling, or null</param>
/// <param name="ModelDenoised">the current model's D(x; sigma, c) [B, *S], computed only when a loss asks for it</param>
/// <param name="ElementMask">which elements [B, *E] are real (false = padding), or null when all are</param>
public sealed record ClassifierBatch(
    INoiseConditionedClassifier Classifier, Tensor Noisy, Tensor Sigma, Condition Condition, Tensor Clean, Tensor Labels, Tensor SampleLabels,
    Tensor? ExampleWeights, Func<Tensor> ModelDenoised, Tensor? ElementMask = null);

/// <summary>A classifier loss, picked by name (genneg.classifier.loss, <see cref="ClassifierLosses"/>).</summary>
public interface IClassifierLoss
{
    /// <summary>Whether <see cref="Compute"/> reads <see cref="ClassifierBatch.ModelDenoised"/> (the iteration then loads the current stage).</summary>
    bool ReadsModel { get; }

    /// <summary>The unreduced loss of the batch: [B], or [B, *E] per element.</summary>
    Tensor Compute(ClassifierBatch batch);
}
