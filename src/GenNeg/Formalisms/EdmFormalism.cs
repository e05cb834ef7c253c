using GenNeg.Configuration;
using GenNeg.Diffusion;
using GenNeg.Metrics;
using GenNeg.Sampling;
using static TorchSharp.torch;

namespace GenNeg.Formalisms;

/// <summary>
/// EDM (Karras et al. 2022) as the Gen-neG paper uses it on the checkerboard: EDM's preconditioning and loss weight,
/// log-uniform training noise, the Heun and Euler-Maruyama samplers (both usable for sequential importance sampling), and the continuous-time VE ELBO.
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
        HeunSampler.Name => Heun(sampler),
        EulerMaruyamaSampler.Name => new EulerMaruyamaSampler(sampler.Steps, noise.SigmaMax, noise.SigmaMin),
        _ => throw new GenNegException(
            $"config key 'sampler.name': the edm formalism samples with {HeunSampler.Name} or {EulerMaruyamaSampler.Name}, got '{sampler.Name}'"),
    };

    /// <summary>
    /// Euler-Maruyama by default; heun draws with the evaluation's own sampler on its churned points, which needs churn
    /// (without it Heun's chain has no noise to weight).
    /// </summary>
    public IGaussianStepSampler CreateImportanceSampler(SamplerConfig sampler, string name = ImportanceDrawingConfig.FormalismDefault)
    {
        switch (name)
        {
            case ImportanceDrawingConfig.FormalismDefault or EulerMaruyamaSampler.Name:
                return new EulerMaruyamaSampler(sampler.Steps, noise.SigmaMax, noise.SigmaMin);
            case HeunSampler.Name:
                var heun = Heun(sampler);
                if (!heun.Churns)
                    throw new GenNegException(
                        $"config key 'sampler.churn': genneg.sis.sampler {HeunSampler.Name} weights Heun's churn noise, and churn 0 adds none; " +
                        $"set sampler.churn above 0 or genneg.sis.sampler to {EulerMaruyamaSampler.Name}");
                return heun;
            default:
                throw new GenNegException(
                    $"config key 'genneg.sis.sampler': the edm formalism draws by sequential importance sampling with " +
                    $"{ImportanceDrawingConfig.FormalismDefault} ({EulerMaruyamaSampler.Name}), {EulerMaruyamaSampler.Name} or {HeunSampler.Name}, got '{name}'");
        }
    }

    private HeunSampler Heun(SamplerConfig sampler) => new(new HeunSettings(sampler.Steps, noise.SigmaMax, noise.SigmaMin, sampler.Churn));

    public LikelihoodBound CreateLikelihood(int drawsPerExample) => new VeElbo(noise, drawsPerExample);

    /// <summary>[sigma_min, sigma_max] with the prior N(0, sigma_max^2 I), as the sampler starts.</summary>
    public ProbabilityFlowSpan FlowSpan => new(noise.SigmaMin, noise.SigmaMax, noise.SigmaMax * noise.SigmaMax);
}
