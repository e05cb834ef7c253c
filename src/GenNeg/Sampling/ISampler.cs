using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Sampling;

/// <summary>
/// A stateless sampler: turns standard-normal noise into samples by integrating the reverse process of a
/// denoiser. Guidance is a denoiser wrapper (see Guidance), so no sampler knows about classifiers, and a
/// condition passes through untouched, so no sampler knows about conditions either.
/// </summary>
public interface ISampler
{
    /// <summary>Steps from the starting noise level to the sample.</summary>
    int Steps { get; }

    /// <summary>Denoiser evaluations per sample (for cost reports): two per Heun step but the last, one per DDPM step.</summary>
    int Evaluations { get; }

    /// <param name="denoiser">the model to sample from</param>
    /// <param name="noise">standard-normal noise [B, *S]; the sampler scales it to its starting noise level</param>
    /// <param name="condition">the samples' condition, passed to every denoiser call untouched</param>
    /// <param name="generator">source of the sampler's own randomness (stochastic churn), on the noise's device</param>
    Tensor Sample(IDenoiser denoiser, Tensor noise, Condition condition, Generator generator);
}
