using GenNeg.Data;
using GenNeg.Configuration;
using GenNeg.Diffusion;
using GenNeg.Metrics;
using GenNeg.Sampling;
using static TorchSharp.torch;

namespace GenNeg.Formalisms;

/// <summary>
/// DDPM (Ho et al. 2020) on the shared seam: epsilon-prediction through <see cref="VpPreconditioning"/>, t uniform on
/// 1..T for training, L_simple (||eps - eps_theta||^2 = sigma_t^-2 ||x0 - D||^2, so lambda = sigma^-2), the ancestral
/// and DDIM samplers, and the r-ELBO. With model.prediction x0 the network predicts the clean sample
/// (<see cref="VpSamplePreconditioning"/>) and trains on MDM's ||x0 - D||^2 (lambda = 1); sampling, guidance and the
/// r-ELBO read its epsilon (x - D) / sigma through the seam, unchanged.
/// </summary>
public sealed class DdpmFormalism(DdpmSchedule schedule, string prediction = DdpmFormalism.EpsilonPrediction) : IDiffusionFormalism
{
    public const string Name = "ddpm";
    public const string EpsilonPrediction = "epsilon";
    public const string SamplePrediction = "x0";

    /// <summary>The parameterisations by name (model.prediction).</summary>
    public static IReadOnlyList<string> Predictions { get; } = [EpsilonPrediction, SamplePrediction];

    private readonly bool predictsSample = prediction switch
    {
        EpsilonPrediction => false,
        SamplePrediction => true,
        _ => throw ConfigKey.Error("model.prediction", $"must be one of {string.Join(", ", Predictions)}, got '{prediction}'"),
    };

    public DdpmSchedule Schedule => schedule;

    public IPreconditioning Preconditioning { get; } = prediction == SamplePrediction ? new VpSamplePreconditioning(schedule) : new VpPreconditioning(schedule);

    /// <summary>sigma_t with t ~ U{1, ..., T} (Ho et al., Algorithm 1).</summary>
    public Tensor SampleTrainingSigma(long count, Generator generator)
    {
        using var scope = NewDisposeScope();
        var step = randint(0, schedule.Timesteps, [count], generator: generator, device: generator.device);
        return schedule.SigmaTable(generator.device).Rows(step).MoveToOuterDisposeScope();
    }

    public Tensor LossWeight(Tensor sigma) => predictsSample ? ones_like(sigma) : sigma.square().reciprocal();

    public double CleanSigma => schedule.Sigma(1);

    public ISampler CreateSampler(SamplerConfig sampler) => sampler.Name switch
    {
        AncestralSampler.Name => new AncestralSampler(schedule, sampler.Steps, sampler.Spacing),
        DdimSampler.Name => new DdimSampler(schedule, sampler.Steps, sampler.Eta, sampler.Spacing),
        _ => throw new GenNegException(
            $"config key 'sampler.name': the ddpm formalism samples with {AncestralSampler.Name} or {DdimSampler.Name}, got '{sampler.Name}'"),
    };

    public IGaussianStepSampler CreateImportanceSampler(SamplerConfig sampler, string name = ImportanceDrawingConfig.FormalismDefault) => name switch
    {
        ImportanceDrawingConfig.FormalismDefault or AncestralSampler.Name => new AncestralSampler(schedule, sampler.Steps, sampler.Spacing),
        _ => throw new GenNegException(
            $"config key 'genneg.sis.sampler': the ddpm formalism draws by sequential importance sampling with {ImportanceDrawingConfig.FormalismDefault} ({AncestralSampler.Name}) or {AncestralSampler.Name}, got '{name}'"),
    };

    public LikelihoodBound CreateLikelihood(int drawsPerExample) => new ReweightedElbo(schedule, drawsPerExample);

    /// <summary>[sigma_1, sigma_T] on x = x_t / sqrt(abar_t); x_T ~ N(0, I) makes x ~ N(0, I / abar_T) at the top.</summary>
    public ProbabilityFlowSpan FlowSpan => new(schedule.Sigma(1), schedule.Sigma(schedule.Timesteps), 1 / schedule.AlphaBar(schedule.Timesteps));
}
