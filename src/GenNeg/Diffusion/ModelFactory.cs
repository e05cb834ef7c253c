using GenNeg.Configuration;
using GenNeg.Guidance;
using GenNeg.Networks;
using GenNeg.Sampling;
using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>Builds the configured models and samplers, so workflows never repeat their wiring.</summary>
public static class ModelFactory
{
    public static MlpShape BackboneShape(ModelConfig model, int inputWidth, int outputWidth) =>
        new(inputWidth, outputWidth, model.Hidden, model.Blocks, model.TimeEmbedding);

    /// <summary>A fresh denoiser; its initial weights come from <paramref name="seed"/>.</summary>
    public static EdmDenoiser CreateDenoiser(ModelConfig model, int dimension, long seed)
    {
        random.manual_seed(seed);
        return new EdmDenoiser(new ResidualMlp(BackboneShape(model, dimension, dimension)), new EdmPreconditioning(model.SigmaData));
    }

    /// <summary>A fresh time-dependent classifier: the denoiser's backbone with one output.</summary>
    public static EdmClassifier CreateClassifier(ModelConfig model, int dimension, long seed)
    {
        random.manual_seed(seed);
        return new EdmClassifier(new ResidualMlp(BackboneShape(model, dimension, 1)), new EdmPreconditioning(model.SigmaData));
    }

    public static LogUniformNoise TrainingNoise(ModelConfig model) => new(model.SigmaMin, model.SigmaMax);

    public static ISampler CreateSampler(SamplerConfig sampler, ModelConfig model) => sampler.Name switch
    {
        "heun" => new HeunSampler(new HeunSettings(sampler.Steps, model.SigmaMax, model.SigmaMin, sampler.Churn)),
        _ => throw new GenNegException($"config key 'sampler.name': unknown sampler '{sampler.Name}'"),
    };
}
