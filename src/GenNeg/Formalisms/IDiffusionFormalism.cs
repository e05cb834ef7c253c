using GenNeg.Configuration;
using GenNeg.Diffusion;
using GenNeg.Metrics;
using GenNeg.Sampling;
using static TorchSharp.torch;

namespace GenNeg.Formalisms;

/// <summary>
/// The seam between Gen-neG and a diffusion formalism (EDM or DDPM): everything that differs between them, and nothing
/// else. Both are written as one denoiser D(x; sigma) of x = x0 + sigma n (Karras et al. 2022, Table 1), so guidance,
/// classifier training, distillation and the metrics are formalism-free code on top of this interface.
/// </summary>
public interface IDiffusionFormalism
{
    /// <summary>The wrapper that turns a raw backbone into D(x; sigma) (and a classifier backbone into C(x; sigma)).</summary>
    IPreconditioning Preconditioning { get; }

    /// <summary>Noise levels for training the denoiser, the classifiers and a distilled student, [count], on the generator's device.</summary>
    Tensor SampleTrainingSigma(long count, Generator generator);

    /// <summary>lambda(sigma) in the denoising loss lambda(sigma) ||D(x0 + sigma n; sigma) - x0||^2, one per sample, [B].</summary>
    Tensor LossWeight(Tensor sigma);

    /// <summary>The lowest noise level the model is trained at: where a time-independent classifier sees clean data.</summary>
    double CleanSigma { get; }

    /// <summary>The configured sampler; a sampler this formalism does not have is a config error naming sampler.name.</summary>
    ISampler CreateSampler(SamplerConfig sampler);

    /// <summary>
    /// The sampler with Gaussian steps at sampler.steps that sequential importance sampling draws with, whatever
    /// sampler.name says: <paramref name="name"/> (genneg.sis.sampler), auto for the formalism's default
    /// (EDM: Euler-Maruyama, DDPM: ancestral).
    /// </summary>
    IGaussianStepSampler CreateImportanceSampler(SamplerConfig sampler, string name = ImportanceDrawingConfig.FormalismDefault);

    /// <summary>The likelihood figure reported for a stage: EDM's ELBO, DDPM's r-ELBO.</summary>
    LikelihoodBound CreateLikelihood(int drawsPerExample);

    /// <summary>Where the probability-flow ODE of the exact likelihood runs, and its prior there.</summary>
    ProbabilityFlowSpan FlowSpan { get; }
}
