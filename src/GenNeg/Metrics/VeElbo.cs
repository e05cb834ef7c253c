using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Metrics;

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
/// The diffusion integral is estimated with stratified log-uniform sigma draws per example. On padded data (an element
/// mask) every term counts the real elements only, d included: padding is no part of the example.
/// </summary>
public sealed class VeElbo(LogUniformNoise noise, int drawsPerExample, int batchSize = 16_384)
    : LikelihoodBound(drawsPerExample, batchSize)
{
    public override string Name => "ELBO";

    public override Tensor PerExample(IDenoiser denoiser, Tensor data, Condition condition, Generator generator, Tensor? elementMask = null)
    {
        using var scope = NewDisposeScope();
        var sigma = noise.SampleStratified(data.shape[0], DrawsPerExample, generator);
        var diffusion = MeanScaledError(denoiser, data, condition, sigma, generator, elementMask) * noise.LogRange;
        if (elementMask is null)
        {
            var dimension = data.shape[1..].Aggregate(1L, (a, b) => a * b);
            var prior = data.to(ScalarType.Float64).square().flatten(1).sum(1) / (2 * noise.SigmaMax * noise.SigmaMax);
            var fullReconstruction = dimension / 2.0 * (1 + Math.Log(2 * Math.PI * noise.SigmaMin * noise.SigmaMin));
            return (-(prior + diffusion + fullReconstruction)).MoveToOuterDisposeScope();
        }
        var perDimension = (1 + Math.Log(2 * Math.PI * noise.SigmaMin * noise.SigmaMin)) / 2.0;
        // Padded data: d is each example's count of real numbers, and the prior sees its real elements only.
        var x0 = ElementMasks.ZeroPadding(data.to(ScalarType.Float64), elementMask);
        var realPrior = x0.square().flatten(1).sum(1) / (2 * noise.SigmaMax * noise.SigmaMax);
        var reconstruction = ElementMasks.RealNumbers(elementMask, x0) * perDimension;
        return (-(realPrior + diffusion + reconstruction)).MoveToOuterDisposeScope();
    }
}
