using System.Diagnostics;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Metrics;

/// <summary>
/// Milliseconds of one sampler step per model and per round: <c>Rounds[r][m]</c>. Ratios between models are best taken
/// round by round (<see cref="MedianOfRounds"/>), because this machine's speed drifts over seconds and a round's
/// models all see the same drift.
/// </summary>
public sealed record StepTimings(IReadOnlyList<double[]> Rounds)
{
    /// <summary>The median step time of one model.</summary>
    public double Median(int model) => Medians.Of(Rounds.Select(round => round[model]));

    /// <summary>The median over rounds of a figure computed from each round's step times.</summary>
    public double MedianOfRounds(Func<double[], double> figure) => Medians.Of(Rounds.Select(figure));
}

/// <summary>
/// Wall time of one sampler step (two denoiser evaluations, as in a Heun step) at a given batch. Several models are
/// timed in turns, round by round and in a fresh random order each round, so that changes of machine load and what
/// the previous model left in the caches and the allocator hit them all alike. Warm-up rounds are not kept.
/// </summary>
public static class StepLatency
{
    public static StepTimings Measure(IReadOnlyList<IDenoiser> denoisers, int dimension, int batchSize, int repetitions = 15, int warmUp = 3)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(0);
        var x = randn([batchSize, dimension], generator: generator);
        var sigma = tensor(new[] { 1.0f });
        var rounds = new List<double[]>();
        var order = new Random(0);
        for (var i = 0; i < warmUp + repetitions; i++)
        {
            var round = new double[denoisers.Count];
            foreach (var d in Enumerable.Range(0, denoisers.Count).OrderBy(_ => order.Next()).ToList())
            {
                var clock = Stopwatch.StartNew();
                using (var step = NewDisposeScope())
                    denoisers[d].Denoise(denoisers[d].Denoise(x, sigma), sigma);
                round[d] = clock.Elapsed.TotalMilliseconds;
            }
            if (i >= warmUp) rounds.Add(round);
        }
        return new StepTimings(rounds);
    }

    /// <summary>Each model's median step time.</summary>
    public static double[] MedianMilliseconds(IReadOnlyList<IDenoiser> denoisers, int dimension, int batchSize, int repetitions = 15, int warmUp = 3)
    {
        var timings = Measure(denoisers, dimension, batchSize, repetitions, warmUp);
        return Enumerable.Range(0, denoisers.Count).Select(timings.Median).ToArray();
    }
}
