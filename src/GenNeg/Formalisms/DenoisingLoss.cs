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

    /// <summary>
    /// The mean of an unreduced loss [B, *S] over the real elements of <paramref name="elementMask"/> [B, *E] (E a
    /// prefix of S; false = padding, whose rows then neither train nor dilute the mean); the plain mean when null.
    /// </summary>
    public static Tensor Mean(Tensor loss, Tensor? elementMask)
    {
        if (elementMask is null) return loss.mean();
        using var scope = NewDisposeScope();
        var mask = elementMask.to(loss.dtype).to(loss.device);
        var perElement = loss.numel() / Math.Max(1, mask.numel());
        while (mask.ndim < loss.ndim) mask = mask.unsqueeze(-1);
        return ((loss * mask).sum() / (mask.sum() * perElement).clamp_min(1)).MoveToOuterDisposeScope();
    }
}
