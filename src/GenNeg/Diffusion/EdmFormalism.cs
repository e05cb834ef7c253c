using GenNeg.Configuration;
using GenNeg.Metrics;
using GenNeg.Sampling;
using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>
/// EDM (Karras et al. 2022) as the Gen-neG paper uses it on the checkerboard: EDM's preconditioning and loss weight,
/// log-uniform training noise, the Heun and Euler-Maruyama samplers, and the continuous-time VE ELBO.
/// </summary>
public sealed class EdmFormalism(EdmPreconditioning preconditioning, LogUniformNoise noise) : IDiffusionFormalism
{
    public const string Name = "edm";

    public IPreconditioning Preconditioning => preconditioning;

    public LogUniformNoise Noise => noise;

    public Tensor SampleTrainingSigma(long count, Generator generator) => noise.Sample(count, generator);

    public Tensor LossWeight(Tensor sigma) => preconditioning.LossWeight(sigma);

    public double CleanSigma => noise.SigmaMin;

    public ISampler CreateSampler(SamplerConfig sampler) => sampler.Name switch
    {
        HeunSampler.Name => new HeunSampler(new HeunSettings(sampler.Steps, noise.SigmaMax, noise.SigmaMin, sampler.Churn)),
        EulerMaruyamaSampler.Name => CreateImportanceSampler(sampler),
        _ => throw new GenNegException(
            $"config key 'sampler.name': the edm formalism samples with {HeunSampler.Name} or {EulerMaruyamaSampler.Name}, got '{sampler.Name}'"),
    };

    public IGaussianStepSampler CreateImportanceSampler(SamplerConfig sampler) => new EulerMaruyamaSampler(sampler.Steps, noise.SigmaMax, noise.SigmaMin);

    public LikelihoodBound CreateLikelihood(int drawsPerExample) => new VeElbo(noise, drawsPerExample);

    /// <summary>[sigma_min, sigma_max] with the prior N(0, sigma_max^2 I), as the sampler starts.</summary>
    public ProbabilityFlowSpan FlowSpan => new(noise.SigmaMin, noise.SigmaMax, noise.SigmaMax * noise.SigmaMax);
}
