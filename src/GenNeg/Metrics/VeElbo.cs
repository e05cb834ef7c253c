using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Metrics;

/// <summary>An ELBO estimate in nats per example, with the standard error of its Monte Carlo mean.</summary>
public readonly record struct ElboEstimate(double Nats, double StandardError);

/// <summary>
/// The continuous-time ELBO of the variance-exploding process x_sigma = x0 + sigma n, sigma in [sigma_min, sigma_max]
/// (Kingma et al. 2021, "Variational Diffusion Models", Eq. 17 with alpha = 1 and SNR = sigma^-2), for any denoiser D,
/// so it applies unchanged to a guided stack. Per example, in nats (higher is better; -ELBO bounds the NLL):
///
///   -ELBO(x0) = prior + diffusion + reconstruction
///   prior          = KL(N(x0, sigma_max^2 I) || N(0, sigma_max^2 I)) = ||x0||^2 / (2 sigma_max^2)
///   diffusion      = int_{sigma_min}^{sigma_max} sigma^-3 E_n ||x0 - D(x0 + sigma n; sigma)||^2 d sigma
///                  = ln(sigma_max / sigma_min) E_{ln sigma ~ U} [ sigma^-2 ||x0 - D(x0 + sigma n; sigma)||^2 ]
///   reconstruction = E[-ln N(x0; x0 + sigma_min n, sigma_min^2 I)] = (d / 2) (1 + ln(2 pi sigma_min^2))
///
/// The diffusion integral is estimated with stratified log-uniform sigma draws per example.
/// </summary>
public sealed class VeElbo
{
    private readonly LogUniformNoise noise;
    private readonly int drawsPerExample;
    private readonly int batchSize;

    public VeElbo(LogUniformNoise noise, int drawsPerExample, int batchSize = 16_384)
    {
        if (drawsPerExample < 1) throw new GenNegException($"evaluate.elbo_noise_draws must be at least 1, got {drawsPerExample}");
        this.noise = noise;
        this.drawsPerExample = drawsPerExample;
        this.batchSize = batchSize;
    }

    public ElboEstimate Estimate(IDenoiser denoiser, Tensor data, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var perExample = PerExample(denoiser, data, generator);
        var mean = perExample.mean().item<double>();
        var standardError = perExample.numel() > 1 ? perExample.std().item<double>() / Math.Sqrt(perExample.numel()) : 0.0;
        return new ElboEstimate(mean, standardError);
    }

    /// <summary>The ELBO of each example, [N] in float64.</summary>
    public Tensor PerExample(IDenoiser denoiser, Tensor data, Generator generator)
    {
        using var scope = NewDisposeScope();
        var count = data.shape[0];
        var dimension = data.shape[1];
        var x0 = data.to(ScalarType.Float32).repeat_interleave(drawsPerExample, 0);
        var sigma = noise.SampleStratified(count, drawsPerExample, generator).reshape(-1);
        var n = randn(x0.shape, generator: generator);

        var weightedErrors = new List<Tensor>();
        for (long start = 0; start < x0.shape[0]; start += batchSize)
        {
            using var batchScope = NewDisposeScope();
            var end = Math.Min(start + batchSize, x0.shape[0]);
            var clean = x0.narrow(0, start, end - start);
            var s = sigma.narrow(0, start, end - start);
            var error = (clean - denoiser.Denoise(clean + s.unsqueeze(1) * n.narrow(0, start, end - start), s)).square().sum(1).to(ScalarType.Float64);
            weightedErrors.Add((error / s.to(ScalarType.Float64).square()).MoveToOuterDisposeScope());
        }
        var diffusion = cat(weightedErrors, 0).reshape(count, drawsPerExample).mean([1]) * noise.LogRange;
        var prior = data.to(ScalarType.Float64).square().sum(1) / (2 * noise.SigmaMax * noise.SigmaMax);
        var reconstruction = dimension / 2.0 * (1 + Math.Log(2 * Math.PI * noise.SigmaMin * noise.SigmaMin));
        return (-(prior + diffusion + reconstruction)).MoveToOuterDisposeScope();
    }
}
