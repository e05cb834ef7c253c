using System.Text.Json;
using System.Text.Json.Nodes;
using GenNeg.Configuration;
using GenNeg.Diffusion;
using GenNeg.Formalisms;
using GenNeg.Guidance;
using GenNeg.Networks;
using GenNeg.Runs;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging;
using TorchSharp.PyBridge;
using static TorchSharp.torch.nn;

namespace GenNeg.Interop;

/// <param name="RunPath">the run folder</param>
/// <param name="Stage">stage to export; null for the newest</param>
/// <param name="OutputFolder">folder to write the weights and the description into (created when missing)</param>
public sealed record ExportRequest(string RunPath, string? Stage, string OutputFolder);

/// <param name="Stage">the stage exported</param>
/// <param name="Files">the files written, description last</param>
public sealed record ExportSummary(string Stage, IReadOnlyList<string> Files);

/// <summary>
/// Writes a stage for other frameworks: each network's weights as safetensors (tensor names are the module's
/// state_dict keys, as in GenNeg's own checkpoints, e.g. network.blocks.0.first.weight) and model.json, which says how
/// to rebuild and use them: each backbone's hyperparameters, the formalism and its preconditioning, and for a stacked
/// stage the classifiers with their alphas and the guidance scale. samples/PyTorchExport reads it back in PyTorch.
/// </summary>
public sealed class ModelExport
{
    public const string DescriptionFile = "model.json";
    public const string DenoiserFile = "denoiser.safetensors";
    public const int FormatVersion = 1;

    private readonly ILogger<ModelExport> logger;
    private readonly Registries registries;

    public ModelExport(ILogger<ModelExport> logger, Registries registries)
    {
        this.logger = logger;
        this.registries = registries;
    }

    public static string ClassifierFile(int index) => $"classifier-{index}.safetensors";

    public ExportSummary Run(ExportRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.OutputFolder)) throw new GenNegException("--out must name a folder, got an empty path");
        if (File.Exists(request.OutputFolder)) throw new GenNegException($"--out '{request.OutputFolder}' is a file; give a folder to write the model into");
        var run = RunFolder.Open(request.RunPath);
        var record = run.Stage(request.Stage);
        // Exported weights are plain CPU tensors whatever device the run trained on.
        var config = run.ConfigOf(record, registries.ConfigSchema) with { Device = "cpu" };
        using var experiment = Experiment.Open(config, registries);
        LoadedStage.Check(run, experiment, record);

        var models = experiment.Models;
        var networks = new List<(Module Module, string File, JsonObject Entry)>();
        try
        {
            // Each network is described before its weights are read, so a backbone the exporter cannot describe is refused first.
            var denoiser = models.CreateDenoiser(config.Seed);
            networks.Add((denoiser, DenoiserFile, NetworkEntry(record, config.Model.Backbone, "denoiser", DenoiserFile, denoiser.Network)));
            ModelFiles.Load(denoiser, run.VerifiedModelPath(record.Denoiser));
            foreach (var (entry, index) in record.Classifiers.Select((c, i) => (c, i + 1)))
            {
                var classifier = models.CreateClassifier(entry.Seed, entry.Head);
                networks.Add((classifier, ClassifierFile(index), new JsonObject()));
                var description = NetworkEntry(record, config.Model.Backbone, "classifier", ClassifierFile(index), classifier.Network);
                ModelFiles.Load(classifier, run.VerifiedModelPath(entry.Weights));
                description["head"] = entry.Head;
                description["alpha"] = entry.Alpha;
                description["time_independent"] = entry.TimeIndependent;
                networks[^1] = (classifier, ClassifierFile(index), description);
            }

            var document = new JsonObject
            {
                ["format"] = "genneg-export",
                ["version"] = FormatVersion,
                ["stage"] = record.Name,
                ["data"] = DataEntry(experiment),
                ["formalism"] = FormalismEntry(config.Model, models.Formalism),
                ["sampler"] = SamplerEntry(config.Sampler),
                ["guidance"] = record.Classifiers.Count == 0 ? null : new JsonObject
                {
                    ["scale"] = record.GuidanceScale,
                    ["max_sigma"] = record.GuidanceMaxSigma,
                    ["rule"] = "D'(x; sigma) = D(x; sigma) + scale sigma^2 grad_x sum_k sum(log sigmoid(C_k(x; sigma))), where sigma <= max_sigma",
                },
                ["networks"] = new JsonArray([.. networks.Select(n => (JsonNode)n.Entry)]),
            };

            var folder = Path.GetFullPath(request.OutputFolder);
            Directory.CreateDirectory(folder);
            var written = new List<string>();
            foreach (var (module, file, _) in networks)
            {
                var path = Path.Combine(folder, file);
                WriteSafetensors(module, path);
                written.Add(path);
            }
            // The description last: its presence says the weights beside it are complete.
            var descriptionPath = Path.Combine(folder, DescriptionFile);
            AtomicFile.WriteAllText(descriptionPath, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            written.Add(descriptionPath);
            logger.LogInformation("Exported stage {Stage} ({Networks} networks) to {Folder}", record.Name, networks.Count, folder);
            return new ExportSummary(record.Name, written);
        }
        finally
        {
            foreach (var (module, _, _) in networks) module.Dispose();
        }
    }

    /// <summary>A module's weights as a safetensors file, named by its state_dict keys, written atomically.</summary>
    public static void WriteSafetensors(Module module, string path) =>
        AtomicFile.Write(path, stream => module.save_safetensors(stream, leaveOpen: true));

    private static JsonObject NetworkEntry(StageRecord record, string backboneName, string role, string file, Backbone backbone)
    {
        var description = backbone.ExportDescription() ?? throw new GenNegException(
            $"stage '{record.Name}' cannot be exported: its backbone '{backboneName}' has no export description; only backbones that describe themselves (e.g. mlp) can be exported");
        return new JsonObject
        {
            ["role"] = role,
            ["file"] = file,
            ["parameters"] = backbone.ParameterCount(),
            ["backbone"] = description,
        };
    }

    private static JsonObject DataEntry(Experiment experiment)
    {
        var data = experiment.Data;
        return new JsonObject
        {
            ["name"] = experiment.Config.Data.Name,
            ["sample_shape"] = new JsonArray([.. data.SampleShape.Select(d => JsonValue.Create(d))]),
            ["conditions"] = new JsonArray([.. data.TrainCondition.Entries.Select(e => JsonValue.Create($"{e.Key} [{string.Join(", ", e.Value.shape[1..])}]"))]),
            ["element_shape"] = new JsonArray([.. data.ElementShape.Select(d => JsonValue.Create(d))]),
            // Samples go in and out in the data set's own units; a data set that scales its features keeps that scaling in its world, which is not exported.
            ["feature_scaling"] = null,
            ["world"] = data.World?.GetType().Name,
        };
    }

    private static JsonObject FormalismEntry(ModelConfig model, IDiffusionFormalism formalism) => formalism switch
    {
        EdmFormalism edm => new JsonObject
        {
            ["name"] = EdmFormalism.Name,
            ["sigma_data"] = model.SigmaData,
            ["sigma_min"] = edm.Noise.SigmaMin,
            ["sigma_max"] = edm.Noise.SigmaMax,
            ["clean_sigma"] = edm.CleanSigma,
            ["preconditioning"] = "D(x; sigma) = c_skip x + c_out F(c_in x; c_noise), c_skip = sigma_data^2 / (sigma^2 + sigma_data^2), " +
                "c_out = sigma sigma_data / sqrt(sigma^2 + sigma_data^2), c_in = 1 / sqrt(sigma^2 + sigma_data^2), c_noise = ln(sigma) / 4",
        },
        DdpmFormalism ddpm => new JsonObject
        {
            ["name"] = DdpmFormalism.Name,
            ["schedule"] = ddpm.Schedule.Kind,
            ["timesteps"] = ddpm.Schedule.Timesteps,
            ["beta_start"] = model.BetaStart,
            ["beta_end"] = model.BetaEnd,
            ["prediction"] = model.Prediction,
            ["clean_sigma"] = ddpm.CleanSigma,
            ["preconditioning"] = (model.Prediction == DdpmFormalism.SamplePrediction
                ? "D(x; sigma) = F(c_in x; c_noise) (c_skip = 0, c_out = 1)"
                : "D(x; sigma) = x - sigma F(c_in x; c_noise) (c_skip = 1, c_out = -sigma)") +
                ", x = x_t / sqrt(abar_t), sigma_t = sqrt((1 - abar_t) / abar_t), c_in = 1 / sqrt(1 + sigma^2), " +
                "c_noise = t(sigma) / T with t(sigma) linear in ln(sigma) between the schedule's levels",
        },
        _ => throw new GenNegException($"the exporter does not describe the {model.Formalism} formalism"),
    };

    private static JsonObject SamplerEntry(SamplerConfig sampler) => new()
    {
        ["name"] = sampler.Name,
        ["steps"] = sampler.Steps,
        ["churn"] = sampler.Churn,
        ["eta"] = sampler.Eta,
        ["spacing"] = sampler.Spacing,
    };
}
