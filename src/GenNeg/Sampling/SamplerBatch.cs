using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Sampling;

/// <summary>Samples with the conditions they were drawn under, [B, *S] and rows of the condition.</summary>
public sealed record DrawnSamples(Tensor Samples, Condition Condition) : IDisposable
{
    public void Dispose()
    {
        Samples.Dispose();
        Condition.DisposeTensors();
    }
}

/// <summary>
/// One sampler call as every caller makes it: conditions picked from a pool (the training split's when drawing
/// synthetic data, the held-out split's when evaluating), encoded once for all the sampler's steps, then noise and
/// the sampler. An unconditional pool takes nothing from the generator, so unconditional results do not depend on
/// this step.
/// </summary>
public static class SamplerBatch
{
    /// <param name="pool">conditions to pick from, [N, ...] each, on the generator's device; <see cref="Condition.None"/> when unconditional</param>
    public static DrawnSamples Draw(ISampler sampler, IDenoiser denoiser, long size, long[] sampleShape, Condition pool, Generator generator)
    {
        using var scope = NewDisposeScope();
        var condition = Pick(pool, size, generator);
        var noise = randn([size, .. sampleShape], generator: generator, device: generator.device);
        var samples = sampler.Sample(denoiser, noise, denoiser.EncodeCondition(condition), generator);
        return new DrawnSamples(samples.MoveToOuterDisposeScope(), condition.MoveToOuterDisposeScope());
    }

    /// <summary><paramref name="count"/> rows of the pool, uniformly with replacement.</summary>
    public static Condition Pick(Condition pool, long count, Generator generator)
    {
        if (pool.IsEmpty) return Condition.None;
        var rows = pool.Entries.First().Value.shape[0];
        using var index = randint(0, rows, [count], generator: generator, device: generator.device);
        return pool.Select(index);
    }
}
