using System.Runtime.InteropServices;
using GenNeg.Configuration;
using GenNeg.Data;
using static TorchSharp.torch;

namespace GenNeg.Networks;

/// <summary>
/// A network made in PyTorch: a TorchScript module (torch.jit.trace or torch.jit.script, saved with torch.jit.save)
/// F(x, c_noise) from x [B, *S] and the noise label [B] to [B, *S], used as the raw network inside GenNeg's
/// preconditioning. Its weights start as saved in the file (model.torchscript) and train like any backbone's; the
/// run's checkpoints hold them under the module's own parameter names with '_' for '.'. It serves as a denoiser of
/// unconditional samples on the CPU only: classifiers need one logit per sample, which the file's network does not give.
/// </summary>
public sealed class TorchScriptBackbone : Backbone
{
    public const string BackboneName = "torchscript";

    // Not a submodule (and held in a box, since TorchSharp registers Module-typed fields by reflection): TorchSharp 0.107
    // disposes a ScriptModule submodule and then lists its children (ObjectDisposedException). Its parameters are
    // registered here instead; they alias the script's own tensors, so training, checkpoints and loading act on the
    // weights the script computes with.
    private readonly ScriptBox script;

    private sealed record ScriptBox(jit.ScriptModule<Tensor, Tensor, Tensor> Module);

    public TorchScriptBackbone(BackboneSpec spec) : base(nameof(TorchScriptBackbone))
    {
        var path = spec.Model.Torchscript;
        if (string.IsNullOrWhiteSpace(path))
            throw ConfigKey.Error("model.torchscript", "must name a TorchScript file (torch.jit.save) when model.backbone is torchscript");
        if (spec.Output != BackboneOutput.Sample)
            throw new GenNegException($"model.backbone {BackboneName} gives a denoiser only; classifiers and other heads need a backbone built by GenNeg (e.g. mlp)");
        if (spec.Conditions.Count > 0)
            throw new GenNegException($"model.backbone {BackboneName} takes (x, noise label) only; the data have conditions ({string.Join(", ", spec.Conditions.Select(c => c.Name))})");
        if (!File.Exists(path)) throw ConfigKey.Error("model.torchscript", $": file '{path}' does not exist");
        try
        {
            script = new ScriptBox(jit.load<Tensor, Tensor, Tensor>(path));
        }
        catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException)
        {
            throw ConfigKey.Error("model.torchscript", $": cannot load '{path}' as TorchScript: {e.Message.Split('\n')[0]}");
        }
        foreach (var (name, parameter) in script.Module.named_parameters()) register_parameter(name.Replace('.', '_'), parameter);
        foreach (var (name, buffer) in script.Module.named_buffers()) register_buffer(name.Replace('.', '_'), buffer);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) script.Module.Dispose();
        base.Dispose(disposing);
    }

    /// <param name="input">network input [B, *S]</param>
    /// <param name="noiseLabel">[B], or [1] for the whole batch (expanded, since a traced module may not broadcast)</param>
    public override Tensor forward(Tensor input, Tensor noiseLabel, Condition condition)
    {
        if (input.device.type != TorchSharp.DeviceType.CPU)
            throw new GenNegException($"model.backbone {BackboneName} runs on the CPU only; set device: cpu");
        using var scope = NewDisposeScope();
        var labels = noiseLabel.numel() == 1 && input.shape[0] != 1 ? noiseLabel.reshape(1).expand(input.shape[0]).contiguous() : noiseLabel;
        return script.Module.forward(input, labels).MoveToOuterDisposeScope();
    }
}
