using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>
/// EDM's denoising loss (Karras et al. 2022, Eq. 8) with the Gen-neG paper's log-uniform noise levels:
/// lambda(sigma) || D(x0 + sigma n; sigma) - x0 ||^2, n ~ N(0, I).
/// </summary>
public sealed class EdmLoss
{
    private readonly LogUniformNoise noise;
    private readonly EdmPreconditioning preconditioning;

    public EdmLoss(LogUniformNoise noise, EdmPreconditioning preconditioning)
    {
        this.noise = noise;
        this.preconditioning = preconditioning;
    }

    /// <summary>The unreduced loss, [B, D]: one weighted squared error per example and feature.</summary>
    public Tensor Compute(IDenoiser denoiser, Tensor x0, Generator generator)
    {
        using var scope = NewDisposeScope();
        var (sigma, noisy) = noise.Perturb(x0, generator);
        var error = (denoiser.Denoise(noisy, sigma) - x0).square();
        return (preconditioning.LossWeight(sigma) * error).MoveToOuterDisposeScope();
    }
}
