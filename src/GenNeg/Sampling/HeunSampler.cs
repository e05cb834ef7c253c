using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Sampling;

/// <summary>Settings of EDM's stochastic sampler (Karras et al. 2022, Algorithm 2).</summary>
public sealed record HeunSettings(
    int Steps = 100,
    double SigmaMax = 80,
    double SigmaMin = 0.002,
    double Churn = 10,
    double ChurnSigmaMin = 0,
    double ChurnSigmaMax = double.PositiveInfinity,
    double ChurnNoise = 1);

/// <summary>
/// EDM's second-order Heun sampler with stochastic churn (Karras et al. 2022, Algorithm 2) on a
/// log-linear schedule from sigma_max to sigma_min (the Gen-neG paper's choice), then one Euler step to 0.
/// It runs as a Gaussian-step chain of its churned points x_hat_i (at t_hat_i = t_i (1 + gamma)): transition 0 churns
/// the starting point, transition i (1 .. N - 1) is the deterministic Heun move from x_hat_{i-1} down to t_i plus the
/// churn noise N(0, (t_hat_i^2 - t_i^2) I), and transition N the Euler move to 0. Only the move depends on the model and
/// the noise does not, so sequential importance sampling can weight its trajectories (Appendix D.2, Eq. 38).
/// </summary>
public sealed class HeunSampler : IGaussianStepSampler
{
    public const string Name = "heun";

    private readonly HeunSettings settings;
    private readonly double[] levels;
    private readonly double[] churned;

    public HeunSampler(HeunSettings settings)
    {
        if (settings.Steps < 1) throw new GenNegException($"sampler.steps must be at least 1, got {settings.Steps}");
        this.settings = settings;
        levels = NoiseLevels();
        var gamma = Math.Min(settings.Churn / settings.Steps, Math.Sqrt(2) - 1);
        churned = levels.Select(t => t >= settings.ChurnSigmaMin && t <= settings.ChurnSigmaMax && t > 0 ? t * (1 + gamma) : t).ToArray();
    }

    public int Steps => settings.Steps;

    public int Evaluations => 2 * settings.Steps - 1;

    public string Label => Name;

    public int Transitions => settings.Steps + 1;

    /// <summary>Whether any step adds churn noise; without it every transition is deterministic.</summary>
    public bool Churns => churned.Zip(levels).Any(p => p.First > p.Second);

    /// <summary>t_0 = sigma_max, ..., t_{N-1} = sigma_min log-linearly, then t_N = 0.</summary>
    public double[] NoiseLevels()
    {
        var n = settings.Steps;
        var levels = new double[n + 1];
        for (var i = 0; i < n; i++)
        {
            var fraction = n == 1 ? 0.0 : (double)i / (n - 1);
            levels[i] = Math.Exp(Math.Log(settings.SigmaMax) + fraction * (Math.Log(settings.SigmaMin) - Math.Log(settings.SigmaMax)));
        }
        return levels;
    }

    public Tensor Sample(IDenoiser denoiser, Tensor noise, Condition condition, Generator generator) =>
        GaussianWalk.Sample(this, denoiser, noise, condition, generator);

    public Tensor Start(Tensor noise) => noise * levels[0];

    public GaussianStep Step(IDenoiser denoiser, Tensor x, Condition condition, int index)
    {
        using var scope = NewDisposeScope();
        var moved = index == 0 ? x.alias() : Move(denoiser, x, condition, churned[index - 1], levels[index]);
        // Churn: raise the noise level to t_hat = t (1 + gamma) by adding fresh noise (Algorithm 2, lines 4-6).
        var churn = Math.Sqrt(churned[index] * churned[index] - levels[index] * levels[index]) * settings.ChurnNoise;
        return new GaussianStep(moved.MoveToOuterDisposeScope(), churn);
    }

    /// <summary>Euler step from <paramref name="raised"/> to <paramref name="next"/> (Algorithm 2, lines 7-8), then the trapezoidal correction unless stepping to sigma = 0 (lines 9-11).</summary>
    private static Tensor Move(IDenoiser denoiser, Tensor xHat, Condition condition, double raised, double next)
    {
        var slope = (xHat - denoiser.Denoise(xHat, Level(raised, xHat), condition)) / raised;
        var xNext = xHat + (next - raised) * slope;
        if (next == 0) return xNext;
        var slopeNext = (xNext - denoiser.Denoise(xNext, Level(next, xHat), condition)) / next;
        return xHat + (next - raised) * (0.5 * slope + 0.5 * slopeNext);
    }

    /// <summary>One shared noise level for the whole batch, [1], on the samples' device.</summary>
    private static Tensor Level(double sigma, Tensor like) => tensor(new[] { (float)sigma }, device: like.device);
}
