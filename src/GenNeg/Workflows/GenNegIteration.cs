using System.Diagnostics;
using System.Text.Json;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Guidance;
using GenNeg.Oracles;
using GenNeg.Runs;
using GenNeg.Training;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Workflows;

/// <param name="RunPath">the run folder (with a trained baseline)</param>
/// <param name="Overrides">config overrides for this iteration (key=value); saved in the iteration's config.yaml</param>
/// <param name="FromStage">stage to build on; null for the newest</param>
public sealed record IterationRequest(string RunPath, IReadOnlyList<string>? Overrides = null, string? FromStage = null);

/// <summary>One finished iteration: the new stage, its classifier and its figures.</summary>
public sealed record IterationResult(StageRecord Stage, ClassifierRecord Classifier, StageMetrics Metrics);

/// <summary>
/// One Gen-neG iteration (Algorithm 1, lines 5-19, without distillation) on a run's current model:
/// draw and label samples until N of each class, estimate alpha from all draws, train a time-dependent classifier
/// with the importance-weighted loss (Eq. 11), stack it onto the model (Eq. 10), evaluate, record the stage.
/// Each phase saves its work in the iteration's folder, so an interrupted iteration resumes where it stopped.
/// </summary>
public sealed class GenNegIteration
{
    public const string StagePrefix = "genneg-";

    private readonly ILoggerFactory loggers;
    private readonly ILogger<GenNegIteration> logger;
    private readonly OracleRegistry oracles;

    public GenNegIteration(ILoggerFactory loggers, OracleRegistry oracles)
    {
        this.loggers = loggers;
        this.oracles = oracles;
        logger = loggers.CreateLogger<GenNegIteration>();
    }

    public IterationResult Run(IterationRequest request, IWorkflowProgress? progress = null, CancellationToken cancellation = default)
    {
        progress ??= IWorkflowProgress.None;
        var run = RunFolder.Open(request.RunPath);
        var manifest = run.LoadManifest();
        var number = manifest.Stages.Count(s => s.Name.StartsWith(StagePrefix, StringComparison.Ordinal)) + 1;
        var name = StagePrefix + number;
        var folder = name + "/";
        var (config, state) = PrepareFolder(run, folder, request, number);
        var oracle = oracles.Resolve(config.Oracle);
        var settings = config.Genneg;
        var from = run.Stage(state.BaseStage);

        using var data = Datasets.Load(config.Data);
        using var generator = new Generator((ulong)state.Seed);

        // Lines 6-9: synthetic data from the current model, alpha from all draws.
        var drawClock = Stopwatch.StartNew();
        var balanced = settings.Ablation != "imbalanced";
        using var synthetic = DrawSyntheticSet(run, config, from, folder, data.Dimension, oracle, balanced, generator, progress, cancellation);
        var drawSeconds = drawClock.Elapsed.TotalSeconds + state.EarlierDrawSeconds;
        logger.LogInformation("{Stage}: drew {Drawn} samples, {Positives} valid and {Negatives} invalid: alpha = {Alpha:F4}",
            name, synthetic.Drawn, synthetic.PositivesDrawn, synthetic.NegativesDrawn, synthetic.Alpha);
        SaveState(run, folder, state with { EarlierDrawSeconds = drawSeconds });

        // Lines 10-17: the classifier on noised synthetic data, Eq. 11's weights unless an ablation drops them.
        var trainClock = Stopwatch.StartNew();
        var loss = settings.Ablation == "none" ? ImportanceWeightedLoss.ForAlpha(synthetic.Alpha) : ImportanceWeightedLoss.Unweighted();
        var weights = folder + "classifier.bin";
        TrainClassifier(run, config, from, folder, data.Dimension, synthetic, loss, state.Seed, generator, progress, cancellation);
        var trainSeconds = trainClock.Elapsed.TotalSeconds;

        // Line 18: stack it onto the current model, then measure the new stage.
        var classifier = new ClassifierRecord(weights, synthetic.Alpha, synthetic.Drawn, synthetic.PositivesDrawn, synthetic.NegativesDrawn,
            synthetic.Positives.shape[0], synthetic.Negatives.shape[0], settings.Ablation, settings.TimeIndependent, state.Seed, drawSeconds, trainSeconds);
        var stage = new StageRecord(name, from.Denoiser, [.. from.Classifiers, classifier], settings.GuidanceScale);
        var metrics = new Evaluation(loggers.CreateLogger<Evaluation>(), oracles)
            .Evaluate(run, config, stage, config.Evaluate.Samples, progress, cancellation);
        run.SaveManifest(run.LoadManifest().WithStage(stage));
        return new IterationResult(stage, classifier, metrics);
    }

    private static SyntheticSet DrawSyntheticSet(
        RunFolder run, GenNegConfig config, StageRecord from, string folder, int dimension, IOracle oracle, bool balanced,
        Generator generator, IWorkflowProgress progress, CancellationToken cancellation)
    {
        var settings = config.Genneg;
        using var current = LoadedStage.Load(run, config, from, dimension);
        var sampler = ModelFactory.CreateSampler(config.Sampler, config.Model);
        var draw = new DrawSettings(settings.PerClass, settings.DrawBatchSize, settings.MaxDraws, balanced, settings.MinPerClass);
        return SyntheticDrawing.Draw(sampler, current.Denoiser, oracle, dimension, draw, generator, run.PathOf(folder + "draws.bin"),
            progress.Drawing($"draw from {from.Name}"), cancellation);
    }

    private void TrainClassifier(
        RunFolder run, GenNegConfig config, StageRecord from, string folder, int dimension, SyntheticSet synthetic, ImportanceWeightedLoss loss,
        long seed, Generator generator, IWorkflowProgress progress, CancellationToken cancellation)
    {
        var settings = config.Genneg;
        using var classifier = ModelFactory.CreateClassifier(config.Model, dimension, seed);
        // DLSM matches the current model's score plus the classifier's gradient to each class's denoising score.
        var dlsm = settings.Classifier.Loss switch
        {
            "dlsm" => new DlsmLoss(loss.PositiveWeight, loss.NegativeWeight, 0, ModelFactory.Formalism(config.Model).LossWeight),
            "dlsm_ce" => new DlsmLoss(loss.PositiveWeight, loss.NegativeWeight, settings.Classifier.CrossEntropyWeight, ModelFactory.Formalism(config.Model).LossWeight),
            _ => null,
        };
        using var current = dlsm is null ? null : LoadedStage.Load(run, config, from, dimension);
        using var samples = cat([synthetic.Positives, synthetic.Negatives], 0);
        using var labels = cat([ones(synthetic.Positives.shape[0]), zeros(synthetic.Negatives.shape[0])], 0);
        var formalism = ModelFactory.Formalism(config.Model);
        var batchSize = settings.Classifier.BatchSize;
        var timeIndependent = settings.TimeIndependent;

        Tensor StepLoss(Generator g)
        {
            var index = randint(0, samples.shape[0], [batchSize], generator: g);
            var x0 = samples.index_select(0, index);
            // Noise levels as in baseline training (DDPM: t uniform on 1..T); the time-independent ablation trains on clean x0.
            var sigma = timeIndependent ? full([batchSize], formalism.CleanSigma, dtype: ScalarType.Float32) : formalism.SampleTrainingSigma(batchSize, g);
            var noisy = Noising.Add(x0, sigma, g);
            var y = labels.index_select(0, index);
            if (dlsm is null) return loss.Compute(classifier.Logit(noisy, sigma), y).mean();
            Tensor denoised;
            using (no_grad()) denoised = current!.Denoiser.Denoise(noisy, sigma);
            return dlsm.Compute(classifier, noisy, sigma, x0, y, denoised).mean();
        }

        AveragedTraining.Run(loggers, classifier, () => ModelFactory.CreateClassifier(config.Model, dimension, seed), StepLoss,
            TrainingOptions.From(settings.Classifier), run.PathOf(folder + "classifier.ckpt"), run.PathOf(folder + "classifier.bin"), generator,
            progress.Training("train classifier"), cancellation);
    }

    /// <summary>The iteration's resolved config and state: new, or those saved by an interrupted attempt.</summary>
    private static (GenNegConfig Config, IterationState State) PrepareFolder(RunFolder run, string folder, IterationRequest request, int number)
    {
        var configPath = run.PathOf(folder + "config.yaml");
        var statePath = run.PathOf(folder + "iteration.json");
        var wanted = run.LoadConfig(request.Overrides);
        if (File.Exists(configPath) && File.Exists(statePath))
        {
            var saved = ConfigLoader.LoadFile(configPath);
            if (request.Overrides is { Count: > 0 } && ConfigLoader.ToYaml(saved) != ConfigLoader.ToYaml(wanted))
                throw new GenNegException($"'{folder.TrimEnd('/')}' was started with other settings; resume it without --set/--oracle/--per-class, or delete that folder");
            var state = JsonSerializer.Deserialize<IterationState>(File.ReadAllText(statePath), RunManifest.Json)
                ?? throw new GenNegException($"'{statePath}' is empty");
            return (saved, state);
        }

        var fresh = new IterationState(run.Stage(request.FromStage).Name, wanted.Seed + 7919L * number, 0);
        run.EnsureFolder(folder);
        AtomicFile.WriteAllText(configPath, ConfigLoader.ToYaml(wanted));
        SaveState(run, folder, fresh);
        return (wanted, fresh);
    }

    private static void SaveState(RunFolder run, string folder, IterationState state) =>
        AtomicFile.WriteAllText(run.PathOf(folder + "iteration.json"), JsonSerializer.Serialize(state, RunManifest.Json));

    /// <param name="BaseStage">the stage this iteration stacks its classifier onto</param>
    /// <param name="Seed">seed of drawing and classifier training</param>
    /// <param name="EarlierDrawSeconds">drawing time spent by earlier, interrupted attempts</param>
    private sealed record IterationState(string BaseStage, long Seed, double EarlierDrawSeconds);
}
