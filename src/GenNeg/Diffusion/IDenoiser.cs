using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>
/// The one seam every sampler, guidance wrapper, trainer and metric works through (Karras et al. 2022,
/// Table 1): D(x; sigma), the estimate of the clean x0 from x = x0 + sigma n.
/// The score follows from it: grad log p(x; sigma) = (D(x; sigma) - x) / sigma^2. A DDPM model at step t is the same
/// object at sigma_t = sqrt((1 - abar_t) / abar_t) on x = x_t / sqrt(abar_t); see <see cref="IDiffusionFormalism"/>.
/// </summary>
public interface IDenoiser
{
    /// <param name="x">noisy samples [B, D]</param>
    /// <param name="sigma">noise levels [B], or [1] when the whole batch shares one level</param>
    /// <returns>D(x; sigma), [B, D]</returns>
    Tensor Denoise(Tensor x, Tensor sigma);
}
