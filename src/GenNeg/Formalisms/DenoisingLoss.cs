using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Formalisms;

/// <summary>
/// The denoising loss of either formalism: lambda(sigma) || D(x0 + sigma n; sigma, c) - x0 ||^2, n ~ N(0, I), with sigma
/// and lambda from the formalism. EDM: Karras et al. 2022, Eq. 8, with the Gen-neG paper's log-uniform sigma.
/// DDPM: Ho et al.'s L_simple, ||n - eps_theta(x_t, t)||^2 with t uniform.
/// </summary>
public sealed class DenoisingLoss(IDiffusionFormalism formalism)
{
    /// <summary>The unreduced loss, [B, *S]: one weighted squared error per example and feature.</summary>
    public Tensor Compute(IDenoiser denoiser, Tensor x0, Condition condition, Generator generator)
    {
        using var scope = NewDisposeScope();
        var (sigma, noisy) = Noising.Perturb(formalism, x0, generator);
        var error = (denoiser.Denoise(noisy, sigma, condition) - x0).square();
        return (PerSample.Broadcast(formalism.LossWeight(sigma), error) * error).MoveToOuterDisposeScope();
    }
}
