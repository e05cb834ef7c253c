using GenNeg.Configuration;
using static TorchSharp.torch;

namespace GenNeg.Benchmarks;

/// <summary>What the external-oracle protocol costs against the config's own oracle.</summary>
public static class ExternalOracleBenchmark
{
    /// <summary>Samples per oracle call in <see cref="Figures"/>.</summary>
    public const int OracleBatch = 1000;

    /// <summary>
    /// Milliseconds per <see cref="OracleBatch"/>-sample batch of the config's oracle (unless it is the external one)
    /// and of the external program of external_oracle.command (e.g. an oracle that finds every sample valid), each the
    /// median over the repetitions after a warm-up that includes the program's start, and their difference. The batch
    /// is training samples with their condition.
    /// </summary>
    public static IReadOnlyList<BenchmarkFigure> Figures(GenNegConfig config, Registries registries)
    {
        if (config.ExternalOracle.Command.Count == 0)
            throw ConfigKey.Error("external_oracle.command",
                "must name the program bench --external-oracle times, e.g. --set 'external_oracle.command=[python3, samples/PythonOracle/identity_oracle.py]'");
        using var experiment = Workflows.Experiment.Open(config with { Oracle = Oracles.External.ExternalOracle.OracleName }, registries);
        using var scope = NewDisposeScope();
        var data = experiment.Data;
        using var index = arange(OracleBatch, device: data.Train.device).remainder(data.Train.shape[0]);
        var samples = data.Train.index_select(0, index);
        var condition = data.TrainCondition.Select(index);
        var figures = new List<BenchmarkFigure>();
        double? builtInMs = null;
        if (!string.Equals(config.Oracle, Oracles.External.ExternalOracle.OracleName, StringComparison.OrdinalIgnoreCase))
        {
            var builtIn = registries.Oracles.Resolve(config.Oracle, data, config);
            try
            {
                builtInMs = 1000 * BenchmarkTiming.MedianSeconds(() => builtIn.Judge(samples, condition).SampleValid().Dispose());
            }
            finally
            {
                (builtIn as IDisposable)?.Dispose();
            }
            figures.Add(new($"oracle {config.Oracle}, {OracleBatch:N0}-sample batch", builtInMs.Value, "ms"));
        }
        var external = experiment.Oracle;
        var externalMs = 1000 * BenchmarkTiming.MedianSeconds(() => external.Judge(samples, condition).SampleValid().Dispose());
        figures.Add(new($"external oracle '{string.Join(' ', config.ExternalOracle.Command)}', {OracleBatch:N0}-sample batch", externalMs, "ms"));
        if (builtInMs is { } ms) figures.Add(new($"external oracle minus oracle {config.Oracle}, per {OracleBatch:N0}-sample batch", externalMs - ms, "ms"));
        return figures;
    }
}
