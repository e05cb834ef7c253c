using GenNeg.Formalisms;

namespace GenNeg.Benchmarks;

/// <summary>Sampler step and sampling rate of each stage of a real run.</summary>
public static class StageBenchmark
{
    /// <summary>Sampler step and sampling rate of each stage of <paramref name="run"/>, all timed in turns.</summary>
    public static IReadOnlyList<BenchmarkFigure> Figures(Runs.RunFolder run, Registries registries)
    {
        var config = run.LoadConfig(registries.ConfigSchema);
        var records = run.LoadManifest().Stages;
        if (records.Count == 0) throw new GenNegException($"run folder '{run.Root}' has no stage to benchmark");
        using var experiment = Workflows.Experiment.Open(config, registries);
        var batch = config.Sampler.BatchSize;
        var steps = Workflows.LoadedStage.TimeSamplerSteps(run, experiment, records, batch);
        var evaluations = ModelFactory.CreateSampler(config.Sampler, config.Model).Evaluations;
        return records.SelectMany((record, i) => new[]
        {
            new BenchmarkFigure($"{record.Name}: sampler step (batch {batch})", steps[i], "ms"),
            new BenchmarkFigure($"{record.Name}: sampling", BenchmarkTiming.SamplesPerSecond(batch, steps[i], evaluations), "samples/s"),
        }).ToList();
    }
}
