using System.Diagnostics;
using GenNeg.Metrics;

namespace GenNeg.Benchmarks;

/// <summary>What the benchmark families share: the median of timed repetitions and the sampling rate of a step time.</summary>
internal static class BenchmarkTiming
{
    private const int Repetitions = 7;
    private const int WarmUp = 2;

    /// <summary>Median seconds of an action over the repetitions after a warm-up.</summary>
    public static double MedianSeconds(Action action)
    {
        var times = new List<double>();
        for (var i = 0; i < WarmUp + Repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            if (i >= WarmUp) times.Add(clock.Elapsed.TotalSeconds);
        }
        return Medians.Of(times);
    }

    /// <summary>Samples per second of a sampler making <paramref name="evaluations"/> denoiser calls, from a two-call step's time.</summary>
    public static double SamplesPerSecond(int batch, double twoEvaluationMs, int evaluations) =>
        batch / (twoEvaluationMs / 2 / 1000 * evaluations);
}
