using System.Diagnostics;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Runtime;
using GenNeg.Sampling;
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
    /// <summary>What a step is timed on: samples of shape S on a device, with conditions picked from a pool.</summary>
    public sealed record Inputs(long[] SampleShape, Condition Pool, Device Device)
    {
        public static Inputs Unconditional(params long[] sampleShape) => new(sampleShape, Condition.None, CPU);

        /// <summary>The held-out split's shapes and conditions, on its device.</summary>
        public static Inputs From(DataSplit data) => new(data.SampleShape, data.ValidationCondition, data.Train.device);
    }

    /// <summary>The noise level of the timed steps.</summary>
    private const float TimedSigma = 0.1f;

    /// <remarks>Each model encodes the batch's condition once before the timed steps, as a sampler batch does.</remarks>
    public static StepTimings Measure(IReadOnlyList<IDenoiser> denoisers, Inputs inputs, int batchSize, int repetitions = 15, int warmUp = 3)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(0, inputs.Device);
        var condition = SamplerBatch.Pick(inputs.Pool, batchSize, generator);
        var x = randn([batchSize, .. inputs.SampleShape], generator: generator, device: inputs.Device);
        // A low noise level, where every stack guides (genneg.guidance_max_sigma switches guidance off above a limit).
        var sigma = tensor(new[] { TimedSigma }, device: inputs.Device);
        var encoded = denoisers.Select(d => d.EncodeCondition(condition)).ToList();
        var rounds = new List<double[]>();
        var order = new Random(0);
        for (var i = 0; i < warmUp + repetitions; i++)
        {
            var round = new double[denoisers.Count];
            foreach (var d in Enumerable.Range(0, denoisers.Count).OrderBy(_ => order.Next()).ToList())
            {
                var clock = Stopwatch.StartNew();
                using (var step = NewDisposeScope())
                    denoisers[d].Denoise(denoisers[d].Denoise(x, sigma, encoded[d]), sigma, encoded[d]);
                DeviceSelection.Synchronize(inputs.Device);
                round[d] = clock.Elapsed.TotalMilliseconds;
            }
            if (i >= warmUp) rounds.Add(round);
        }
        return new StepTimings(rounds);
    }

    /// <summary>Each model's median step time.</summary>
    public static double[] MedianMilliseconds(IReadOnlyList<IDenoiser> denoisers, Inputs inputs, int batchSize, int repetitions = 15, int warmUp = 3)
    {
        var timings = Measure(denoisers, inputs, batchSize, repetitions, warmUp);
        return Enumerable.Range(0, denoisers.Count).Select(timings.Median).ToArray();
    }
}
