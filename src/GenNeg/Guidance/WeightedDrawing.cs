using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Oracles;
using GenNeg.Runtime;
using GenNeg.Sampling;
using static TorchSharp.torch;

namespace GenNeg.Guidance;

/// <summary>
/// Draws the balanced synthetic set by sequential importance sampling (Appendix D.2): trajectories from a proposal
/// that infracts more often, each weighted towards the target, labelled by the oracle until N of each class, saving
/// after every batch so an interrupted drawing resumes to the same set. Counting and keeping follow
/// <see cref="SyntheticDrawing"/> (the first N of each class, every draw counted), with the weights kept alongside.
/// </summary>
public static class WeightedDrawing
{
    public static WeightedSyntheticSet Draw(
        IGaussianStepSampler sampler, IDenoiser target, IDenoiser proposal, IOracle oracle, DrawSource source, DrawSettings settings,
        Generator generator, string savePath, IProgress<DrawProgress>? progress = null, CancellationToken cancellation = default)
    {
        if (!settings.Balanced)
            throw new GenNegException("sequential importance sampling draws balanced sets only; the imbalanced ablation draws with genneg.draw: standard");
        var set = File.Exists(savePath) ? WeightedSyntheticSet.Load(savePath, generator) : WeightedSyntheticSet.Empty(source, generator.device);
        Report(progress, set, settings);
        while (!set.Set.Complete)
        {
            cancellation.ThrowIfCancellationRequested();
            var next = set.Set.Drawn >= settings.MaxDraws
                ? SettleForBudget(set, settings)
                : AddBatch(set, sampler, target, proposal, oracle, source, settings, generator);
            set.Dispose();
            set = next;
            NativeHeap.Trim();
            set.Save(savePath, generator);
            Report(progress, set, settings);
        }
        return set;
    }

    private static void Report(IProgress<DrawProgress>? progress, WeightedSyntheticSet set, DrawSettings settings) =>
        progress?.Report(new DrawProgress(set.Set.Drawn, set.Set.PositivesDrawn, set.Set.NegativesDrawn, settings.PerClass, settings.MaxDraws));

    private static WeightedSyntheticSet AddBatch(
        WeightedSyntheticSet set, IGaussianStepSampler sampler, IDenoiser target, IDenoiser proposal, IOracle oracle, DrawSource source,
        DrawSettings settings, Generator generator)
    {
        using var scope = NewDisposeScope();
        var batch = Math.Min(settings.BatchSize, settings.MaxDraws - set.Set.Drawn);
        var drawn = SequentialImportanceSampling.DrawBatch(sampler, target, proposal, batch, source.SampleShape, source.Conditions, generator);
        var (labelled, valid) = SyntheticDrawing.Label(oracle, drawn.Drawn, source.ElementShape);
        var next = SyntheticDrawing.AddLabelled(set.Set, labelled, valid, settings);
        // The same first-N-per-class cut as the samples, on the weights.
        var positives = cat([set.PositiveLogWeights, drawn.LogWeights.Rows(valid.nonzero().squeeze(1))], 0)[..(int)next.Positives.Count];
        var negatives = cat([set.NegativeLogWeights, drawn.LogWeights.Rows(valid.logical_not().nonzero().squeeze(1))], 0)[..(int)next.Negatives.Count];
        var logTotal = WeightedSyntheticSet.LogAdd(set.LogWeightTotal, LogSum(drawn.LogWeights));
        var logValid = WeightedSyntheticSet.LogAdd(set.LogWeightValid, LogSum(drawn.LogWeights.Rows(valid.nonzero().squeeze(1))));
        next.Positives.MoveToOuterDisposeScope();
        next.Negatives.MoveToOuterDisposeScope();
        return new WeightedSyntheticSet(next, positives.clone().MoveToOuterDisposeScope(), negatives.clone().MoveToOuterDisposeScope(), logTotal, logValid);
    }

    /// <summary>The budget ran out: the smaller balanced set <see cref="SyntheticDrawing.SettleForBudget"/> allows, with its weights.</summary>
    private static WeightedSyntheticSet SettleForBudget(WeightedSyntheticSet set, DrawSettings settings)
    {
        var rarer = (int)Math.Min(set.Set.Positives.Count, set.Set.Negatives.Count);
        var settled = SyntheticDrawing.SettleForBudget(set.Set, settings);
        return new WeightedSyntheticSet(settled, set.PositiveLogWeights[..rarer].clone(), set.NegativeLogWeights[..rarer].clone(),
            set.LogWeightTotal, set.LogWeightValid);
    }

    private static double LogSum(Tensor logWeights)
    {
        if (logWeights.shape[0] == 0) return double.NegativeInfinity;
        using var sum = logWeights.logsumexp(0);
        return sum.cpu().item<double>();
    }
}
