using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Sampling;

/// <summary>
/// Euler-Maruyama on EDM's reverse SDE (Karras et al. 2022, Eq. 6 with beta(t) = sigma'(t) / sigma(t), sigma(t) = t;
/// the VE reverse-diffusion step of Song et al. 2021, Eq. 47). From sigma_i down to sigma_{i+1}, with
/// Delta = sigma_i^2 - sigma_{i+1}^2 and the score (D(x; sigma_i) - x) / sigma_i^2:
///   x_{i+1} = x_i + Delta / sigma_i^2 (D(x_i; sigma_i) - x_i) + sqrt(Delta) z,   z ~ N(0, I),
/// a Gaussian whose mean alone depends on the model. The levels are the Heun sampler's (log-linear from sigma_max to
/// sigma_min); the last step is the deterministic denoising x_0 = D(x; sigma_min). One evaluation per step.
/// </summary>
public sealed class EulerMaruyamaSampler : IGaussianStepSampler
{
    public const string Name = "euler_maruyama";

    private readonly double[] levels;

    public EulerMaruyamaSampler(int steps, double sigmaMax, double sigmaMin)
    {
        if (steps < 1) throw new GenNegException($"sampler.steps must be at least 1, got {steps}");
        levels = new HeunSampler(new HeunSettings(steps, sigmaMax, sigmaMin)).NoiseLevels()[..steps];
    }

    public int Steps => levels.Length;

    public string Label => Name;

    public int Transitions => Steps;

    public int Evaluations => levels.Length;

    public Tensor Sample(IDenoiser denoiser, Tensor noise, Condition condition, Generator generator) =>
        GaussianWalk.Sample(this, denoiser, noise, condition, generator);

    public Tensor Start(Tensor noise) => noise * levels[0];

    public GaussianStep Step(IDenoiser denoiser, Tensor x, Condition condition, int index)
    {
        using var scope = NewDisposeScope();
        var sigma = levels[index];
        var denoised = denoiser.Denoise(x, tensor(new[] { (float)sigma }, device: x.device), condition);
        if (index == levels.Length - 1) return new GaussianStep(denoised.MoveToOuterDisposeScope(), 0);
        var next = levels[index + 1];
        var delta = sigma * sigma - next * next;
        var mean = x + delta / (sigma * sigma) * (denoised - x);
        return new GaussianStep(mean.MoveToOuterDisposeScope(), Math.Sqrt(delta));
    }
}
