using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Metrics;

/// <summary>
/// The Gen-neG paper's r-ELBO for DDPM models: the diffusion loss with uniform weighting over t (Ho et al.'s L_simple),
/// negated. Per held-out example x0, summed over its features:
///
///   r-ELBO(x0) = - E_{t ~ U{1..T}} E_{n ~ N(0, I)} || n - eps(sqrt(abar_t) x0 + sqrt(1 - abar_t) n, t) ||^2
///              = - E_t E_n sigma_t^-2 || x0 - D(x0 + sigma_t n; sigma_t) ||^2      (on the shared seam)
///
/// where eps is the model's (for a stack, guided) epsilon. Higher is better; 0 would be a perfect noise predictor.
/// It leaves out the ELBO's per-step weights, prior and decoder terms, so it ranks models but does not bound the
/// log-likelihood in nats. The expectation over t is stratified: each example gets one t in each of
/// drawsPerExample equal slices of 1..T. On padded data only the real elements' errors are summed.
/// </summary>
public sealed class ReweightedElbo(DdpmSchedule schedule, int drawsPerExample, int batchSize = 16_384)
    : LikelihoodBound(drawsPerExample, batchSize)
{
    public override string Name => "r-ELBO";

    public override Tensor PerExample(IDenoiser denoiser, Tensor data, Condition condition, Generator generator, Tensor? elementMask = null)
    {
        using var scope = NewDisposeScope();
        var count = data.shape[0];
        var slices = arange(DrawsPerExample, dtype: ScalarType.Float64, device: data.device).unsqueeze(0);
        var u = (slices + rand([count, DrawsPerExample], dtype: ScalarType.Float64, device: data.device, generator: generator)) / DrawsPerExample;
        var step = (u * schedule.Timesteps).floor().clamp(0, schedule.Timesteps - 1).to(ScalarType.Int64).reshape(-1);
        var sigma = schedule.SigmaTable(data.device).Rows(step).reshape(count, DrawsPerExample);
        return (-MeanScaledError(denoiser, data, condition, sigma, generator, elementMask)).MoveToOuterDisposeScope();
    }
}
