using System.Diagnostics;
using GenNeg.Configuration;
using GenNeg.Diffusion;
using GenNeg.Guidance;
using GenNeg.Runtime;
using GenNeg.Sampling;

namespace GenNeg.Benchmarks;

/// <summary>Drawing a balanced synthetic data set against plain sampling of as many samples.</summary>
internal sealed class DrawingBenchmark(GenNegConfig config)
{
    public void AddFigures(Workflows.Experiment experiment, IDenoiser denoiser, Action<string, double, string> add)
    {
        var (drawRate, samplingRate, infraction) = DrawAndSampleRates(experiment, new ChunkedDenoiser(denoiser));
        add($"drawing synthetic data (infraction rate {infraction:P1})", drawRate, "samples/s");
        add("sampling as many, without the oracle and the data set", samplingRate, "samples/s");
        add("drawing rate / sampling rate", drawRate / samplingRate, "");
    }

    /// <summary>
    /// Drawing a balanced data set (sampler, oracle, positives and negatives written to disk) against plain batched
    /// sampling of as many samples, timed back to back: equal rates mean drawing adds no per-sample host work.
    /// </summary>
    private (double DrawRate, double SamplingRate, double Infraction) DrawAndSampleRates(Workflows.Experiment experiment, IDenoiser denoiser)
    {
        var path = Path.Combine(Path.GetTempPath(), $"genneg-bench-{Environment.ProcessId}.bin");
        try
        {
            var sampler = experiment.Models.CreateSampler(config.Sampler);
            var batch = config.Sampler.BatchSize;
            var draws = 2L * batch;
            var source = DrawSource.Training(experiment.Data);
            double samplingSeconds;
            using (var generator = experiment.NewGenerator(0))
            {
                var clock = Stopwatch.StartNew();
                BatchedSampling.Draw(sampler, denoiser, draws, source.SampleShape, source.Conditions, batch, generator).Dispose();
                DeviceSelection.Synchronize(experiment.Device);
                samplingSeconds = clock.Elapsed.TotalSeconds;
            }
            using (var generator = experiment.NewGenerator(0))
            {
                // The drawing path is timed whatever the fresh model's class mix (an untrained traffic model draws no valid scene).
                var settings = new DrawSettings(PerClass: (int)draws, batch, draws, Balanced: true, MinPerClass: 0);
                var clock = Stopwatch.StartNew();
                using var set = SyntheticDrawing.Draw(sampler, denoiser, experiment.Oracle, source, settings, generator, path);
                return (set.Drawn / clock.Elapsed.TotalSeconds, draws / samplingSeconds, 1 - set.Alpha);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
