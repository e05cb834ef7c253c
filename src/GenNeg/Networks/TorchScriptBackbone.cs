using System.Runtime.InteropServices;
using GenNeg.Configuration;
using GenNeg.Data;
using static TorchSharp.torch;

namespace GenNeg.Networks;

/// <summary>
/// A network made in PyTorch: a TorchScript module (torch.jit.trace or torch.jit.script, saved with torch.jit.save)
/// from x [B, *S] and a noise label [B] to [B, *S] (a denoiser, model.torchscript) or to one logit per sample [B] or per
/// element [B, *E] (a classifier's raw network, genneg.classifier.torchscript). model.torchscript_contract says which
/// denoiser it is, and so what the formalism feeds it (the raw F(c_in x, c_noise) inside GenNeg's preconditioning, a
/// DDPM eps(x_t, t) or an EDM D(x, sigma)); this class only passes the inputs on, with the step index as int64 when the
/// contract asks. Its weights start as saved in the file and train like any backbone's; the run's checkpoints hold them under
/// the module's own parameter names with '_' for '.'. It serves unconditional samples on the CPU only. The file is
/// checked when loaded: one line naming it and its key says what is wrong.
/// </summary>
public sealed class TorchScriptBackbone : Backbone
{
    public const string BackboneName = "torchscript";

    // Not a submodule (and held in a box, since TorchSharp registers Module-typed fields by reflection): TorchSharp 0.107
    // disposes a ScriptModule submodule and then lists its children (ObjectDisposedException). Its parameters are
    // registered here instead; they alias the script's own tensors, so training, checkpoints and loading act on the
    // weights the script computes with.
    private readonly ScriptBox script;
    private readonly bool integerLabels;
    private readonly ModelConfig model;
    // The config key that named the file: the denoiser's or the classifiers'.
    private readonly string fileKey;
    // The module's own state_dict names by the names registered here ('_' for '.', which TorchSharp's names cannot hold).
    private readonly Dictionary<string, string> ownNames = new(StringComparer.Ordinal);

    private sealed record ScriptBox(jit.ScriptModule<Tensor, Tensor, Tensor> Module);

    public TorchScriptBackbone(BackboneSpec spec) : base(nameof(TorchScriptBackbone))
    {
        var path = spec.Model.Torchscript;
        fileKey = spec.Output == BackboneOutput.Sample ? "model.torchscript" : "genneg.classifier.torchscript";
        if (string.IsNullOrWhiteSpace(path))
            throw ConfigKey.Error(fileKey, $"must name a TorchScript file (torch.jit.save) when {(spec.Output == BackboneOutput.Sample ? "model" : "genneg.classifier")}.backbone is {BackboneName}");
        if (spec.Conditions.Count > 0)
            throw new GenNegException($"backbone {BackboneName} ({fileKey}) takes (x, noise label) only; the data have conditions ({string.Join(", ", spec.Conditions.Select(c => c.Name))})");
        if (!File.Exists(path)) throw ConfigKey.Error(fileKey, $": file '{path}' does not exist");
        // The contract's name is the formalisms' (a layer above); only the dtype of the label matters here.
        integerLabels = spec.Output == BackboneOutput.Sample && spec.Model.TorchscriptContract == "ddpm_epsilon" && spec.Model.TorchscriptTimestep == "int64";
        try
        {
            // Loaded onto the CPU: a module saved from CUDA tensors gets its weights moved, and one whose code names
            // CUDA fails the check below with a line that says so.
            script = new ScriptBox(jit.load<Tensor, Tensor, Tensor>(path, TorchSharp.DeviceType.CPU));
        }
        catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException)
        {
            throw Unusable(path, IsCuda(e) ? "it was saved for CUDA, which this machine lacks; trace and save it on the CPU (module.cpu() before torch.jit.trace)"
                : $"cannot load it as TorchScript (torch.jit.save): {Reason(e)}");
        }
        try
        {
            CheckSignature(path, spec);
        }
        catch
        {
            script.Module.Dispose();
            throw;
        }
        model = spec.Model;
        foreach (var (name, parameter) in script.Module.named_parameters())
        {
            register_parameter(name.Replace('.', '_'), parameter);
            ownNames[name.Replace('.', '_')] = name;
        }
        foreach (var (name, buffer) in script.Module.named_buffers())
        {
            register_buffer(name.Replace('.', '_'), buffer);
            ownNames[name.Replace('.', '_')] = name;
        }
    }

    /// <summary>
    /// What the exported weights are: the file's network (by file name and contract) with its tensors renamed back to
    /// the module's own state_dict names, so PyTorch code that built the module loads them with load_state_dict.
    /// </summary>
    public override System.Text.Json.Nodes.JsonObject ExportDescription() => new()
    {
        ["name"] = BackboneName,
        ["file"] = Path.GetFileName(model.Torchscript),
        ["contract"] = model.TorchscriptContract,
        ["timestep"] = model.TorchscriptContract == "ddpm_epsilon" ? model.TorchscriptTimestep : null,
        ["state_dict_names"] = new System.Text.Json.Nodes.JsonObject(ownNames.OrderBy(n => n.Key, StringComparer.Ordinal)
            .Select(n => KeyValuePair.Create(n.Key, (System.Text.Json.Nodes.JsonNode?)n.Value))),
    };

    /// <summary>One forward on a batch of two before anything trains, so a file that cannot serve fails at once, naming itself.</summary>
    private void CheckSignature(string path, BackboneSpec spec)
    {
        long[] inputShape = [2, .. spec.SampleShape];
        long[] outputShape = [2, .. spec.OutputShape];
        var labelType = integerLabels ? ScalarType.Int64 : ScalarType.Float32;
        var described = $"x {Shape(inputShape)} float32 and a noise label [2] {(integerLabels ? "int64" : "float32")}";
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var wasTraining = script.Module.training;
        script.Module.eval();
        Tensor output;
        try
        {
            output = script.Module.forward(zeros(inputShape), ones(2, dtype: labelType));
        }
        catch (Exception e) when (e is not GenNegException)
        {
            throw Unusable(path, IsCuda(e) ? "its code runs on CUDA, which this machine lacks; trace and save it on the CPU (module.cpu() before torch.jit.trace)"
                : $"its forward does not take ({described}): {Reason(e)}");
        }
        finally
        {
            script.Module.train(wasTraining);
        }
        if (!output.shape.SequenceEqual(outputShape))
        {
            var meaning = spec.Output == BackboneOutput.Sample ? "shaped like x" : spec.OutputShape.Length == 0 ? "one logit per sample" : "one logit per element";
            throw Unusable(path, $"its forward returns {Shape(output.shape)} for {described}; expected {Shape(outputShape)}, {meaning}");
        }
    }

    private GenNegException Unusable(string path, string problem) => ConfigKey.Error(fileKey, $": '{path}': {problem}");

    private static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private static bool IsCuda(Exception e) => e.Message.Contains("CUDA", StringComparison.Ordinal);

    /// <summary>
    /// The line of a libtorch message that says what went wrong: TorchScript puts its traceback first and the error
    /// (RuntimeError: ...) last.
    /// </summary>
    private static string Reason(Exception e)
    {
        // What follows "Exception raised from" is libtorch's C++ stack.
        var lines = e.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .TakeWhile(l => !l.StartsWith("Exception raised from", StringComparison.Ordinal) && !l.StartsWith("frame #", StringComparison.Ordinal)).ToList();
        return lines.LastOrDefault(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^[A-Za-z.]*Error: ")) ?? lines.FirstOrDefault() ?? e.GetType().Name;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) script.Module.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>The module with its current weights, in inference mode, as torch.jit.load reads it.</summary>
    public override void SaveTorchScript(string path)
    {
        script.Module.eval();
        jit.save(script.Module, path);
    }

    public override bool IsTorchScript => true;

    /// <param name="input">network input [B, *S]</param>
    /// <param name="noiseLabel">[B], or [1] for the whole batch (expanded, since a traced module may not broadcast)</param>
    public override Tensor forward(Tensor input, Tensor noiseLabel, Condition condition)
    {
        if (input.device.type != TorchSharp.DeviceType.CPU)
            throw new GenNegException($"model.backbone {BackboneName} runs on the CPU only; set device: cpu");
        using var scope = NewDisposeScope();
        var labels = noiseLabel.numel() == 1 && input.shape[0] != 1 ? noiseLabel.reshape(1).expand(input.shape[0]).contiguous() : noiseLabel;
        if (integerLabels && labels.is_floating_point()) labels = labels.round().to(ScalarType.Int64);
        return script.Module.forward(input, labels).MoveToOuterDisposeScope();
    }
}
