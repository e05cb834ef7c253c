using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Sampling;

/// <summary>
/// One transition of a <see cref="IGaussianStepSampler"/>: x_next ~ N(Mean, Std^2 I). Only the mean depends on the model;
/// Std = 0 marks a deterministic step (x_next = Mean), such as a final denoising step.
/// </summary>
public readonly record struct GaussianStep(Tensor Mean, double Std);

/// <summary>
/// A sampler whose every step is a Gaussian with a model-dependent mean and a model-free variance. Two models sampled
/// this way have transition densities whose ratio is closed form, which sequential importance sampling needs
/// (the paper's Appendix D.2, Eq. 38): DDPM's ancestral sampler, EDM's Euler-Maruyama sampler, and EDM's Heun sampler
/// with churn, read as a chain of its churned points (each is the deterministic Heun move from the last one plus
/// model-free churn noise).
/// </summary>
public interface IGaussianStepSampler : ISampler
{
    /// <summary>The sampler's name as sampler.name takes it.</summary>
    string Label { get; }

    /// <summary>Transitions of the chain: <see cref="ISampler.Steps"/>, or one more where the first only adds noise.</summary>
    int Transitions { get; }

    /// <summary>The first state of the chain from standard-normal noise [B, *S] (scaled to the starting noise level).</summary>
    Tensor Start(Tensor noise);

    /// <summary>Transition <paramref name="index"/> (0 .. Transitions - 1, from the noisiest) of the denoiser at state <paramref name="x"/>.</summary>
    GaussianStep Step(IDenoiser denoiser, Tensor x, Condition condition, int index);
}

/// <summary>Runs a Gaussian-step sampler: x = Start(noise), then x = Mean + Std z at every step.</summary>
public static class GaussianWalk
{
    public static Tensor Sample(IGaussianStepSampler sampler, IDenoiser denoiser, Tensor noise, Condition condition, Generator generator)
    {
        using var noGrad = no_grad();
        var x = sampler.Start(noise);
        for (var i = 0; i < sampler.Transitions; i++)
        {
            using var scope = NewDisposeScope();
            var step = sampler.Step(denoiser, x, condition, i);
            var next = step.Std > 0
                ? step.Mean + step.Std * randn(x.shape, dtype: x.dtype, device: x.device, generator: generator)
                : step.Mean.alias();
            x.Dispose();
            x = next.MoveToOuterDisposeScope();
        }
        return x;
    }
}
