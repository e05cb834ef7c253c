namespace GenNeg.Configuration;

/// <summary>
/// A whole experiment, as read from YAML (keys are the snake_case of the property names, e.g. train.learning_rate).
/// Immutable; <see cref="ConfigLoader"/> validates it at load and each run writes the resolved copy to its folder.
/// </summary>
public sealed record GenNegConfig
{
    /// <summary>Seed of model initialisation, training noise and sampling.</summary>
    public long Seed { get; init; }

    /// <summary>Name of the oracle that labels samples valid (1) or infractions (0); external: a program in any language (external_oracle).</summary>
    public string Oracle { get; init; } = "checkerboard";

    /// <summary>
    /// Where to compute: auto (CUDA when the loaded libtorch has it, else the CPU), cpu, cuda or cuda:N. Not part of the
    /// experiment: a run may be continued on another device.
    /// </summary>
    public string Device { get; init; } = "auto";

    public DataConfig Data { get; init; } = new();
    public ModelConfig Model { get; init; } = new();
    public TrainConfig Train { get; init; } = new();
    public SamplerConfig Sampler { get; init; } = new();
    public EvaluateConfig Evaluate { get; init; } = new();
    public GenNegIterationConfig Genneg { get; init; } = new();
    /// <summary>Distillation of the stack into one network (Eq. 12); same keys as train. Paper: 250k steps, batch 1000.</summary>
    public TrainConfig Distill { get; init; } = new() { Iterations = 250_000 };
    public ReportConfig Report { get; init; } = new();
    public TensorboardConfig Tensorboard { get; init; } = new();
    public Oracles.External.ExternalOracleConfig ExternalOracle { get; init; } = new();
}

/// <summary>TensorBoard event files under the run's tensorboard/ folder (training curves, drawing, stage figures and pictures).</summary>
public sealed record TensorboardConfig
{
    /// <summary>Write TensorBoard event files.</summary>
    public bool Enabled { get; init; } = true;
}

/// <summary>The run report (report.md, report.html): figures per stage, deployment arithmetic, sampling latency.</summary>
public sealed record ReportConfig
{
    /// <summary>delta in "samples needed for one valid sample with probability 1 - delta" (Section 1, D.1).</summary>
    [ValidRange(Min = 0, MinExclusive = true, Max = 1, MaxExclusive = true)]
    public double Delta { get; init; } = 1e-9;
    /// <summary>Batch at which the per-step sampling latency is measured.</summary>
    [ValidRange(Min = 1)]
    public int LatencyBatchSize { get; init; } = 1000;
}

/// <summary>The data set, by name, its sizes and seeds; its own keys sit under its name (data.traffic, data.motion).</summary>
public sealed record DataConfig : ICheckedSection
{
    /// <summary>Built-in data sets: checkerboard (2-D points on the filled cells of a 4x4 board), traffic (scenes of vehicles on road maps), motion (joint-position sequences of human figures).</summary>
    public string Name { get; init; } = "checkerboard";
    /// <summary>Training examples (traffic: scenes; motion: sequences) the data set makes; loaded files set their own count.</summary>
    [ValidRange(Min = 1)]
    public int TrainSize { get; init; } = 1000;
    /// <summary>Held-out examples, drawn from data.validation_seed: the MMD and the likelihood are measured on them.</summary>
    [ValidRange(Min = 2)]
    public int ValidationSize { get; init; } = 3000;
    /// <summary>Seed of the training set.</summary>
    public long Seed { get; init; } = 1;
    /// <summary>Seed of the held-out validation set (must differ from data.seed).</summary>
    public long ValidationSeed { get; init; } = 2;
    /// <summary>
    /// The named data set's own keys, written under its name (data.traffic for data.name: traffic): the record its
    /// registration declares (<see cref="ConfigSchema"/>); empty for a data set without keys of its own.
    /// </summary>
    [NamedSection(nameof(Name))]
    public object? Options { get; init; }

    /// <summary>The data set's own keys as its record (its defaults when the config gives none).</summary>
    public T OptionsAs<T>() where T : class, new() => Options switch
    {
        null => new T(),
        T own => own,
        _ => throw new InvalidOperationException($"data.{Name} holds {Options.GetType().Name}, not {typeof(T).Name}"),
    };

    public void Check(string section)
    {
        if (string.IsNullOrWhiteSpace(Name)) throw ConfigKey.Error(ConfigKey.In(section, "name"), "must name a data set");
        if (Seed == ValidationSeed)
            throw ConfigKey.Error(ConfigKey.In(section, "validation_seed"), $"must differ from data.seed ({Seed}) so the held-out set is new data");
    }
}

/// <summary>The diffusion model: its formalism (EDM or DDPM) and the raw network inside the formalism's preconditioning.</summary>
public sealed record ModelConfig : ICheckedSection
{
    /// <summary>Diffusion formalism: edm (continuous sigma; the sigma_* keys) or ddpm (T discrete steps; the other keys).</summary>
    public string Formalism { get; init; } = "edm";
    /// <summary>The raw network, by name from the backbone registry: mlp (a residual MLP on the flattened sample and condition), or torchscript (a network made in PyTorch, model.torchscript).</summary>
    public string Backbone { get; init; } = "mlp";
    /// <summary>
    /// model.backbone torchscript: the TorchScript file (saved by torch.jit.save) of a network F(x, noise label) from
    /// samples [B, *S] and labels [B] to [B, *S]; its weights are the starting point of training. A relative path is
    /// taken from the working directory. Empty for every other backbone.
    /// </summary>
    public string Torchscript { get; init; } = "";
    /// <summary>
    /// model.backbone torchscript: which network the file is. backbone: the raw network F(c_in x, c_noise) inside
    /// GenNeg's preconditioning (edm: c_noise = ln(sigma) / 4; ddpm: t / T with t in 1..T); ddpm_epsilon (model.formalism
    /// ddpm, model.prediction epsilon): a whole epsilon-predictor eps(x_t, t) as PyTorch DDPM code trains it, x_t the
    /// noised sample and t the step index 0..T-1 (model.torchscript_timestep says its dtype); edm_denoiser
    /// (model.formalism edm): a whole denoiser D(x, sigma) of x = x0 + sigma n with sigma [B].
    /// </summary>
    public string TorchscriptContract { get; init; } = "backbone";
    /// <summary>
    /// model.torchscript_contract ddpm_epsilon: the dtype of the step index t the network takes, int64 (t rounded to
    /// the nearest step, as networks that index tables by t need) or float32 (t as is, fractional between steps).
    /// </summary>
    public string TorchscriptTimestep { get; init; } = "int64";
    /// <summary>Width of the backbone (the MLP's hidden layer, the transformers' token width).</summary>
    [ValidRange(Min = 1)]
    public int Hidden { get; init; } = 256;
    /// <summary>Attention heads (agent_transformer); must divide hidden.</summary>
    [ValidRange(Min = 1)]
    public int Heads { get; init; } = 4;
    /// <summary>Residual blocks (MLP) or attention blocks (transformers) of the backbone.</summary>
    [ValidRange(Min = 0)]
    public int Blocks { get; init; } = 2;
    /// <summary>Width of the sinusoidal embedding of the noise level (even).</summary>
    [ValidRange(Min = 2)]
    public int TimeEmbedding { get; init; } = 128;
    /// <summary>EDM: sigma_data, the data's standard deviation in the preconditioning (Karras et al. 2022, Table 1).</summary>
    [ValidRange(Min = 0, MinExclusive = true)]
    public double SigmaData { get; init; } = 1.0;
    /// <summary>EDM: the lowest noise level, where training and sampling end.</summary>
    [ValidRange(Min = 0, MinExclusive = true)]
    public double SigmaMin { get; init; } = 0.002;
    /// <summary>EDM: the highest noise level, where sampling starts; above model.sigma_min.</summary>
    public double SigmaMax { get; init; } = 80.0;
    /// <summary>DDPM: T, the number of diffusion steps.</summary>
    [ValidRange(Min = 2)]
    public int Timesteps { get; init; } = 1000;
    /// <summary>
    /// DDPM: what the network predicts, epsilon (Ho et al.; the default) or x0 (the clean sample, as MDM; trained on
    /// ||x0 - D||^2). The paper notes x0 models are harder to guide.
    /// </summary>
    public string Prediction { get; init; } = "epsilon";
    /// <summary>DDPM: beta schedule, linear (Ho et al.) or cosine (Nichol &amp; Dhariwal).</summary>
    public string Schedule { get; init; } = "linear";
    /// <summary>DDPM, linear schedule: beta_1.</summary>
    [ValidRange(Min = 0, MinExclusive = true, Max = 1 - 1e-9)]
    public double BetaStart { get; init; } = 1e-4;
    /// <summary>DDPM, linear schedule: beta_T, in [model.beta_start, 0.999999999].</summary>
    public double BetaEnd { get; init; } = 0.02;

    public void Check(string section)
    {
        if (TimeEmbedding % 2 != 0) throw ConfigKey.Error(ConfigKey.In(section, "time_embedding"), $"must be even, got {TimeEmbedding}");
        if (SigmaMax <= SigmaMin)
            throw ConfigKey.Error(ConfigKey.In(section, "sigma_max"), $"({ConfigKey.Format(SigmaMax)}) must exceed model.sigma_min ({ConfigKey.Format(SigmaMin)})");
        new ValidRangeAttribute { Min = BetaStart, Max = 1 - 1e-9 }.Check(ConfigKey.In(section, "beta_end"), BetaEnd);
    }
}

/// <summary>A training run (the baseline; genneg.classifier and distill take the same keys).</summary>
public record TrainConfig
{
    /// <summary>Optimisation steps.</summary>
    [ValidRange(Min = 1)]
    public int Iterations { get; init; } = 30_000;
    /// <summary>Examples per step; equal to data.train_size means full-batch training (the paper's choice).</summary>
    [ValidRange(Min = 1)]
    public int BatchSize { get; init; } = 1000;
    /// <summary>Adam's learning rate.</summary>
    [ValidRange(Min = 0, MinExclusive = true)]
    public double LearningRate { get; init; } = 3e-4;
    /// <summary>Fraction of steps over which the learning rate decays linearly to zero at the end (0 = constant).</summary>
    [ValidRange(Min = 0, Max = 1)]
    public double LearningRateDecay { get; init; }
    /// <summary>Exponential moving average of the weights used for sampling; 0 turns it off.</summary>
    [ValidRange(Min = 0, Max = 1, MaxExclusive = true)]
    public double EmaDecay { get; init; }
    /// <summary>Steps between resumable checkpoints.</summary>
    [ValidRange(Min = 1)]
    public int CheckpointEvery { get; init; } = 1000;
}

/// <summary>The sampler of evaluation, drawing and sampling.</summary>
public sealed record SamplerConfig
{
    /// <summary>Sampler: heun (EDM's stochastic second-order sampler) or euler_maruyama (its reverse SDE, first order) for EDM; ancestral or ddim for DDPM.</summary>
    public string Name { get; init; } = "heun";
    /// <summary>Steps; for DDPM at most model.timesteps (fewer visit evenly spaced steps).</summary>
    [ValidRange(Min = 1)]
    public int Steps { get; init; } = 100;
    /// <summary>heun: EDM's S_churn.</summary>
    [ValidRange(Min = 0)]
    public double Churn { get; init; } = 10;
    /// <summary>ddim: eta, 0 for the deterministic sampler, 1 for the ancestral posterior variance.</summary>
    [ValidRange(Min = 0)]
    public double Eta { get; init; }
    /// <summary>ancestral and ddim with fewer steps than model.timesteps: linear (evenly spaced) or quadratic (closer near t = 0).</summary>
    public string Spacing { get; init; } = "linear"; // DdpmSteps.LinearSpacing: the samplers sit above the config records, and load checks the value against their list
    /// <summary>Samples integrated at once.</summary>
    [ValidRange(Min = 1)]
    public int BatchSize { get; init; } = 10_000;
}

/// <summary>What evaluate measures for a stage: infraction rate, MMD to held-out data, the likelihood bound and the exact NLL.</summary>
public sealed record EvaluateConfig : ICheckedSection
{
    /// <summary>Samples drawn to measure the infraction rate.</summary>
    [ValidRange(Min = 1)]
    public int Samples { get; init; } = 20_000;
    /// <summary>Samples (and held-out points) compared by MMD.</summary>
    [ValidRange(Min = 2)]
    public int MmdSamples { get; init; } = 3000;
    /// <summary>Bandwidths of the Gaussian kernels whose sum is the MMD's kernel, in the model's normalised units.</summary>
    public IReadOnlyList<double> MmdBandwidths { get; init; } = [0.1, 0.5, 1.0, 2.0];
    /// <summary>Noise levels drawn per held-out example for the ELBO.</summary>
    [ValidRange(Min = 1)]
    public int ElboNoiseDraws { get; init; } = 16;
    /// <summary>
    /// bound: the ELBO (DDPM: r-ELBO) only; exact: also the NLL from the probability-flow ODE, measured by evaluate and
    /// by pipeline for the baseline and its last stage (iterate, distill and rescale record the bound; a guided stack's
    /// NLL costs minutes: evaluate --stage S --likelihood exact measures it on request).
    /// </summary>
    public string Likelihood { get; init; } = LikelihoodModes.Bound;
    /// <summary>Held-out points whose exact NLL is measured (the first ones of the validation set).</summary>
    [ValidRange(Min = 1)]
    public int LikelihoodSamples { get; init; } = 1000;
    /// <summary>ODE solver of the exact likelihood: adaptive (Dormand-Prince 5(4), per-example steps) or fixed (equal steps in ln sigma).</summary>
    public string OdeSolver { get; init; } = "adaptive"; // OdeSettings.AdaptiveSolver, checked at load against OdeSettings.Solvers
    /// <summary>fixed solver: steps from the lowest to the highest noise level.</summary>
    [ValidRange(Min = 1)]
    public int OdeSteps { get; init; } = 64;
    /// <summary>adaptive solver: relative tolerance of each step's local error.</summary>
    [ValidRange(Min = 0, MinExclusive = true)]
    public double OdeRelativeTolerance { get; init; } = 1e-5;
    /// <summary>adaptive solver: absolute tolerance of each step's local error.</summary>
    [ValidRange(Min = 0, MinExclusive = true)]
    public double OdeAbsoluteTolerance { get; init; } = 1e-5;
    /// <summary>The divergence is exact (one backward pass per dimension) up to this dimension, Hutchinson's estimator above it.</summary>
    [ValidRange(Min = 0)]
    public int HutchinsonAboveDimension { get; init; } = 16;
    /// <summary>Rademacher probes per example for Hutchinson's estimator.</summary>
    [ValidRange(Min = 1)]
    public int HutchinsonProbes { get; init; } = 1;

    public void Check(string section)
    {
        if (MmdBandwidths.Count == 0 || MmdBandwidths.Any(h => h <= 0))
            throw ConfigKey.Error(ConfigKey.In(section, "mmd_bandwidths"), "must be a non-empty list of positive numbers");
    }
}

/// <summary>One Gen-neG iteration (Algorithm 1, lines 5-19): balanced synthetic data, alpha, classifier, stacking.</summary>
public sealed record GenNegIterationConfig : ICheckedSection
{
    /// <summary>Iterations the pipeline runs (genneg iterate does one per call unless --iterations says otherwise).</summary>
    [ValidRange(Min = 0)]
    public int Iterations { get; init; } = 2;
    /// <summary>N: positives and negatives each in the balanced synthetic data set.</summary>
    [ValidRange(Min = 1)]
    public int PerClass { get; init; } = 5000;
    /// <summary>Samples drawn per sampler call while collecting the synthetic data.</summary>
    [ValidRange(Min = 1)]
    public int DrawBatchSize { get; init; } = 10_000;
    /// <summary>
    /// Draw budget. When it runs out before N of each class, the iteration goes on with a balanced set as large as the
    /// rarer class allows, if that reaches min_per_class; otherwise it stops with a message.
    /// </summary>
    public long MaxDraws { get; init; } = 2_000_000;
    /// <summary>
    /// Sharded drawing (genneg draw --shard I --shards N) only: blocks of draw_batch_size samples the shards draw in all,
    /// each shard all of its own whatever the merge needs; 0 for as many as max_draws allows. A budget nearer what the
    /// merge needs saves work: with a valid rate p, about per_class / (min(p, 1 - p) * draw_batch_size) blocks.
    /// </summary>
    [ValidRange(Min = 0)]
    public long ShardBlocks { get; init; }
    /// <summary>Smallest balanced set (per class) accepted when the draw budget runs out.</summary>
    [ValidRange(Min = 1)]
    public int MinPerClass { get; init; } = 500;
    /// <summary>
    /// none: the method; imbalanced: classifier on 2N draws as they come, unweighted;
    /// no_importance_weights: balanced data, unweighted loss (alpha ignored).
    /// </summary>
    public string Ablation { get; init; } = "none";
    /// <summary>
    /// Classifier head: by_element (one logit per element, trained on element labels: the paper's by-agent) or by_sample
    /// (one logit per sample: by-scene). The same network when the oracle labels whole samples.
    /// </summary>
    public string Head { get; init; } = "by_element";
    /// <summary>Ablation: a classifier on clean x0, applied while sampling to the one-step estimate D(x; sigma).</summary>
    public bool TimeIndependent { get; init; }
    /// <summary>Multiplies every classifier's gradient while sampling (1 = the method).</summary>
    [ValidRange(Min = 0)]
    public double GuidanceScale { get; init; } = 1.0;
    /// <summary>
    /// Noise levels (sigma; DDPM: sqrt((1 - abar_t) / abar_t)) above which the stack guides nothing and the new classifier
    /// is not trained; empty for every level (the method). Where the data are drowned in noise the true p(valid | x) is
    /// flat, so a classifier's gradient there is estimation error, multiplied by sigma^2 in Eq. 10.
    /// </summary>
    [ValidRange(Min = 0, MinExclusive = true)]
    public double? GuidanceMaxSigma { get; init; }
    /// <summary>Classifier training; the classifier has the denoiser's backbone shape (see genneg.classifier.backbone), with one output. Paper: 20k steps at batch 8192, lr 3e-3.</summary>
    public ClassifierTrainConfig Classifier { get; init; } = new() { Iterations = 20_000, BatchSize = 8192, LearningRate = 3e-3 };
    /// <summary>
    /// How the synthetic set is drawn: standard (from the current model until N of each class, Algorithm 1) or sis
    /// (sequential importance sampling from a proposal that infracts more often, each draw weighted towards the current
    /// model; Appendix D.2, keys under genneg.sis).
    /// </summary>
    public string Draw { get; init; } = "standard";
    public ImportanceDrawingConfig Sis { get; init; } = new();

    public void Check(string section)
    {
        if (MinPerClass > PerClass)
            throw ConfigKey.Error(ConfigKey.In(section, "min_per_class"), $"({MinPerClass}) cannot exceed genneg.per_class ({PerClass})");
        new ValidRangeAttribute { Min = 2.0 * MinPerClass }.Check(ConfigKey.In(section, "max_draws"), MaxDraws);
    }
}

/// <summary>Sequential importance sampling of the synthetic set (genneg.draw: sis).</summary>
public sealed record ImportanceDrawingConfig
{
    /// <summary>The proposal: a stage of the run (default the baseline), or current for the stage being built on at proposal_guidance_scale.</summary>
    public string Proposal { get; init; } = "baseline";
    /// <summary>proposal current only: the scale of its classifier stack's guidance (0 drops it; negative pushes towards infractions).</summary>
    public double ProposalGuidanceScale { get; init; }
    /// <summary>Warn when a class's effective sample size (sum w)^2 / sum w^2 falls below this fraction of its kept samples.</summary>
    [ValidRange(Min = 0, Max = 1)]
    public double MinEssFraction { get; init; } = 0.1;
    /// <summary>
    /// The Gaussian-step sampler that draws, at sampler.steps: auto for the formalism's default (edm: euler_maruyama,
    /// ddpm: ancestral); edm also takes heun, the evaluation's own sampler read as a chain of its churned points.
    /// </summary>
    public string Sampler { get; init; } = FormalismDefault;
    /// <summary>
    /// Classifier training steps for a set drawn by SIS; empty for genneg.classifier.iterations. SIS keeps the full N + N
    /// where the standard drawing's late sets shrink to a few hundred, and spends far less time drawing them, so its
    /// larger weighted set can take more steps in about the same time per iteration (docs/results-checkerboard.md).
    /// </summary>
    [ValidRange(Min = 1)]
    public int? ClassifierIterations { get; init; }

    public const string FormalismDefault = "auto";
}

/// <summary>Classifier training: the training keys plus the classifier's loss.</summary>
public sealed record ClassifierTrainConfig : TrainConfig
{
    /// <summary>
    /// cross_entropy: Eq. 11's importance-weighted cross-entropy; dlsm: denoising likelihood score matching (Chao et al.
    /// 2022, Eq. 10) with the current model's score; dlsm_ce: dlsm plus cross_entropy_weight times the cross-entropy
    /// (their Eq. 11). Eq. 11's importance weights (Gen-neG) apply to every term.
    /// </summary>
    public string Loss { get; init; } = "cross_entropy"; // ClassifierLosses.CrossEntropy, checked at load against ClassifierLosses.Names
    /// <summary>lambda of dlsm_ce: the weight of the cross-entropy next to the DLSM term.</summary>
    [ValidRange(Min = 0)]
    public double CrossEntropyWeight { get; init; } = 1.0;
    /// <summary>
    /// The classifiers' backbone, by name from the backbone registry, built with the model section's sizes (model.hidden,
    /// model.blocks, ...): auto for model.backbone, or mlp when that is torchscript (the denoiser's file gives no logits);
    /// torchscript for a network of your own from genneg.classifier.torchscript.
    /// </summary>
    public string Backbone { get; init; } = AutoBackbone;
    /// <summary>
    /// With genneg.classifier.backbone torchscript: a TorchScript file (torch.jit.save) of the classifier's raw network
    /// F(x, c_noise), from samples [B, *S] float32 and a noise label [B] float32 to one logit per sample [B] (genneg.head
    /// by_sample) or per element [B, *E] (by_element). Every classifier starts from the file's weights and trains inside
    /// the formalism's preconditioning.
    /// </summary>
    public string Torchscript { get; init; } = "";

    /// <summary>genneg.classifier.backbone's default: the denoiser's backbone where it can classify.</summary>
    public const string AutoBackbone = "auto";
}
