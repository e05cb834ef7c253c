using GenNeg.Configuration;
using GenNeg.Diffusion;

namespace GenNeg.Formalisms;

/// <summary>
/// Which network a TorchScript file is (model.torchscript_contract), and so how the formalism wraps it into the denoiser
/// D(x; sigma): the raw backbone F inside the formalism's own preconditioning, a whole DDPM epsilon-predictor
/// eps(x_t, t), or a whole EDM denoiser D(x, sigma). The diffusion math stays in the formalism's preconditioning; the
/// network only receives its inputs.
/// </summary>
public static class NetworkContracts
{
    public const string Backbone = "backbone";
    public const string DdpmEpsilon = "ddpm_epsilon";
    public const string EdmDenoiser = "edm_denoiser";

    public static IReadOnlyList<string> Names { get; } = [Backbone, DdpmEpsilon, EdmDenoiser];

    /// <summary>The dtypes of a ddpm_epsilon network's step index (model.torchscript_timestep).</summary>
    public static IReadOnlyList<string> TimestepTypes { get; } = ["int64", "float32"];

    /// <summary>The configured contract fits the formalism (each failure names its key).</summary>
    public static void Check(ModelConfig model)
    {
        if (model.TorchscriptContract == Backbone) return;
        if (model.Backbone != Networks.TorchScriptBackbone.BackboneName)
            throw ConfigKey.Error("model.torchscript_contract", $"({model.TorchscriptContract}) describes a TorchScript file; model.backbone is {model.Backbone}");
        switch (model.TorchscriptContract)
        {
            case DdpmEpsilon when model.Formalism != DdpmFormalism.Name:
                throw ConfigKey.Error("model.torchscript_contract", $"({DdpmEpsilon}) needs model.formalism: {DdpmFormalism.Name}; it is {model.Formalism}");
            case DdpmEpsilon when model.Prediction != DdpmFormalism.EpsilonPrediction:
                throw ConfigKey.Error("model.torchscript_contract", $"({DdpmEpsilon}) predicts epsilon; model.prediction is {model.Prediction}");
            case EdmDenoiser when model.Formalism != EdmFormalism.Name:
                throw ConfigKey.Error("model.torchscript_contract", $"({EdmDenoiser}) needs model.formalism: {EdmFormalism.Name}; it is {model.Formalism}");
        }
    }

    /// <summary>The wrapper that turns the configured network into the denoiser D(x; sigma) (classifiers use the formalism's own).</summary>
    public static IPreconditioning DenoiserPreconditioning(IDiffusionFormalism formalism, ModelConfig model)
    {
        Check(model);
        return model.TorchscriptContract switch
        {
            DdpmEpsilon => new StepIndexPreconditioning(((DdpmFormalism)formalism).Schedule),
            EdmDenoiser => new IdentityPreconditioning(),
            _ => formalism.Preconditioning,
        };
    }
}
