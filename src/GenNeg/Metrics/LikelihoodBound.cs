using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Metrics;

/// <summary>A likelihood estimate per held-out example (higher is better), with the standard error of its Monte Carlo mean.</summary>
public readonly record struct ElboEstimate(double Nats, double StandardError);

/// <summary>
/// A per-example likelihood figure of a denoiser, written against the seam only, so a guided stack is measured through
/// its guided D (its guided epsilon) like any other model. Both formalisms' figures are built from the same Monte Carlo
/// term, sigma^-2 ||x0 - D(x0 + sigma n; sigma)||^2 (= ||n - eps||^2), at noise levels each draws its own way.
/// </summary>
public abstract class LikelihoodBound
{
    private readonly int batchSize;

    protected LikelihoodBound(int drawsPerExample, int batchSize)
    {
        if (drawsPerExample < 1) throw ConfigKey.Error("evaluate.elbo_noise_draws", $"must be at least 1, got {drawsPerExample}");
        DrawsPerExample = drawsPerExample;
        this.batchSize = batchSize;
    }

    /// <summary>How reports name the figure: ELBO (EDM) or r-ELBO (DDPM).</summary>
    public abstract string Name { get; }

    protected int DrawsPerExample { get; }

    /// <summary>
    /// The figure for each example [N, *S] under its condition, summed over the example's numbers: [N] in float64.
    /// With <paramref name="elementMask"/> [N, *E] (false = padding, <see cref="DataSplit.PaddingMask"/>) only the real
    /// elements' numbers count: padded rows add nothing to any term, and the terms that grow with the dimension count
    /// the real numbers only, so a padded example scores as the same example without its padding. Null: every number
    /// counts (the figures of unpadded data, unchanged).
    /// </summary>
    public abstract Tensor PerExample(IDenoiser denoiser, Tensor data, Condition condition, Generator generator, Tensor? elementMask = null);

    /// <summary>The mean over <paramref name="data"/> and its standard error (<paramref name="elementMask"/>: see <see cref="PerExample"/>).</summary>
    public ElboEstimate Estimate(IDenoiser denoiser, Tensor data, Condition condition, Generator generator, Tensor? elementMask = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var perExample = PerExample(denoiser, data, condition, generator, elementMask).cpu();
        var mean = perExample.mean().item<double>();
        var standardError = perExample.numel() > 1 ? perExample.std().item<double>() / Math.Sqrt(perExample.numel()) : 0.0;
        return new ElboEstimate(mean, standardError);
    }

    /// <summary>
    /// Per example, the mean over its noise levels of sigma^-2 ||x0 - D(x0 + sigma n; sigma, c)||^2, n ~ N(0, I), the
    /// norm over all of the example's numbers (over its real elements' numbers with <paramref name="elementMask"/>):
    /// [N] in float64, from sigma [N, drawsPerExample].
    /// </summary>
    protected Tensor MeanScaledError(IDenoiser denoiser, Tensor data, Condition condition, Tensor sigma, Generator generator, Tensor? elementMask = null)
    {
        using var scope = NewDisposeScope();
        var count = data.shape[0];
        var x0 = data.to(ScalarType.Float32).repeat_interleave(DrawsPerExample, 0);
        var repeated = condition.Map(t => t.repeat_interleave(DrawsPerExample, 0));
        var levels = sigma.reshape(-1);
        var n = randn(x0.shape, generator: generator, device: x0.device);
        // 1 on real numbers, 0 on padding; the noise is drawn for every number either way, so the draws of real
        // elements do not depend on whether a mask is given.
        var real = elementMask is null ? null : ElementMasks.Expand(elementMask, data.to(ScalarType.Float32)).repeat_interleave(DrawsPerExample, 0);

        var errors = new List<Tensor>();
        for (long start = 0; start < x0.shape[0]; start += batchSize)
        {
            using var batchScope = NewDisposeScope();
            var length = Math.Min(batchSize, x0.shape[0] - start);
            var clean = x0.narrow(0, start, length);
            var s = levels.narrow(0, start, length);
            var noisy = clean + PerSample.Broadcast(s, clean) * n.narrow(0, start, length);
            var squared = (clean - denoiser.Denoise(noisy, s, repeated.Slice(start, length))).square();
            if (real is not null) squared = squared * real.narrow(0, start, length);
            var error = squared.flatten(1).sum(1).to(ScalarType.Float64);
            errors.Add((error / s.to(ScalarType.Float64).square()).MoveToOuterDisposeScope());
        }
        return cat(errors, 0).reshape(count, DrawsPerExample).mean([1]).MoveToOuterDisposeScope();
    }
}
