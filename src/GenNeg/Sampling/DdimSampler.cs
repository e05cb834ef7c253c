using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Sampling;

/// <summary>
/// DDIM (Song et al. 2021, Eq. 12) on evenly or quadratically spaced steps tau_S = T &gt; ... &gt; tau_1, then to t = 0:
///   x_s = sqrt(abar_s) x0_hat + sqrt(1 - abar_s - c^2) eps + c z,
///   c = eta sqrt((1 - abar_s) / (1 - abar_t)) sqrt(1 - abar_t / abar_s).
/// eta = 0 is deterministic; eta = 1 has the ancestral sampler's posterior variance. A guided denoiser supplies
/// eps' = eps - sqrt(1 - abar_t) g and the matching x0_hat (Dhariwal &amp; Nichol 2021, Algorithm 2).
/// </summary>
public sealed class DdimSampler : ISampler
{
    public const string Name = "ddim";

    private readonly DdpmSchedule schedule;
    private readonly int[] visited;
    private readonly double eta;

    public DdimSampler(DdpmSchedule schedule, int steps, double eta, string spacing = DdpmSteps.LinearSpacing)
    {
        if (eta < 0) throw ConfigKey.Error("sampler.eta", $"must be at least 0, got {eta}");
        visited = DdpmSteps.Visited(schedule.Timesteps, steps, spacing);
        this.schedule = schedule;
        this.eta = eta;
    }

    public int Steps => visited.Length;

    public int Evaluations => visited.Length;

    public Tensor Sample(IDenoiser denoiser, Tensor noise, Condition condition, Generator generator) =>
        DdpmSteps.Walk(noise, visited, (x, t, s) => Step(denoiser, x, condition, t, s, generator));

    private Tensor Step(IDenoiser denoiser, Tensor xt, Condition condition, int t, int s, Generator generator)
    {
        var (epsilon, clean) = DdpmSteps.Predict(denoiser, schedule, xt, condition, t);
        var abarT = schedule.AlphaBar(t);
        var abarS = schedule.AlphaBar(s);
        var c = eta * Math.Sqrt((1 - abarS) / (1 - abarT) * (1 - abarT / abarS));
        var direction = Math.Sqrt(Math.Max(0, 1 - abarS - c * c));
        var next = Math.Sqrt(abarS) * clean + direction * epsilon;
        return c > 0 ? next + c * randn(xt.shape, dtype: xt.dtype, device: xt.device, generator: generator) : next;
    }
}
