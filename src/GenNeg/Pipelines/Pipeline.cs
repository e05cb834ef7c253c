using GenNeg.Configuration;
using GenNeg.Metrics;
using GenNeg.Oracles;
using GenNeg.Reporting;
using GenNeg.Runs;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging;

namespace GenNeg.Pipelines;

/// <param name="Config">the experiment</param>
/// <param name="RunPath">the run folder: created, or continued where an earlier call stopped</param>
public sealed record PipelineRequest(GenNegConfig Config, string RunPath);

/// <summary>
/// The whole method in one call: baseline, genneg.iterations Gen-neG iterations, distillation, evaluation of every
/// stage, report. Each step is skipped when the run folder already holds its result, so a second call on a finished
/// run only rebuilds the report and an interrupted one finishes the remaining steps.
/// </summary>
public sealed class Pipeline
{
    private readonly ILoggerFactory loggers;
    private readonly ILogger<Pipeline> logger;
    private readonly Registries registries;

    public Pipeline(ILoggerFactory loggers, Registries registries)
    {
        this.loggers = loggers;
        this.registries = registries;
        logger = loggers.CreateLogger<Pipeline>();
    }

    public (RunReportData Report, string Markdown) Run(PipelineRequest request, IWorkflowProgress? progress = null, CancellationToken cancellation = default)
    {
        var config = request.Config;
        var started = File.Exists(Path.Combine(request.RunPath, "config.yaml"));
        if (started) RunFolder.Open(request.RunPath).EnsureSameConfig(config, registries.ConfigSchema);

        if (!Has(request.RunPath, BaselineTraining.StageName))
            new BaselineTraining(loggers, registries).Run(new BaselineTrainingRequest(config, request.RunPath, Resume: started), progress, cancellation);
        else
            logger.LogInformation("Baseline already trained; skipping");

        var run = RunFolder.Open(request.RunPath);
        if (!HasMetrics(run, BaselineTraining.StageName))
            new Evaluation(loggers.CreateLogger<Evaluation>(), registries)
                .Run(new EvaluationRequest(request.RunPath, BaselineTraining.StageName, Device: config.Device), progress, cancellation);

        var iteration = new GenNegIteration(loggers, registries);
        while (Count(run, GenNegIteration.StagePrefix) < config.Genneg.Iterations)
            iteration.Run(new IterationRequest(request.RunPath, [$"device={config.Device}"]), progress, cancellation);

        if (config.Genneg.Iterations > 0 && Count(run, Distillation.StagePrefix) == 0)
            new Distillation(loggers, registries).Run(new DistillationRequest(request.RunPath, Overrides: [$"device={config.Device}"]), progress, cancellation);

        AddExactLikelihoodOfTheLastStage(run, config, cancellation);

        var report = RunReport.Build(run, config, registries);
        var markdown = RunReport.Write(run, report, config, registries);
        logger.LogInformation("Report written to {Report}", run.PathOf(RunReport.MarkdownFile));
        return (report, markdown);
    }

    /// <summary>
    /// With evaluate.likelihood: exact, the probability-flow NLL of the stage the pipeline ends with (the baseline's was
    /// measured with its evaluation); the guided stacks' costs minutes each, so it is measured on request only
    /// (evaluate --likelihood exact).
    /// </summary>
    private void AddExactLikelihoodOfTheLastStage(RunFolder run, GenNegConfig config, CancellationToken cancellation)
    {
        if (config.Evaluate.Likelihood != LikelihoodModes.Exact) return;
        var (_, last, stageConfig, _) = Evaluation.Resolve(new EvaluationRequest(run.Root, Device: config.Device), registries);
        // A finished run already has it: rebuilding its report loads no data.
        if (StageMetrics.Recorded(run).TryGetValue(last.Name, out var recorded) && recorded.ExactNll is not null) return;
        using var experiment = Experiment.Open(stageConfig, registries);
        new Evaluation(loggers.CreateLogger<Evaluation>(), registries).AddExactLikelihood(run, experiment, last, cancellation);
    }

    private static bool Has(string runPath, string stage) =>
        File.Exists(Path.Combine(runPath, "manifest.json")) && RunFolder.Open(runPath).LoadManifest().Find(stage) is not null;

    private static bool HasMetrics(RunFolder run, string stage) => run.LoadMetrics().ContainsKey(stage);

    private static int Count(RunFolder run, string prefix) =>
        run.LoadManifest().Stages.Count(s => s.Name.StartsWith(prefix, StringComparison.Ordinal));
}
