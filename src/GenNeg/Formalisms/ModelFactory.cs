using GenNeg.Configuration;
using GenNeg.Diffusion;
using GenNeg.Sampling;

namespace GenNeg.Formalisms;

/// <summary>The configured formalism and its samplers; models are built by the workflows' ModelBuilder.</summary>
public static class ModelFactory
{
    /// <summary>The formalisms by name (model.formalism).</summary>
    public static IReadOnlyList<string> FormalismNames { get; } = [EdmFormalism.Name, DdpmFormalism.Name];

    /// <summary>The configured formalism: the only place where EDM and DDPM part ways.</summary>
    public static IDiffusionFormalism Formalism(ModelConfig model) => model.Formalism switch
    {
        EdmFormalism.Name => new EdmFormalism(new EdmPreconditioning(model.SigmaData), new LogUniformNoise(model.SigmaMin, model.SigmaMax)),
        DdpmFormalism.Name => new DdpmFormalism(DdpmSchedule.Create(model.Schedule, model.Timesteps, model.BetaStart, model.BetaEnd), model.Prediction),
        _ => throw ConfigKey.Error("model.formalism", $"must be one of {string.Join(", ", FormalismNames)}, got '{model.Formalism}'"),
    };

    public static ISampler CreateSampler(SamplerConfig sampler, ModelConfig model) => Formalism(model).CreateSampler(sampler);
}
