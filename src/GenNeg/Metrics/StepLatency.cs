using System.Diagnostics;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Metrics;

/// <summary>
/// Wall time of one sampler step (two denoiser evaluations, as in a Heun step) at a given batch. Several models are
/// timed in turns, repetition by repetition and in a rotating order, so that changes of machine load and allocator
/// state hit them all alike; each gets the median of its repetitions after a warm-up.
/// </summary>
public static class StepLatency
{
    public static double[] MedianMilliseconds(IReadOnlyList<IDenoiser> denoisers, int dimension, int batchSize, int repetitions = 15, int warmUp = 3)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(0);
        var x = randn([batchSize, dimension], generator: generator);
        var sigma = tensor(new[] { 1.0f });
        var times = denoisers.Select(_ => new List<double>()).ToArray();
        for (var i = 0; i < warmUp + repetitions; i++)
        {
            // Each round starts with the next model, so none is always timed first (right after the allocator was idle).
            for (var turn = 0; turn < denoisers.Count; turn++)
            {
                var d = (turn + i) % denoisers.Count;
                var clock = Stopwatch.StartNew();
                using (var step = NewDisposeScope())
                    denoisers[d].Denoise(denoisers[d].Denoise(x, sigma), sigma);
                if (i >= warmUp) times[d].Add(clock.Elapsed.TotalMilliseconds);
            }
        }
        return times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
    }
}
