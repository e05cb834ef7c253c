using GenNeg.Data;
using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>
/// The one seam every sampler, guidance wrapper, trainer and metric works through (Karras et al. 2022,
/// Table 1): D(x; sigma, c), the estimate of the clean x0 from x = x0 + sigma n given the samples' condition c.
/// The score follows from it: grad log p(x; sigma) = (D(x; sigma) - x) / sigma^2. A DDPM model at step t is the same
/// object at sigma_t = sqrt((1 - abar_t) / abar_t) on x = x_t / sqrt(abar_t); see the formalisms (IDiffusionFormalism).
/// </summary>
public interface IDenoiser
{
    /// <param name="x">noisy samples [B, *S]</param>
    /// <param name="sigma">noise levels [B], or [1] when the whole batch shares one level</param>
    /// <param name="condition">the samples' condition, rows matching x (<see cref="Condition.None"/> when unconditional)</param>
    /// <returns>D(x; sigma, c), [B, *S]</returns>
    Tensor Denoise(Tensor x, Tensor sigma, Condition condition);

    /// <summary>
    /// The condition with whatever the model computes from it alone (a map encoding) added, so that a sampler batch
    /// encodes it once rather than at every step. Callers that sample pass the result to every <see cref="Denoise"/>
    /// call of the batch; the default adds nothing.
    /// </summary>
    Condition EncodeCondition(Condition condition) => condition;
}
