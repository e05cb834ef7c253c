using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Guidance;

/// <summary>
/// Denoising likelihood score matching (Chao et al. 2022, "Denoising Likelihood Score Matching for Conditional
/// Score-based Data Generation", Eq. 10 and A4) for the Gen-neG classifier, with the current model's own score in place
/// of a separately trained score model. For a noisy x = x0 + sigma n whose clean x0 has class y (1 = valid):
///
///   r = grad_x log C_y(x; sigma) + s(x; sigma) - (x0 - x) / sigma^2,   s = (D(x; sigma) - x) / sigma^2,
///   DLSM = 1/2 lambda_DLSM(sigma) ||r||^2 = 1/2 lambda(sigma) ||D(x; sigma) + sigma^2 grad_x log C_y(x; sigma) - x0||^2,
///
/// with C_1 = C and C_0 = 1 - C. We take lambda_DLSM(sigma) = sigma^4 lambda(sigma), lambda the formalism's denoising-loss
/// weight (EDM's, or DDPM's sigma^-2), so the DLSM term is that formalism's own denoising loss of the class-conditional
/// guided denoiser D + sigma^2 grad log C_y (Eq. 10 of the Gen-neG paper with the class's classifier): it is minimal
/// when model score plus classifier gradient is the score of the class's noisy data (Theorem 1). With
/// <c>crossEntropyWeight</c> lambda > 0 it is their Eq. 11, DLSM + lambda CE. Gen-neG's importance weights (its Eq. 11:
/// alpha / 0.5 on valid, (1 - alpha) / 0.5 on invalid examples of the balanced set) multiply every term.
/// The classifier's input gradient is taken with create_graph, so the loss reaches the weights through it (double backward).
/// </summary>
public sealed class DlsmLoss : IClassifierLoss
{
    private readonly double positiveWeight;
    private readonly double negativeWeight;
    private readonly double crossEntropyWeight;
    private readonly Func<Tensor, Tensor> denoisingWeight;

    /// <param name="positiveWeight">weight of every term on valid examples (Eq. 11: alpha / 0.5)</param>
    /// <param name="negativeWeight">weight on invalid examples (Eq. 11: (1 - alpha) / 0.5)</param>
    /// <param name="crossEntropyWeight">lambda of DLSM's Eq. 11; 0 for DLSM alone</param>
    /// <param name="denoisingWeight">lambda(sigma) of the denoising loss, [B] (IDiffusionFormalism.LossWeight)</param>
    public DlsmLoss(double positiveWeight, double negativeWeight, double crossEntropyWeight, Func<Tensor, Tensor> denoisingWeight)
    {
        this.positiveWeight = positiveWeight;
        this.negativeWeight = negativeWeight;
        this.crossEntropyWeight = crossEntropyWeight;
        this.denoisingWeight = denoisingWeight;
    }

    public bool ReadsModel => true;

    /// <summary>The loss of the batch (per-example weights of a set drawn by sequential importance sampling are not taken).</summary>
    public Tensor Compute(ClassifierBatch batch) =>
        Compute(batch.Classifier, batch.Noisy, batch.Sigma, batch.Condition, batch.Clean, batch.Labels, batch.SampleLabels, batch.ModelDenoised(), batch.ElementMask);

    /// <param name="classifier">the classifier being trained</param>
    /// <param name="noisy">x = x0 + sigma n, [B, *S]</param>
    /// <param name="sigma">[B]</param>
    /// <param name="condition">the samples' condition</param>
    /// <param name="clean">x0, [B, *S]</param>
    /// <param name="labels">1 = valid, 0 = infraction, shaped like the classifier's logits ([B], or [B, *E] for a by-element head; float)</param>
    /// <param name="sampleLabels">each sample's label [B], which picks its importance weight</param>
    /// <param name="modelDenoised">the current model's D(x; sigma, c), [B, *S], no graph needed</param>
    /// <param name="elementMask">which elements [B, *E] are real, or null when all are: padded rows and a by-element head's
    /// padded logits are left out, as guidance leaves them out</param>
    /// <returns>the weighted loss of each example, [B]</returns>
    public Tensor Compute(
        INoiseConditionedClassifier classifier, Tensor noisy, Tensor sigma, Condition condition, Tensor clean, Tensor labels, Tensor sampleLabels, Tensor modelDenoised,
        Tensor? elementMask = null)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var input = noisy.detach().requires_grad_(true);
        var logits = classifier.Logit(input, sigma, condition);
        // log C_y = y log sigmoid(l) + (1 - y) log sigmoid(-l), summed over a sample's elements; the rows are independent,
        // so the gradient of the sum is each row's own input gradient.
        var perLogit = labels * nn.functional.logsigmoid(logits) + (1 - labels) * nn.functional.logsigmoid(-logits);
        var logLikelihood = ElementMasks.KeepRealElements(perLogit, elementMask).reshape(logits.shape[0], -1).sum(1);
        var likelihoodScore = autograd.grad([logLikelihood.sum()], [input], retain_graph: true, create_graph: true)[0];
        var conditionalDenoised = modelDenoised.detach() + PerSample.Broadcast(sigma.square(), input) * likelihoodScore;
        var squared = (conditionalDenoised - clean).square();
        if (elementMask is not null) squared = squared * ElementMasks.Expand(elementMask, squared);
        var dlsm = 0.5 * (PerSample.Broadcast(denoisingWeight(sigma), squared) * squared).flatten(1).sum(1);
        var total = crossEntropyWeight == 0 ? dlsm : dlsm - crossEntropyWeight * logLikelihood;
        var weights = sampleLabels * positiveWeight + (1 - sampleLabels) * negativeWeight;
        return (weights * total).MoveToOuterDisposeScope();
    }
}
