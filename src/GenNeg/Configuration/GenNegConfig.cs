namespace GenNeg.Configuration;

/// <summary>
/// A whole experiment, as read from YAML (keys are the snake_case of the property names, e.g. train.learning_rate).
/// Immutable; <see cref="ConfigLoader"/> validates it at load and each run writes the resolved copy to its folder.
/// </summary>
public sealed record GenNegConfig
{
    /// <summary>Seed of model initialisation, training noise and sampling.</summary>
    public long Seed { get; init; }

    /// <summary>Name of the oracle that labels samples valid (1) or infractions (0).</summary>
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
}

/// <summary>TensorBoard event files under the run's tensorboard/ folder (training curves, drawing, stage figures and pictures).</summary>
public sealed record TensorboardConfig
{
    public bool Enabled { get; init; } = true;
}

public sealed record ReportConfig
{
    /// <summary>delta in "samples needed for one valid sample with probability 1 - delta" (Section 1, D.1).</summary>
    public double Delta { get; init; } = 1e-9;
    /// <summary>Batch at which the per-step sampling latency is measured.</summary>
    public int LatencyBatchSize { get; init; } = 1000;
}

public sealed record DataConfig
{
    /// <summary>Built-in data sets: checkerboard (2-D points on the filled cells of a 4x4 board), traffic (scenes of vehicles on road maps), motion (joint-position sequences of human figures).</summary>
    public string Name { get; init; } = "checkerboard";
    public int TrainSize { get; init; } = 1000;
    public int ValidationSize { get; init; } = 3000;
    /// <summary>Seed of the training set.</summary>
    public long Seed { get; init; } = 1;
    /// <summary>Seed of the held-out validation set (must differ from data.seed).</summary>
    public long ValidationSeed { get; init; } = 2;
    public GenNeg.Domains.Traffic.TrafficDataConfig Traffic { get; init; } = new();
    public GenNeg.Domains.Motion.MotionDataConfig Motion { get; init; } = new();
}

public sealed record ModelConfig
{
    /// <summary>Diffusion formalism: edm (continuous sigma; the sigma_* keys) or ddpm (T discrete steps; the other keys).</summary>
    public string Formalism { get; init; } = "edm";
    /// <summary>The raw network, by name from the backbone registry: mlp (a residual MLP on the flattened sample and condition).</summary>
    public string Backbone { get; init; } = "mlp";
    public int Hidden { get; init; } = 256;
    /// <summary>Attention heads (agent_transformer); must divide hidden.</summary>
    public int Heads { get; init; } = 4;
    public int Blocks { get; init; } = 2;
    public int TimeEmbedding { get; init; } = 128;
    public double SigmaData { get; init; } = 1.0;
    public double SigmaMin { get; init; } = 0.002;
    public double SigmaMax { get; init; } = 80.0;
    /// <summary>DDPM: T, the number of diffusion steps.</summary>
    public int Timesteps { get; init; } = 1000;
    /// <summary>
    /// DDPM: what the network predicts, epsilon (Ho et al.; the default) or x0 (the clean sample, as MDM; trained on
    /// ||x0 - D||^2). The paper notes x0 models are harder to guide.
    /// </summary>
    public string Prediction { get; init; } = "epsilon";
    /// <summary>DDPM: beta schedule, linear (Ho et al.) or cosine (Nichol &amp; Dhariwal).</summary>
    public string Schedule { get; init; } = "linear";
    /// <summary>DDPM, linear schedule: beta_1.</summary>
    public double BetaStart { get; init; } = 1e-4;
    /// <summary>DDPM, linear schedule: beta_T.</summary>
    public double BetaEnd { get; init; } = 0.02;
}

public record TrainConfig
{
    public int Iterations { get; init; } = 30_000;
    /// <summary>Examples per step; equal to data.train_size means full-batch training (the paper's choice).</summary>
    public int BatchSize { get; init; } = 1000;
    public double LearningRate { get; init; } = 3e-4;
    /// <summary>Fraction of steps over which the learning rate decays linearly to zero at the end (0 = constant).</summary>
    public double LearningRateDecay { get; init; }
    /// <summary>Exponential moving average of the weights used for sampling; 0 turns it off.</summary>
    public double EmaDecay { get; init; }
    /// <summary>Steps between resumable checkpoints.</summary>
    public int CheckpointEvery { get; init; } = 1000;
}

public sealed record SamplerConfig
{
    /// <summary>Sampler: heun (EDM's stochastic second-order sampler) or euler_maruyama (its reverse SDE, first order) for EDM; ancestral or ddim for DDPM.</summary>
    public string Name { get; init; } = "heun";
    /// <summary>Steps; for DDPM at most model.timesteps (fewer visit evenly spaced steps).</summary>
    public int Steps { get; init; } = 100;
    /// <summary>heun: EDM's S_churn.</summary>
    public double Churn { get; init; } = 10;
    /// <summary>ddim: eta, 0 for the deterministic sampler, 1 for the ancestral posterior variance.</summary>
    public double Eta { get; init; }
    /// <summary>ancestral and ddim with fewer steps than model.timesteps: linear (evenly spaced) or quadratic (closer near t = 0).</summary>
    public string Spacing { get; init; } = Sampling.DdpmSteps.LinearSpacing;
    /// <summary>Samples integrated at once.</summary>
    public int BatchSize { get; init; } = 10_000;
}

public sealed record EvaluateConfig
{
    /// <summary>Samples drawn to measure the infraction rate.</summary>
    public int Samples { get; init; } = 20_000;
    /// <summary>Samples (and held-out points) compared by MMD.</summary>
    public int MmdSamples { get; init; } = 3000;
    public IReadOnlyList<double> MmdBandwidths { get; init; } = [0.1, 0.5, 1.0, 2.0];
    /// <summary>Noise levels drawn per held-out example for the ELBO.</summary>
    public int ElboNoiseDraws { get; init; } = 16;
    /// <summary>bound: the ELBO (DDPM: r-ELBO) only; exact: also the NLL from the probability-flow ODE (genneg evaluate --likelihood).</summary>
    public string Likelihood { get; init; } = "bound";
    /// <summary>Held-out points whose exact NLL is measured (the first ones of the validation set).</summary>
    public int LikelihoodSamples { get; init; } = 1000;
    /// <summary>ODE solver of the exact likelihood: adaptive (Dormand-Prince 5(4), per-example steps) or fixed (equal steps in ln sigma).</summary>
    public string OdeSolver { get; init; } = "adaptive";
    /// <summary>fixed solver: steps from the lowest to the highest noise level.</summary>
    public int OdeSteps { get; init; } = 64;
    /// <summary>adaptive solver: relative and absolute tolerance of each step's local error.</summary>
    public double OdeRelativeTolerance { get; init; } = 1e-5;
    public double OdeAbsoluteTolerance { get; init; } = 1e-5;
    /// <summary>The divergence is exact (one backward pass per dimension) up to this dimension, Hutchinson's estimator above it.</summary>
    public int HutchinsonAboveDimension { get; init; } = 16;
    /// <summary>Rademacher probes per example for Hutchinson's estimator.</summary>
    public int HutchinsonProbes { get; init; } = 1;
}

/// <summary>One Gen-neG iteration (Algorithm 1, lines 5-19): balanced synthetic data, alpha, classifier, stacking.</summary>
public sealed record GenNegIterationConfig
{
    /// <summary>Iterations the pipeline runs (genneg iterate does one per call unless --iterations says otherwise).</summary>
    public int Iterations { get; init; } = 2;
    /// <summary>N: positives and negatives each in the balanced synthetic data set.</summary>
    public int PerClass { get; init; } = 5000;
    /// <summary>Samples drawn per sampler call while collecting the synthetic data.</summary>
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
    public long ShardBlocks { get; init; }
    /// <summary>Smallest balanced set (per class) accepted when the draw budget runs out.</summary>
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
    public double GuidanceScale { get; init; } = 1.0;
    /// <summary>
    /// Noise levels (sigma; DDPM: sqrt((1 - abar_t) / abar_t)) above which the stack guides nothing and the new classifier
    /// is not trained; empty for every level (the method). Where the data are drowned in noise the true p(valid | x) is
    /// flat, so a classifier's gradient there is estimation error, multiplied by sigma^2 in Eq. 10.
    /// </summary>
    public double? GuidanceMaxSigma { get; init; }
    /// <summary>Classifier training; the classifier shares the denoiser's backbone shape, with one output. Paper: 20k steps at batch 8192, lr 3e-3.</summary>
    public ClassifierTrainConfig Classifier { get; init; } = new() { Iterations = 20_000, BatchSize = 8192, LearningRate = 3e-3 };
    /// <summary>
    /// How the synthetic set is drawn: standard (from the current model until N of each class, Algorithm 1) or sis
    /// (sequential importance sampling from a proposal that infracts more often, each draw weighted towards the current
    /// model; Appendix D.2, keys under genneg.sis).
    /// </summary>
    public string Draw { get; init; } = "standard";
    public ImportanceDrawingConfig Sis { get; init; } = new();
}

/// <summary>Sequential importance sampling of the synthetic set (genneg.draw: sis).</summary>
public sealed record ImportanceDrawingConfig
{
    /// <summary>The proposal: a stage of the run (default the baseline), or current for the stage being built on at proposal_guidance_scale.</summary>
    public string Proposal { get; init; } = "baseline";
    /// <summary>proposal current only: the scale of its classifier stack's guidance (0 drops it; negative pushes towards infractions).</summary>
    public double ProposalGuidanceScale { get; init; }
    /// <summary>Warn when a class's effective sample size (sum w)^2 / sum w^2 falls below this fraction of its kept samples.</summary>
    public double MinEssFraction { get; init; } = 0.1;
    /// <summary>
    /// The Gaussian-step sampler that draws, at sampler.steps: auto for the formalism's default (edm: euler_maruyama,
    /// ddpm: ancestral); edm also takes heun, the evaluation's own sampler read as a chain of its churned points.
    /// </summary>
    public string Sampler { get; init; } = FormalismDefault;
    /// <summary>
    /// Classifier training steps for a set drawn by SIS; empty for genneg.classifier.iterations. SIS keeps the full N + N
    /// where the standard drawing's late sets shrink to a few hundred, and spends far less time drawing them, so its
    /// larger weighted set can take more steps in about the same time per iteration (README, SIS section).
    /// </summary>
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
    public string Loss { get; init; } = "cross_entropy";
    /// <summary>lambda of dlsm_ce: the weight of the cross-entropy next to the DLSM term.</summary>
    public double CrossEntropyWeight { get; init; } = 1.0;
}
