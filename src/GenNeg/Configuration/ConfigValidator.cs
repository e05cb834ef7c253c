using GenNeg.Diffusion;
using GenNeg.Formalisms;
using GenNeg.Guidance;
using GenNeg.Metrics;
using GenNeg.Networks;
using GenNeg.Runtime;
using GenNeg.Sampling;

namespace GenNeg.Configuration;

/// <summary>The rules a config obeys beyond its declared ranges; each failure names its key.</summary>
public static class ConfigValidator
{
    /// <summary>
    /// Keys whose value is one of a closed list of names, with the names: each list belongs to the part that acts on
    /// the value (the formalisms, the ablations, ...), so validation and the reference read the owner's list.
    /// </summary>
    public static IReadOnlyList<(string Key, Func<GenNegConfig, string> Value, IReadOnlyList<string> Names)> Choices { get; } =
    [
        ("model.formalism", c => c.Model.Formalism, ModelFactory.FormalismNames),
        ("model.prediction", c => c.Model.Prediction, DdpmFormalism.Predictions),
        ("model.schedule", c => c.Model.Schedule, DdpmSchedule.Kinds),
        ("model.torchscript_contract", c => c.Model.TorchscriptContract, NetworkContracts.Names),
        ("model.torchscript_timestep", c => c.Model.TorchscriptTimestep, NetworkContracts.TimestepTypes),
        ("sampler.spacing", c => c.Sampler.Spacing, DdpmSteps.Spacings),
        ("evaluate.likelihood", c => c.Evaluate.Likelihood, LikelihoodModes.Names),
        ("evaluate.ode_solver", c => c.Evaluate.OdeSolver, OdeSettings.Solvers),
        ("genneg.ablation", c => c.Genneg.Ablation, Ablations.Names),
        ("genneg.head", c => c.Genneg.Head, ClassifierHead.Names),
        ("genneg.classifier.loss", c => c.Genneg.Classifier.Loss, ClassifierLosses.Names),
        ("genneg.draw", c => c.Genneg.Draw, DrawMethods.Names),
    ];

    /// <summary>What the reference says each formalism's samplers are (sampler.name, genneg.sis.sampler) and the device forms.</summary>
    public static IReadOnlyDictionary<string, string> DescribedChoices { get; } = new Dictionary<string, string>
    {
        ["device"] = string.Join(", ", DeviceSelection.Forms),
        ["sampler.name"] = $"edm: {HeunSampler.Name}, {EulerMaruyamaSampler.Name}; ddpm: {AncestralSampler.Name}, {DdimSampler.Name}",
        ["genneg.sis.sampler"] = $"{ImportanceDrawingConfig.FormalismDefault}; edm: {EulerMaruyamaSampler.Name}, {HeunSampler.Name}; ddpm: {AncestralSampler.Name}",
    };

    /// <summary>
    /// Rules that span sections or name what other parts own (formalisms, samplers, ablations); the ranges of single
    /// keys are declared on the records and checked by <see cref="ConfigLoader.CheckDeclaredRules"/>.
    /// </summary>
    public static void Validate(GenNegConfig c)
    {
        if (!DeviceSelection.IsWellFormed(c.Device))
            throw ConfigKey.Error("device", $"must be one of {string.Join(", ", DeviceSelection.Forms)}, got '{c.Device}'");
        // Data set, oracle and backbone names are checked against the registries when a workflow opens the experiment,
        // so that names registered by user code are accepted.
        foreach (var (key, value, names) in Choices) ConfigKey.OneOf(key, value(c), names);
        c.ExternalOracle.CheckNamed(c.Oracle, "external_oracle");

        if (c.Model.Prediction != DdpmFormalism.EpsilonPrediction && c.Model.Formalism != DdpmFormalism.Name)
            throw ConfigKey.Error("model.prediction", $"({c.Model.Prediction}) applies to the ddpm formalism only; model.formalism is {c.Model.Formalism}");
        NetworkContracts.Check(c.Model);
        var classifierFile = !string.IsNullOrWhiteSpace(c.Genneg.Classifier.Torchscript);
        if (c.Genneg.Classifier.Backbone == TorchScriptBackbone.BackboneName && !classifierFile)
            throw ConfigKey.Error("genneg.classifier.torchscript", $"must name a TorchScript file (torch.jit.save) of the classifier's network when genneg.classifier.backbone is {TorchScriptBackbone.BackboneName}");
        if (c.Genneg.Classifier.Backbone != TorchScriptBackbone.BackboneName && classifierFile)
            throw ConfigKey.Error("genneg.classifier.torchscript", $"names a file, but genneg.classifier.backbone is {c.Genneg.Classifier.Backbone}; set it to {TorchScriptBackbone.BackboneName} to use the file");
        // The formalism knows its samplers and their step limits.
        ModelFactory.CreateSampler(c.Sampler, c.Model);
        if (c.Evaluate.MmdSamples > c.Data.ValidationSize)
            throw ConfigKey.Error("evaluate.mmd_samples", $"({c.Evaluate.MmdSamples}) cannot exceed data.validation_size ({c.Data.ValidationSize})");

        var g = c.Genneg;
        if (g.Classifier.Loss != ClassifierLosses.CrossEntropy && g.TimeIndependent)
            throw ConfigKey.Error("genneg.classifier.loss", $"({g.Classifier.Loss}) needs a time-dependent classifier; set genneg.time_independent: false");
        if (g.Draw == DrawMethods.Sis)
        {
            if (string.IsNullOrWhiteSpace(g.Sis.Proposal)) throw ConfigKey.Error("genneg.sis.proposal", "must name a stage or 'current'");
            // The formalism knows which of its samplers can draw by sequential importance sampling.
            ModelFactory.Formalism(c.Model).CreateImportanceSampler(c.Sampler, g.Sis.Sampler);
            if (g.Ablation == Ablations.Imbalanced)
                throw ConfigKey.Error("genneg.draw", "(sis) draws balanced sets only; the imbalanced ablation needs genneg.draw: standard");
            if (g.Classifier.Loss != ClassifierLosses.CrossEntropy)
                throw ConfigKey.Error("genneg.draw", $"(sis) trains with per-example weights, which genneg.classifier.loss '{g.Classifier.Loss}' does not take; use cross_entropy");
        }
    }
}
