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
/// </summary>
public sealed class HeunSampler : ISampler
{
    public const string Name = "heun";

    private readonly HeunSettings settings;

    public HeunSampler(HeunSettings settings)
    {
        if (settings.Steps < 1) throw new GenNegException($"sampler.steps must be at least 1, got {settings.Steps}");
        this.settings = settings;
    }

    public int Steps => settings.Steps;

    public int Evaluations => 2 * settings.Steps - 1;

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

    public Tensor Sample(IDenoiser denoiser, Tensor noise, Condition condition, Generator generator)
    {
        using var noGrad = no_grad();
        var levels = NoiseLevels();
        var gamma = Math.Min(settings.Churn / settings.Steps, Math.Sqrt(2) - 1);
        var x = noise * levels[0];
        for (var i = 0; i < settings.Steps; i++)
        {
            using var scope = NewDisposeScope();
            var next = Step(denoiser, x, condition, levels[i], levels[i + 1], gamma, generator);
            x.Dispose();
            x = next.MoveToOuterDisposeScope();
        }
        return x;
    }

    private Tensor Step(IDenoiser denoiser, Tensor x, Condition condition, double current, double next, double gamma, Generator generator)
    {
        // Churn: raise the noise level to t_hat = t (1 + gamma) by adding fresh noise (Algorithm 2, lines 4-6).
        var churn = current >= settings.ChurnSigmaMin && current <= settings.ChurnSigmaMax ? gamma : 0.0;
        var raised = current * (1 + churn);
        var xHat = churn > 0
            ? x + Math.Sqrt(raised * raised - current * current) * settings.ChurnNoise * randn(x.shape, generator: generator, device: x.device)
            : x.alias();

        // Euler step (line 7-8), then the trapezoidal correction unless stepping to sigma = 0 (lines 9-11).
        var slope = (xHat - denoiser.Denoise(xHat, Level(raised, x), condition)) / raised;
        var xNext = xHat + (next - raised) * slope;
        if (next == 0) return xNext;
        var slopeNext = (xNext - denoiser.Denoise(xNext, Level(next, x), condition)) / next;
        return xHat + (next - raised) * (0.5 * slope + 0.5 * slopeNext);
    }

    /// <summary>One shared noise level for the whole batch, [1], on the samples' device.</summary>
    private static Tensor Level(double sigma, Tensor like) => tensor(new[] { (float)sigma }, device: like.device);
}
