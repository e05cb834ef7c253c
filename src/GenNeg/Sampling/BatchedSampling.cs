using GenNeg.Diffusion;
using GenNeg.Runtime;
using static TorchSharp.torch;

namespace GenNeg.Sampling;

/// <summary>Progress of a long sampling job: samples done out of the total.</summary>
public readonly record struct SamplingProgress(long Done, long Total);

/// <summary>Draws many samples in batches, so memory stays bounded and the caller can show progress or cancel.</summary>
public static class BatchedSampling
{
    public static Tensor Draw(
        ISampler sampler, IDenoiser denoiser, long count, int dimension, int batchSize, Generator generator,
        IProgress<SamplingProgress>? progress = null, CancellationToken cancellation = default)
    {
        if (count < 1) throw new GenNegException($"the number of samples must be at least 1, got {count}");
        if (batchSize < 1) throw new GenNegException($"sampler.batch_size must be at least 1, got {batchSize}");
        var batches = new List<Tensor>();
        try
        {
            for (long done = 0; done < count;)
            {
                cancellation.ThrowIfCancellationRequested();
                var size = Math.Min(batchSize, count - done);
                using (var scope = NewDisposeScope())
                {
                    var noise = randn([size, dimension], generator: generator);
                    batches.Add(sampler.Sample(denoiser, noise, generator).MoveToOuterDisposeScope());
                }
                NativeHeap.Trim();
                done += size;
                progress?.Report(new SamplingProgress(done, count));
            }
            return cat(batches, 0);
        }
        finally
        {
            foreach (var batch in batches) batch.Dispose();
        }
    }
}
