using System.Text.Json.Nodes;
using GenNeg.Data;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Networks;

/// <summary>
/// A raw network F(x, noise label, condition), picked by name (model.backbone) from <see cref="BackboneRegistry"/>.
/// It knows nothing of sigma or of the diffusion: a preconditioning wrapper decides what x and the label are. The same
/// backbone serves the denoiser (output shaped like the sample), the classifiers (one logit per sample or per element)
/// and a distilled student; <see cref="BackboneSpec"/> says which.
/// </summary>
public abstract class Backbone : Module<Tensor, Tensor, Condition, Tensor>
{
    protected Backbone(string name) : base(name)
    {
    }

    /// <summary>
    /// The condition with this network's encoding of it added (e.g. map tokens under a key of its own), for a sampler
    /// batch to compute once and reuse at every step. <c>forward</c> uses a cached encoding when the condition holds one
    /// and computes it otherwise (training). The default: no encoding.
    /// </summary>
    public virtual Condition EncodeCondition(Condition condition) => condition;

    /// <summary>
    /// What an exported model's description says of this network, enough to rebuild it in another framework: its
    /// backbone name and hyperparameters (the weights' names follow from its state_dict). Null: this backbone cannot be
    /// exported (the exporter refuses it).
    /// </summary>
    public virtual JsonObject? ExportDescription() => null;

    /// <summary>Whether the network is a TorchScript module that <see cref="SaveTorchScript"/> writes (GenNeg's own backbones go to PyTorch by genneg export).</summary>
    public virtual bool IsTorchScript => false;

    /// <summary>Writes the network with its current weights as a TorchScript module, which torch.jit.load runs without GenNeg.</summary>
    public virtual void SaveTorchScript(string path) => throw new NotSupportedException($"{GetName()} is not a TorchScript module");

    public long ParameterCount() => parameters().Sum(p => p.numel());
}
