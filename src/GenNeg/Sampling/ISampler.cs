using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Sampling;

/// <summary>
/// A stateless sampler: turns standard-normal noise into samples by integrating the reverse process of a
/// denoiser. Guidance is a denoiser wrapper (see Guidance), so no sampler knows about classifiers.
/// </summary>
public interface ISampler
{
    /// <summary>Sampler evaluations of the denoiser per sample (for cost reports).</summary>
    int Steps { get; }

    /// <param name="denoiser">the model to sample from</param>
    /// <param name="noise">standard-normal noise [B, D]; the sampler scales it to its starting noise level</param>
    /// <param name="generator">source of the sampler's own randomness (stochastic churn)</param>
    Tensor Sample(IDenoiser denoiser, Tensor noise, Generator generator);
}
