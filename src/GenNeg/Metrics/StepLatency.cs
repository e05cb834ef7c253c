using System.Diagnostics;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Metrics;

/// <summary>
/// Wall time of one sampler step (two denoiser evaluations, as in a Heun step) at a given batch: the median of
/// several timed repetitions after a warm-up, so one stage can be compared with another on the same machine.
/// </summary>
public static class StepLatency
{
    public static double MedianMilliseconds(IDenoiser denoiser, int dimension, int batchSize, int repetitions = 15, int warmUp = 3)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(0);
        var x = randn([batchSize, dimension], generator: generator);
        var sigma = tensor(new[] { 1.0f });
        var times = new List<double>();
        for (var i = 0; i < warmUp + repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            using (var step = NewDisposeScope())
            {
                var first = denoiser.Denoise(x, sigma);
                denoiser.Denoise(first, sigma);
            }
            if (i >= warmUp) times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
