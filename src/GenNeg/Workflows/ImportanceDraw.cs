using GenNeg.Configuration;
using GenNeg.Guidance;
using GenNeg.Oracles;
using GenNeg.Runs;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace GenNeg.Workflows;

/// <summary>
/// An iteration's synthetic set drawn by sequential importance sampling (genneg.draw: sis, Appendix D.2): the stage
/// built on is the target, genneg.sis.proposal the proposal, and the formalism's Gaussian-step sampler (EDM:
/// Euler-Maruyama, DDPM: ancestral) at sampler.steps draws, whatever sampler evaluates the stages.
/// </summary>
public static class ImportanceDraw
{
    /// <summary>Refuses a proposal the run does not have, before the iteration's folder is made.</summary>
    public static void CheckProposal(RunFolder run, GenNegConfig config)
    {
        var sis = config.Genneg.Sis;
        if (config.Genneg.Draw != DrawMethods.Sis || sis.Proposal == DrawMethods.CurrentProposal) return;
        if (run.LoadManifest().Find(sis.Proposal) is null)
            throw new GenNegException(
                $"config key 'genneg.sis.proposal': run folder '{run.Root}' has no stage '{sis.Proposal}'; stages: " +
                $"{string.Join(", ", run.LoadManifest().Stages.Select(s => s.Name))}, or {DrawMethods.CurrentProposal}");
    }

    public static (WeightedSyntheticSet Set, ImportanceDrawingRecord Record) Draw(
        RunFolder run, Experiment experiment, StageRecord from, string name, string folder, IOracle oracle, Generator generator,
        IWorkflowProgress progress, ILogger logger, CancellationToken cancellation)
    {
        var config = experiment.Config;
        var settings = config.Genneg;
        var sis = settings.Sis;
        var current = sis.Proposal == DrawMethods.CurrentProposal;
        var proposalRecord = current ? @from with { GuidanceScale = sis.ProposalGuidanceScale } : run.Stage(sis.Proposal);
        var sameAsTarget = proposalRecord.Name == from.Name && proposalRecord.GuidanceScale == from.GuidanceScale;
        using var target = LoadedStage.Load(run, experiment, from);
        using var proposal = sameAsTarget ? null : LoadedStage.Load(run, experiment, proposalRecord);
        var sampler = experiment.Models.Formalism.CreateImportanceSampler(config.Sampler, sis.Sampler);
        logger.LogInformation(
            "{Stage}: drawing by sequential importance sampling from proposal {Proposal} (guidance scale {Scale}) towards {Target}, with the " +
            "{Sampler} sampler over {Steps} steps (the configured {Configured} sampler evaluates the stage)",
            name, sis.Proposal, proposalRecord.GuidanceScale, from.Name, sampler.Label, sampler.Steps, config.Sampler.Name);
        var draw = new DrawSettings(settings.PerClass, settings.DrawBatchSize, settings.MaxDraws, Balanced: true, settings.MinPerClass);
        var set = WeightedDrawing.Draw(sampler, target.Denoiser, proposal?.Denoiser ?? target.Denoiser, oracle, DrawSource.Training(experiment.Data),
            draw, generator, run.PathOf(folder + "draws.bin"), progress.Drawing($"draw for {from.Name} from {sis.Proposal}"), cancellation);

        var record = new ImportanceDrawingRecord(sis.Proposal, proposalRecord.GuidanceScale, sampler.Label, sampler.Steps, set.PositiveEss, set.NegativeEss);
        logger.LogInformation("{Stage}: effective sample size {PositiveEss:F0} of {Positives} valid and {NegativeEss:F0} of {Negatives} invalid",
            name, record.PositiveEss, set.Set.Positives.Count, record.NegativeEss, set.Set.Negatives.Count);
        WarnOnLowEss(logger, name, "valid", record.PositiveEss, set.Set.Positives.Count, sis.MinEssFraction);
        WarnOnLowEss(logger, name, "invalid", record.NegativeEss, set.Set.Negatives.Count, sis.MinEssFraction);
        return (set, record);
    }

    private static void WarnOnLowEss(ILogger logger, string name, string label, double ess, long kept, double minimumFraction)
    {
        if (ess >= minimumFraction * kept) return;
        logger.LogWarning(
            "{Stage}: the {Class} class's effective sample size is {Ess:F0} of {Kept} kept samples, below genneg.sis.min_ess_fraction ({Fraction:P0}): " +
            "a few draws carry its weight. Use a proposal closer to the current model (a later stage as genneg.sis.proposal, or current with " +
            "genneg.sis.proposal_guidance_scale nearer the stage's own), raise genneg.per_class, or draw with genneg.draw: standard",
            name, label, ess, kept, minimumFraction);
    }
}
