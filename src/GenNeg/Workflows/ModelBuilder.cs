using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Formalisms;
using GenNeg.Guidance;
using GenNeg.Networks;
using GenNeg.Runtime;
using GenNeg.Sampling;
using GenNeg.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Workflows;

/// <summary>
/// Builds a run's models for its data: the configured backbone (model.backbone) inside the formalism's
/// preconditioning, on the run's device. Weights are initialised on the CPU from a seed and then moved, so a seed
/// gives the same initial weights on every device.
/// </summary>
public sealed class ModelBuilder
{
    private readonly ModelConfig model;
    private readonly DataSplit data;
    private readonly BackboneRegistry backbones;

    /// <param name="classifierBackbone">genneg.classifier.backbone: auto for the denoiser's (the MLP beside a TorchScript file)</param>
    /// <param name="classifierTorchscript">genneg.classifier.torchscript: the classifiers' own TorchScript file, for classifierBackbone torchscript</param>
    public ModelBuilder(ModelConfig model, DataSplit data, BackboneRegistry backbones, Device device, string classifierBackbone = ClassifierTrainConfig.AutoBackbone,
        string classifierTorchscript = "")
    {
        this.model = model;
        this.data = data;
        this.backbones = backbones;
        Device = device;
        Formalism = ModelFactory.Formalism(model);
        denoiserPreconditioning = NetworkContracts.DenoiserPreconditioning(Formalism, model);
        var classifierNetwork = ClassifierHead.Backbone(classifierBackbone, model.Backbone);
        // A classifier's file is a raw network inside the formalism's preconditioning, whatever the denoiser's file is.
        classifierModel = classifierNetwork == TorchScriptBackbone.BackboneName
            ? model with { Backbone = classifierNetwork, Torchscript = classifierTorchscript, TorchscriptContract = NetworkContracts.Backbone }
            : model with { Backbone = classifierNetwork };
    }

    private readonly IPreconditioning denoiserPreconditioning;
    private readonly ModelConfig classifierModel;

    public Device Device { get; }

    public IDiffusionFormalism Formalism { get; }

    /// <summary>A fresh denoiser on the device; its initial weights come from <paramref name="seed"/>.</summary>
    public PreconditionedDenoiser CreateDenoiser(long seed) => OnDevice(NewDenoiser(seed));

    /// <summary>A fresh time-dependent classifier with the given head: genneg.classifier.backbone (default the denoiser's) with one logit per sample or element.</summary>
    public TimeDependentClassifier CreateClassifier(long seed, string head) => OnDevice(NewClassifier(seed, head));

    /// <summary>A denoiser with the weights saved at <paramref name="path"/>, on the device.</summary>
    public PreconditionedDenoiser LoadDenoiser(string path, long seed) => OnDevice(ModelFiles.Load(NewDenoiser(seed), path));

    public TimeDependentClassifier LoadClassifier(string path, long seed, string head) => OnDevice(ModelFiles.Load(NewClassifier(seed, head), path));

    public ISampler CreateSampler(SamplerConfig sampler) => Formalism.CreateSampler(sampler);

    /// <summary>
    /// The builder of GenNeg's own backbone in place of a TorchScript file (the one its classifiers get, sized by the
    /// same model keys), inside the formalism's own preconditioning: what bench times an imported network against.
    /// </summary>
    public ModelBuilder WithOwnBackbone() =>
        new(model with { Backbone = ClassifierHead.Backbone(ClassifierTrainConfig.AutoBackbone, model.Backbone), TorchscriptContract = NetworkContracts.Backbone },
            data, backbones, Device);

    private PreconditionedDenoiser NewDenoiser(long seed)
    {
        MemoryBudget.EnsureModelFits(model, checked((int)data.SampleSize));
        random.manual_seed(seed);
        return new PreconditionedDenoiser(backbones.Create(BackboneSpec.For(data, BackboneOutput.Sample, model)), denoiserPreconditioning);
    }

    private TimeDependentClassifier NewClassifier(long seed, string head)
    {
        MemoryBudget.EnsureModelFits(model, checked((int)data.SampleSize));
        random.manual_seed(seed);
        return new TimeDependentClassifier(backbones.Create(BackboneSpec.For(data, ClassifierHead.Output(head), classifierModel)), Formalism.Preconditioning);
    }

    private T OnDevice<T>(T module) where T : nn.Module
    {
        if (Device.type != DeviceType.CPU) module.to(Device);
        return module;
    }
}
