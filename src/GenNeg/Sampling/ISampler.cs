using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Sampling;

/// <summary>
/// A stateless sampler: turns standard-normal noise into samples by integrating the reverse process of a
/// denoiser. Guidance is a denoiser wrapper (see Guidance), so no sampler knows about classifiers.
/// </summary>
public interface ISampler
{
    /// <summary>Steps from the starting noise level to the sample.</summary>
    int Steps { get; }

    /// <summary>Denoiser evaluations per sample (for cost reports): two per Heun step but the last, one per DDPM step.</summary>
    int Evaluations { get; }

    /// <param name="denoiser">the model to sample from</param>
    /// <param name="noise">standard-normal noise [B, D]; the sampler scales it to its starting noise level</param>
    /// <param name="generator">source of the sampler's own randomness (stochastic churn)</param>
    Tensor Sample(IDenoiser denoiser, Tensor noise, Generator generator);
}
