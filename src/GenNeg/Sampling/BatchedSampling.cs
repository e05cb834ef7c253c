using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Runtime;
using static TorchSharp.torch;

namespace GenNeg.Sampling;

/// <summary>Progress of a long sampling job: samples done out of the total.</summary>
public readonly record struct SamplingProgress(long Done, long Total);

/// <summary>Draws many samples in batches, so memory stays bounded and the caller can show progress or cancel.</summary>
public static class BatchedSampling
{
    /// <param name="conditions">the pool each batch picks its conditions from (<see cref="Condition.None"/> when unconditional)</param>
    public static DrawnSamples Draw(
        ISampler sampler, IDenoiser denoiser, long count, long[] sampleShape, Condition conditions, int batchSize, Generator generator,
        IProgress<SamplingProgress>? progress = null, CancellationToken cancellation = default)
    {
        if (count < 1) throw new GenNegException($"the number of samples must be at least 1, got {count}");
        if (batchSize < 1) throw new GenNegException($"sampler.batch_size must be at least 1, got {batchSize}");
        var batches = new List<DrawnSamples>();
        try
        {
            for (long done = 0; done < count;)
            {
                cancellation.ThrowIfCancellationRequested();
                var size = Math.Min(batchSize, count - done);
                batches.Add(SamplerBatch.Draw(sampler, denoiser, size, sampleShape, conditions, generator));
                NativeHeap.Trim();
                done += size;
                progress?.Report(new SamplingProgress(done, count));
            }
            return new DrawnSamples(cat(batches.Select(b => b.Samples).ToList(), 0), Condition.Concat(batches.Select(b => b.Condition).ToList()));
        }
        finally
        {
            foreach (var batch in batches) batch.Dispose();
        }
    }
}
