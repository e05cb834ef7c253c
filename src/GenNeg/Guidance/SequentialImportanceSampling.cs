using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Sampling;
using static TorchSharp.torch;

namespace GenNeg.Guidance;

/// <summary>Samples of the target with the log of their importance weights [B] (float64).</summary>
public sealed record WeightedSamples(DrawnSamples Drawn, Tensor LogWeights) : IDisposable
{
    public void Dispose()
    {
        Drawn.Dispose();
        LogWeights.Dispose();
    }
}

/// <summary>
/// Sequential importance sampling of a target model's trajectories from a proposal's (the paper's Appendix D.2, Eq. 38):
/// each step is drawn from the proposal's transition pi(x_{i+1} | x_i) = N(m_pi, s^2 I) and weighted by the target's
/// p(x_{i+1} | x_i) = N(m_p, s^2 I); both start from the same prior, so a trajectory's weight is the product over steps
/// of the two densities' ratio. A deterministic step (s = 0) applies the target's own map, so the returned x_0 is the
/// target's given the proposal's last noisy state.
/// </summary>
public static class SequentialImportanceSampling
{
    /// <summary>
    /// log N(x; m_p, s^2 I) - log N(x; m_pi, s^2 I) per sample, [B] float64. With d = m_p - m_pi it is
    /// (|x - m_pi|^2 - |x - m_p|^2) / (2 s^2) = ((x - m_pi) . d - |d|^2 / 2) / s^2, the form that cancels nothing large.
    /// </summary>
    public static Tensor LogWeightIncrement(Tensor x, Tensor targetMean, Tensor proposalMean, double std)
    {
        using var scope = NewDisposeScope();
        var proposal = proposalMean.to(ScalarType.Float64);
        var offset = (x.to(ScalarType.Float64) - proposal).flatten(1);
        var shift = (targetMean.to(ScalarType.Float64) - proposal).flatten(1);
        var variance = std * std;
        return (((offset * shift).sum(1) - 0.5 * shift.square().sum(1)) / variance).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Trajectories from noise [B, *S]: the proposal's steps, the target's final deterministic step, and the log weights.
    /// Every step evaluates both models, so a step costs the target's evaluation plus the proposal's.
    /// </summary>
    /// <param name="targetCondition">the condition encoded by the target</param>
    /// <param name="proposalCondition">the same condition encoded by the proposal</param>
    public static (Tensor Samples, Tensor LogWeights) Sample(
        IGaussianStepSampler sampler, IDenoiser target, IDenoiser proposal, Tensor noise, Condition targetCondition, Condition proposalCondition,
        Generator generator)
    {
        using var noGrad = no_grad();
        var x = sampler.Start(noise);
        var logWeights = zeros([noise.shape[0]], dtype: ScalarType.Float64, device: noise.device);
        for (var i = 0; i < sampler.Transitions; i++)
        {
            using var scope = NewDisposeScope();
            var towards = sampler.Step(target, x, targetCondition, i);
            Tensor next;
            if (towards.Std > 0)
            {
                // A proposal that is the target itself moves the same way: weights stay exactly 1 at half the cost.
                var from = ReferenceEquals(proposal, target) ? towards : sampler.Step(proposal, x, proposalCondition, i);
                next = from.Mean + from.Std * randn(x.shape, dtype: x.dtype, device: x.device, generator: generator);
                var updated = logWeights + LogWeightIncrement(next, towards.Mean, from.Mean, from.Std);
                logWeights.Dispose();
                logWeights = updated.MoveToOuterDisposeScope();
            }
            else
            {
                next = towards.Mean.alias();
            }
            x.Dispose();
            x = next.MoveToOuterDisposeScope();
        }
        return (x, logWeights);
    }

    /// <summary>
    /// One batch as drawing makes it: conditions picked from the pool (as <see cref="SamplerBatch"/> does), noise, the
    /// weighted trajectories.
    /// </summary>
    public static WeightedSamples DrawBatch(
        IGaussianStepSampler sampler, IDenoiser target, IDenoiser proposal, long size, long[] sampleShape, Condition pool, Generator generator)
    {
        using var scope = NewDisposeScope();
        var condition = SamplerBatch.Pick(pool, size, generator);
        var noise = randn([size, .. sampleShape], generator: generator, device: generator.device);
        var targetCondition = target.EncodeCondition(condition);
        var proposalCondition = ReferenceEquals(proposal, target) ? targetCondition : proposal.EncodeCondition(condition);
        var (samples, logWeights) = Sample(sampler, target, proposal, noise, targetCondition, proposalCondition, generator);
        return new WeightedSamples(
            new DrawnSamples(samples.MoveToOuterDisposeScope(), condition.MoveToOuterDisposeScope()), logWeights.MoveToOuterDisposeScope());
    }

    /// <summary>Effective sample size (sum w)^2 / sum w^2 of log weights [n]; 0 for none.</summary>
    public static double EffectiveSampleSize(Tensor logWeights)
    {
        if (logWeights.shape[0] == 0) return 0;
        using var scope = NewDisposeScope();
        var log = logWeights.to(ScalarType.Float64);
        var w = (log - log.max()).exp();
        return w.sum().square().div(w.square().sum()).cpu().item<double>();
    }

    /// <summary>Self-normalised weights scaled to mean 1 over the class: n w_i / sum_j w_j, [n] float32.</summary>
    public static Tensor NormalisedWeights(Tensor logWeights)
    {
        using var scope = NewDisposeScope();
        var n = logWeights.shape[0];
        return (nn.functional.softmax(logWeights.to(ScalarType.Float64), 0) * n).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
