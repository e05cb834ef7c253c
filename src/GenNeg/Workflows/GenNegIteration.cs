using System.Diagnostics;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Formalisms;
using GenNeg.Guidance;
using GenNeg.Networks;
using GenNeg.Oracles;
using GenNeg.Runs;
using GenNeg.Runtime;
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
    private readonly Registries registries;

    public GenNegIteration(ILoggerFactory loggers, Registries registries)
    {
        this.loggers = loggers;
        this.registries = registries;
        logger = loggers.CreateLogger<GenNegIteration>();
    }

    public IterationResult Run(IterationRequest request, IWorkflowProgress? progress = null, CancellationToken cancellation = default)
    {
        progress ??= IWorkflowProgress.None;
        var run = RunFolder.Open(request.RunPath);
        var iteration = IterationFolder.Resolve(run, request, registries);
        var (name, folder, config, state, _) = iteration;
        var settings = config.Genneg;

        // Device, data, oracle and the base stage's files are checked before the iteration's folder is made, so a
        // refused iteration leaves nothing behind.
        using var experiment = IterationFolder.CheckedBeforeWork(run, iteration, () => OpenWithOracle(iteration, registries));
        var from = run.Stage(state.BaseStage);
        LoadedStage.Check(run, experiment, from);
        // A classifier from a TorchScript file is built once here, so a file that cannot serve (the wrong shape) fails
        // before the folder is made and minutes are spent drawing. (Built-in backbones are not: building one reseeds
        // the global generator, which the figures of existing runs must not see.)
        if (settings.Classifier.Backbone == Networks.TorchScriptBackbone.BackboneName)
            experiment.Models.CreateClassifier(state.Seed, settings.Head).Dispose();
        var oracle = experiment.Oracle;
        IterationFolder.Create(run, iteration);
        using var generator = experiment.NewGenerator(state.Seed);
        // Shards drawn beforehand (genneg draw) become draws.bin here; without them drawing goes on as unsharded.
        IterationShards.MergeIfPresent(run, iteration, experiment, generator);

        // Lines 6-9: synthetic data from the current model, alpha from all draws.
        var drawClock = Stopwatch.StartNew();
        var drawMemory = PeakMemory.StartPhase();
        var balanced = settings.Ablation != Ablations.Imbalanced;
        // With genneg.draw: sis the set comes from a proposal's trajectories, each weighted towards the current model (Appendix D.2).
        var (weighted, importance) = settings.Draw == DrawMethods.Sis
            ? RecordingDrawTime(run, folder, state, drawClock, () => ImportanceDraw.Draw(run, experiment, from, name, folder, oracle, generator, progress, logger, cancellation))
            : (null, null);
        using var weightedSet = weighted;
        using var drawnSet = weighted is null
            ? RecordingDrawTime(run, folder, state, drawClock, () => DrawSyntheticSet(run, experiment, from, folder, oracle, balanced, generator, progress, cancellation))
            : null;
        var synthetic = weighted?.Set ?? drawnSet!;
        var alpha = weighted?.Alpha ?? synthetic.Alpha;
        var drawSeconds = drawClock.Elapsed.TotalSeconds + state.EarlierDrawSeconds;
        logger.LogInformation("{Stage}: drew {Drawn} samples, {Positives} valid and {Negatives} invalid: alpha = {Alpha:F4}",
            name, synthetic.Drawn, synthetic.PositivesDrawn, synthetic.NegativesDrawn, alpha);
        IterationFolder.SaveState(run, folder, state with { EarlierDrawSeconds = drawSeconds });
        var drawPeak = drawMemory.PeakBytes;

        // Lines 10-17: the classifier on noised synthetic data, Eq. 11's weights unless an ablation drops them.
        var trainClock = Stopwatch.StartNew();
        var trainMemory = PeakMemory.StartPhase();
        var loss = settings.Ablation == Ablations.None ? ImportanceWeightedLoss.ForAlpha(alpha) : ImportanceWeightedLoss.Unweighted();
        var weights = folder + "classifier.bin";
        using var exampleWeights = weighted?.ExampleWeights();
        TrainClassifier(run, experiment, from, folder, synthetic, loss, exampleWeights, state.Seed, generator, progress, cancellation);
        var trainSeconds = trainClock.Elapsed.TotalSeconds;

        // Line 18: stack it onto the current model, then measure the new stage.
        var classifier = new ClassifierRecord(weights, alpha, synthetic.Drawn, synthetic.PositivesDrawn, synthetic.NegativesDrawn,
            synthetic.Positives.Count, synthetic.Negatives.Count, settings.Ablation, settings.TimeIndependent, state.Seed, drawSeconds, trainSeconds,
            settings.Head, importance);
        var stage = new StageRecord(name, from.Denoiser, [.. from.Classifiers, classifier], settings.GuidanceScale, settings.GuidanceMaxSigma)
            .WithPeakMemory(StageRecord.Phases.Draw, drawPeak).WithPeakMemory(StageRecord.Phases.TrainClassifier, trainMemory.PeakBytes);
        var metrics = new Evaluation(loggers.CreateLogger<Evaluation>(), registries)
            .Evaluate(run, experiment, stage, config.Evaluate.Samples, progress, cancellation, exactLikelihood: false);
        run.RecordStage(stage);
        return new IterationResult(stage, classifier, metrics);
    }

    /// <summary>The iteration's experiment with its oracle built (which may refuse the data), or nothing left open.</summary>
    internal static Experiment OpenWithOracle(PreparedIteration iteration, Registries registries)
    {
        var experiment = Experiment.Open(iteration.Config, registries);
        try
        {
            _ = experiment.Oracle;
            return experiment;
        }
        catch
        {
            experiment.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the drawing; when it stops early (interrupted, or short of genneg.min_per_class) the time it took is kept in
    /// the iteration's state, so the resumed iteration records the whole drawing time, not only its last part.
    /// </summary>
    private static T RecordingDrawTime<T>(RunFolder run, string folder, IterationState state, Stopwatch clock, Func<T> draw)
    {
        try
        {
            return draw();
        }
        catch
        {
            IterationFolder.SaveState(run, folder, state with { EarlierDrawSeconds = state.EarlierDrawSeconds + clock.Elapsed.TotalSeconds });
            throw;
        }
    }

    private static SyntheticSet DrawSyntheticSet(
        RunFolder run, Experiment experiment, StageRecord from, string folder, IOracle oracle, bool balanced,
        Generator generator, IWorkflowProgress progress, CancellationToken cancellation)
    {
        var config = experiment.Config;
        var settings = config.Genneg;
        using var current = LoadedStage.Load(run, experiment, from);
        var sampler = experiment.Models.CreateSampler(config.Sampler);
        var draw = new DrawSettings(settings.PerClass, settings.DrawBatchSize, settings.MaxDraws, balanced, settings.MinPerClass);
        return SyntheticDrawing.Draw(sampler, current.Denoiser, oracle, DrawSource.Training(experiment.Data), draw, generator,
            run.PathOf(folder + "draws.bin"), progress.Drawing($"draw from {from.Name}"), cancellation);
    }

    /// <summary>
    /// Trains the classifier on the balanced set's noised samples. A by-element head learns each element's label; the
    /// importance weights stay per sample (see <see cref="ImportanceWeightedLoss"/>), and so do the per-example weights of
    /// a set drawn by sequential importance sampling (<paramref name="exampleWeights"/>, positives then negatives).
    /// </summary>
    private void TrainClassifier(
        RunFolder run, Experiment experiment, StageRecord from, string folder, SyntheticSet synthetic, ImportanceWeightedLoss loss,
        Tensor? exampleWeights, long seed, Generator generator, IWorkflowProgress progress, CancellationToken cancellation)
    {
        var config = experiment.Config;
        var settings = config.Genneg;
        var device = experiment.Device;
        using var classifier = experiment.Models.CreateClassifier(seed, settings.Head);
        using var samples = cat([synthetic.Positives.Samples, synthetic.Negatives.Samples], 0);
        var conditions = Condition.Concat([synthetic.Positives.Condition, synthetic.Negatives.Condition]);
        using var sampleLabels = cat([ones(synthetic.Positives.Count, device: device), zeros(synthetic.Negatives.Count, device: device)], 0);
        using var elementLabels = cat([synthetic.Positives.ElementValid, synthetic.Negatives.ElementValid], 0).to(ScalarType.Float32);
        var labels = settings.Head == ClassifierHead.BySample ? sampleLabels : elementLabels;
        var formalism = experiment.Models.Formalism;
        var classifierLoss = ClassifierLosses.Create(settings.Classifier, loss, formalism);
        // A loss that reads the current model's score (DLSM) gets its denoised estimate of each batch.
        using var current = classifierLoss.ReadsModel ? LoadedStage.Load(run, experiment, from) : null;
        var batchSize = settings.Classifier.BatchSize;
        var timeIndependent = settings.TimeIndependent;

        Tensor StepLoss(Generator g)
        {
            var index = randint(0, samples.shape[0], [batchSize], generator: g, device: device);
            var x0 = samples.Rows(index);
            // Noise levels as in baseline training (DDPM: t uniform on 1..T) up to where the stack will guide; the
            // time-independent ablation trains on clean x0.
            var sigma = timeIndependent
                ? full([batchSize], formalism.CleanSigma, dtype: ScalarType.Float32, device: device)
                : TrainingSigmaUpTo(formalism, batchSize, settings.GuidanceMaxSigma, g);
            var noisy = Noising.Add(x0, sigma, g);
            var condition = conditions.Select(index);
            var y = labels.Rows(index);
            var sampleY = sampleLabels.Rows(index);
            Tensor ModelDenoised()
            {
                using (no_grad()) return current!.Denoiser.Denoise(noisy, sigma, condition);
            }
            // Padding is left out: a per-element loss drops padded elements from its mean (they carry no label worth learning),
            // DLSM drops padded rows from its error; a by-sample head's backbone pools the real elements only, so a
            // per-sample loss is a plain mean over samples.
            var padding = experiment.Data.PaddingMask(condition);
            var perExample = classifierLoss.Compute(new ClassifierBatch(classifier, noisy, sigma, condition, x0, y, sampleY, exampleWeights?.Rows(index), ModelDenoised, padding));
            return padding is not null && perExample.shape.SequenceEqual(padding.shape) ? DenoisingLoss.Mean(perExample, padding) : perExample.mean();
        }

        var options = TrainingOptions.From(settings.Classifier, "genneg.classifier");
        if (settings.Draw == DrawMethods.Sis && settings.Sis.ClassifierIterations is { } sisSteps)
        {
            options = options with { Iterations = sisSteps };
            logger.LogInformation("Classifier trained {Steps} steps on the weighted set (genneg.sis.classifier_iterations)", sisSteps);
        }

        try
        {
            if (settings.GuidanceMaxSigma is { } limit)
                logger.LogInformation("Classifier trained and guiding at noise levels up to sigma = {Limit} (genneg.guidance_max_sigma)", limit);
            AveragedTraining.Run(loggers, classifier, () => experiment.Models.CreateClassifier(seed, settings.Head), StepLoss,
                options, run.PathOf(folder + "classifier.ckpt"), run.PathOf(folder + "classifier.bin"), generator,
                progress.Training("train classifier"), cancellation);
        }
        catch (TrainingDivergedException e)
        {
            // The unfinished iteration keeps its settings on resume, so the rate can change only in a new one.
            throw new GenNegException($"{e.Summary}; discard this iteration with: genneg iterate --run {run.Root} --discard, then run iterate " +
                $"with a lower genneg.classifier.learning_rate (now {options.LearningRate:G4}) via --set", e);
        }
        finally
        {
            conditions.DisposeTensors();
        }
    }

    /// <summary>
    /// The formalism's training noise levels, conditioned on sigma &lt;= <paramref name="maxSigma"/> (null: all of them) by
    /// redrawing those above: a classifier that will not guide above the limit spends none of its training there.
    /// </summary>
    private static Tensor TrainingSigmaUpTo(IDiffusionFormalism formalism, long count, double? maxSigma, Generator generator)
    {
        using var scope = NewDisposeScope();
        var sigma = formalism.SampleTrainingSigma(count, generator);
        if (maxSigma is not { } limit) return sigma.MoveToOuterDisposeScope();
        for (var (above, round) = (sigma > limit, 0); above.any().cpu().item<bool>(); above = sigma > limit, round++)
        {
            if (round == RedrawRounds)
                throw ConfigKey.Error("genneg.guidance_max_sigma", $"({limit}) lies below almost every noise level the classifier trains at; raise it");
            sigma = where(above, formalism.SampleTrainingSigma(count, generator), sigma);
        }
        return sigma.MoveToOuterDisposeScope();
    }

    private const int RedrawRounds = 1000;
}
