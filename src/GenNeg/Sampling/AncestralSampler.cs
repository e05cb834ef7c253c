using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Sampling;

/// <summary>
/// DDPM's ancestral sampler (Ho et al. 2020, Algorithm 2) with Sigma_t = beta_t:
///   x_{t-1} = (x_t - beta_t / sqrt(1 - abar_t) eps_theta(x_t, t)) / sqrt(alpha_t) + sqrt(beta_t) z,  z = 0 on the last step.
/// With steps = T it is Algorithm 2 itself; with fewer it walks evenly spaced steps s &lt; t with the respaced
/// beta = 1 - abar_t / abar_s (Nichol &amp; Dhariwal 2021, Section 4). Guidance arrives through the guided epsilon, which moves
/// the mean by beta_t / sqrt(alpha_t) g: Dhariwal &amp; Nichol's Sigma_t g to first order in beta_t.
/// </summary>
public sealed class AncestralSampler : IGaussianStepSampler
{
    public const string Name = "ancestral";

    private readonly DdpmSchedule schedule;
    private readonly int[] visited;

    public AncestralSampler(DdpmSchedule schedule, int steps, string spacing = DdpmSteps.LinearSpacing)
    {
        visited = DdpmSteps.Visited(schedule.Timesteps, steps, spacing);
        this.schedule = schedule;
    }

    public int Steps => visited.Length;

    public string Label => Name;

    public int Transitions => Steps;

    public int Evaluations => visited.Length;

    public Tensor Sample(IDenoiser denoiser, Tensor noise, Condition condition, Generator generator) => DdpmSteps.Walk(noise, visited, (x, t, s) =>
    {
        var mean = Mean(denoiser, x, condition, t, s);
        return s > 0 ? mean + Math.Sqrt(Beta(t, s)) * randn(x.shape, dtype: x.dtype, device: x.device, generator: generator) : mean;
    });

    /// <summary>The mean of p(x_s | x_t): (x_t - beta / sqrt(1 - abar_t) eps) / sqrt(1 - beta), beta = 1 - abar_t / abar_s.</summary>
    public Tensor Mean(IDenoiser denoiser, Tensor xt, Condition condition, int t, int s)
    {
        using var scope = NewDisposeScope();
        var beta = Beta(t, s);
        var (epsilon, _) = DdpmSteps.Predict(denoiser, schedule, xt, condition, t);
        return ((xt - beta / Math.Sqrt(1 - schedule.AlphaBar(t)) * epsilon) / Math.Sqrt(1 - beta)).MoveToOuterDisposeScope();
    }

    /// <summary>x_T is the noise itself.</summary>
    public Tensor Start(Tensor noise) => noise.alias();

    /// <summary>Step <paramref name="index"/> from the top: N(mean of p(x_s | x_t), beta I), deterministic (z = 0) into t = 0.</summary>
    public GaussianStep Step(IDenoiser denoiser, Tensor x, Condition condition, int index)
    {
        var t = visited[visited.Length - 1 - index];
        var s = index == visited.Length - 1 ? 0 : visited[visited.Length - 2 - index];
        return new GaussianStep(Mean(denoiser, x, condition, t, s), s > 0 ? Math.Sqrt(Beta(t, s)) : 0);
    }

    private double Beta(int t, int s) => 1 - schedule.AlphaBar(t) / schedule.AlphaBar(s);
}
