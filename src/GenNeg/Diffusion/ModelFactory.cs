using GenNeg.Configuration;
using GenNeg.Guidance;
using GenNeg.Networks;
using GenNeg.Runtime;
using GenNeg.Sampling;
using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>Builds the configured formalism, models and samplers, so workflows never repeat their wiring.</summary>
public static class ModelFactory
{
    public static MlpShape BackboneShape(ModelConfig model, int inputWidth, int outputWidth) =>
        new(inputWidth, outputWidth, model.Hidden, model.Blocks, model.TimeEmbedding);

    /// <summary>The configured formalism: the only place where EDM and DDPM part ways.</summary>
    public static IDiffusionFormalism Formalism(ModelConfig model) => model.Formalism switch
    {
        EdmFormalism.Name => new EdmFormalism(new EdmPreconditioning(model.SigmaData), new LogUniformNoise(model.SigmaMin, model.SigmaMax)),
        DdpmFormalism.Name => new DdpmFormalism(DdpmSchedule.Create(model.Schedule, model.Timesteps, model.BetaStart, model.BetaEnd)),
        _ => throw new GenNegException($"config key 'model.formalism' must be one of {EdmFormalism.Name}, {DdpmFormalism.Name}, got '{model.Formalism}'"),
    };

    /// <summary>A fresh denoiser; its initial weights come from <paramref name="seed"/>.</summary>
    public static PreconditionedDenoiser CreateDenoiser(ModelConfig model, int dimension, long seed)
    {
        MemoryBudget.EnsureModelFits(model, dimension);
        random.manual_seed(seed);
        return new PreconditionedDenoiser(new ResidualMlp(BackboneShape(model, dimension, dimension)), Formalism(model).Preconditioning);
    }

    /// <summary>A fresh time-dependent classifier: the denoiser's backbone with one output.</summary>
    public static TimeDependentClassifier CreateClassifier(ModelConfig model, int dimension, long seed)
    {
        MemoryBudget.EnsureModelFits(model, dimension);
        random.manual_seed(seed);
        return new TimeDependentClassifier(new ResidualMlp(BackboneShape(model, dimension, 1)), Formalism(model).Preconditioning);
    }

    public static ISampler CreateSampler(SamplerConfig sampler, ModelConfig model) => Formalism(model).CreateSampler(sampler);
}
