using GenNeg.Diffusion;
using GenNeg.Sampling;
using GenNeg.Guidance;
using GenNeg.Runtime;

namespace GenNeg.Configuration;

/// <summary>Range checks that types alone cannot express; each failure names its key.</summary>
public static class ConfigValidator
{
    public static void Validate(GenNegConfig c)
    {
        if (!DeviceSelection.IsWellFormed(c.Device))
            throw new GenNegException($"config key 'device' must be one of {string.Join(", ", DeviceSelection.Forms)}, got '{c.Device}'");
        // Data set, oracle and backbone names are checked against the registries when a workflow opens the experiment,
        // so that names registered by user code are accepted.
        if (string.IsNullOrWhiteSpace(c.Data.Name)) throw new GenNegException("config key 'data.name' must name a data set");
        Domains.Traffic.TrafficDataConfigValidator.Validate(c.Data.Traffic);
        Domains.Motion.MotionDataConfigValidator.Validate(c.Data.Motion);
        AtLeast("data.train_size", c.Data.TrainSize, 1);
        AtLeast("data.validation_size", c.Data.ValidationSize, 2);
        if (c.Data.Seed == c.Data.ValidationSeed)
            throw new GenNegException($"config key 'data.validation_seed' must differ from data.seed ({c.Data.Seed}) so the held-out set is new data");

        OneOf("model.formalism", c.Model.Formalism, ModelFactory.FormalismNames);
        AtLeast("model.hidden", c.Model.Hidden, 1);
        AtLeast("model.blocks", c.Model.Blocks, 0);
        AtLeast("model.heads", c.Model.Heads, 1);
        AtLeast("model.time_embedding", c.Model.TimeEmbedding, 2);
        if (c.Model.TimeEmbedding % 2 != 0) throw new GenNegException($"config key 'model.time_embedding' must be even, got {c.Model.TimeEmbedding}");
        Positive("model.sigma_data", c.Model.SigmaData);
        Positive("model.sigma_min", c.Model.SigmaMin);
        if (c.Model.SigmaMax <= c.Model.SigmaMin)
            throw new GenNegException($"config key 'model.sigma_max' ({c.Model.SigmaMax}) must exceed model.sigma_min ({c.Model.SigmaMin})");
        AtLeast("model.timesteps", c.Model.Timesteps, 2);
        OneOf("model.prediction", c.Model.Prediction, DdpmFormalism.Predictions);
        if (c.Model.Prediction != DdpmFormalism.EpsilonPrediction && c.Model.Formalism != DdpmFormalism.Name)
            throw new GenNegException($"config key 'model.prediction' ({c.Model.Prediction}) applies to the ddpm formalism only; model.formalism is {c.Model.Formalism}");
        OneOf("model.schedule", c.Model.Schedule, ["linear", "cosine"]);
        InRange("model.beta_start", c.Model.BetaStart, double.Epsilon, 1 - 1e-9);
        InRange("model.beta_end", c.Model.BetaEnd, c.Model.BetaStart, 1 - 1e-9);

        Training("train", c.Train);

        AtLeast("sampler.steps", c.Sampler.Steps, 1);
        if (c.Sampler.Churn < 0) throw new GenNegException($"config key 'sampler.churn' must be at least 0, got {c.Sampler.Churn}");
        if (c.Sampler.Eta < 0) throw new GenNegException($"config key 'sampler.eta' must be at least 0, got {c.Sampler.Eta}");
        OneOf("sampler.spacing", c.Sampler.Spacing, DdpmSteps.Spacings);
        // The formalism knows its samplers and their step limits.
        ModelFactory.CreateSampler(c.Sampler, c.Model);
        AtLeast("sampler.batch_size", c.Sampler.BatchSize, 1);

        AtLeast("evaluate.samples", c.Evaluate.Samples, 1);
        AtLeast("evaluate.mmd_samples", c.Evaluate.MmdSamples, 2);
        if (c.Evaluate.MmdSamples > c.Data.ValidationSize)
            throw new GenNegException($"config key 'evaluate.mmd_samples' ({c.Evaluate.MmdSamples}) cannot exceed data.validation_size ({c.Data.ValidationSize})");
        if (c.Evaluate.MmdBandwidths.Count == 0 || c.Evaluate.MmdBandwidths.Any(h => h <= 0))
            throw new GenNegException("config key 'evaluate.mmd_bandwidths' must be a non-empty list of positive numbers");
        AtLeast("evaluate.elbo_noise_draws", c.Evaluate.ElboNoiseDraws, 1);
        OneOf("evaluate.likelihood", c.Evaluate.Likelihood, ["bound", "exact"]);
        AtLeast("evaluate.likelihood_samples", c.Evaluate.LikelihoodSamples, 1);
        OneOf("evaluate.ode_solver", c.Evaluate.OdeSolver, ["adaptive", "fixed"]);
        AtLeast("evaluate.ode_steps", c.Evaluate.OdeSteps, 1);
        Positive("evaluate.ode_relative_tolerance", c.Evaluate.OdeRelativeTolerance);
        Positive("evaluate.ode_absolute_tolerance", c.Evaluate.OdeAbsoluteTolerance);
        AtLeast("evaluate.hutchinson_above_dimension", c.Evaluate.HutchinsonAboveDimension, 0);
        AtLeast("evaluate.hutchinson_probes", c.Evaluate.HutchinsonProbes, 1);

        var g = c.Genneg;
        AtLeast("genneg.iterations", g.Iterations, 0);
        AtLeast("genneg.per_class", g.PerClass, 1);
        AtLeast("genneg.draw_batch_size", g.DrawBatchSize, 1);
        AtLeast("genneg.min_per_class", g.MinPerClass, 1);
        if (g.MinPerClass > g.PerClass)
            throw new GenNegException($"config key 'genneg.min_per_class' ({g.MinPerClass}) cannot exceed genneg.per_class ({g.PerClass})");
        AtLeast("genneg.max_draws", g.MaxDraws, 2L * g.MinPerClass);
        AtLeast("genneg.shard_blocks", g.ShardBlocks, 0);
        OneOf("genneg.ablation", g.Ablation, Ablations.Names);
        OneOf("genneg.head", g.Head, ClassifierHead.Names);
        if (g.GuidanceScale < 0) throw new GenNegException($"config key 'genneg.guidance_scale' must be at least 0, got {g.GuidanceScale}");
        if (g.GuidanceMaxSigma is <= 0) throw new GenNegException($"config key 'genneg.guidance_max_sigma' must be above 0 (or empty for every noise level), got {g.GuidanceMaxSigma}");
        Training("genneg.classifier", g.Classifier);
        OneOf("genneg.classifier.loss", g.Classifier.Loss, ["cross_entropy", "dlsm", "dlsm_ce"]);
        if (g.Classifier.CrossEntropyWeight < 0)
            throw new GenNegException($"config key 'genneg.classifier.cross_entropy_weight' must be at least 0, got {g.Classifier.CrossEntropyWeight}");
        if (g.Classifier.Loss != "cross_entropy" && g.TimeIndependent)
            throw new GenNegException($"config key 'genneg.classifier.loss' ({g.Classifier.Loss}) needs a time-dependent classifier; set genneg.time_independent: false");
        OneOf("genneg.draw", g.Draw, DrawMethods.Names);
        if (g.Sis.ClassifierIterations is { } sisSteps) AtLeast("genneg.sis.classifier_iterations", sisSteps, 1);
        if (g.Draw == DrawMethods.Sis)
        {
            if (string.IsNullOrWhiteSpace(g.Sis.Proposal)) throw new GenNegException("config key 'genneg.sis.proposal' must name a stage or 'current'");
            InRange("genneg.sis.min_ess_fraction", g.Sis.MinEssFraction, 0, 1);
            // The formalism knows which of its samplers can draw by sequential importance sampling.
            ModelFactory.Formalism(c.Model).CreateImportanceSampler(c.Sampler, g.Sis.Sampler);
            if (g.Ablation == Ablations.Imbalanced)
                throw new GenNegException("config key 'genneg.draw' (sis) draws balanced sets only; the imbalanced ablation needs genneg.draw: standard");
            if (g.Classifier.Loss != "cross_entropy")
                throw new GenNegException($"config key 'genneg.draw' (sis) trains with per-example weights, which genneg.classifier.loss '{g.Classifier.Loss}' does not take; use cross_entropy");
        }
        Training("distill", c.Distill);
        if (c.Report.Delta <= 0 || c.Report.Delta >= 1)
            throw new GenNegException($"config key 'report.delta' must be in (0, 1), got {c.Report.Delta}");
        AtLeast("report.latency_batch_size", c.Report.LatencyBatchSize, 1);
    }

    private static void Training(string section, TrainConfig t)
    {
        AtLeast($"{section}.iterations", t.Iterations, 1);
        AtLeast($"{section}.batch_size", t.BatchSize, 1);
        Positive($"{section}.learning_rate", t.LearningRate);
        InRange($"{section}.learning_rate_decay", t.LearningRateDecay, 0, 1);
        if (t.EmaDecay < 0 || t.EmaDecay >= 1)
            throw new GenNegException($"config key '{section}.ema_decay' must be in [0, 1), got {t.EmaDecay}");
        AtLeast($"{section}.checkpoint_every", t.CheckpointEvery, 1);
    }

    private static void AtLeast(string key, long value, long minimum)
    {
        if (value < minimum) throw new GenNegException($"config key '{key}' must be at least {minimum}, got {value}");
    }

    private static void Positive(string key, double value)
    {
        if (value <= 0) throw new GenNegException($"config key '{key}' must be positive, got {value}");
    }

    private static void InRange(string key, double value, double low, double high)
    {
        if (value < low || value > high) throw new GenNegException($"config key '{key}' must be in [{low}, {high}], got {value}");
    }

    private static void OneOf(string key, string value, IReadOnlyList<string> allowed)
    {
        if (!allowed.Contains(value, StringComparer.Ordinal))
            throw new GenNegException($"config key '{key}' must be one of {string.Join(", ", allowed)}, got '{value}'");
    }
}
