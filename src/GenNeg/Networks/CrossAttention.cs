using GenNeg.Configuration;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace GenNeg.Networks;

/// <summary>
/// Multi-head cross-attention from a sample's elements to context tokens (e.g. a map's), pre-norm and residual:
/// out_i = x_i + W_o sum_t softmax_t(q_i . k_t / sqrt(d)) v_t. Equivariant under permutations of the elements.
/// </summary>
public sealed class CrossAttention : Module<Tensor, Tensor, Tensor>
{
    private readonly int heads;
    private readonly LayerNorm norm;
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly Linear output;

    public CrossAttention(int width, int heads) : base(nameof(CrossAttention))
    {
        if (width % heads != 0) throw ConfigKey.Error("model.heads", $"({heads}) must divide model.hidden ({width})");
        this.heads = heads;
        norm = LayerNorm(width);
        query = Linear(width, width);
        key = Linear(width, width);
        value = Linear(width, width);
        output = Linear(width, width);
        RegisterComponents();
    }

    /// <param name="x">elements [B, A, H]</param>
    /// <param name="context">tokens [B, T, H]</param>
    public override Tensor forward(Tensor x, Tensor context)
    {
        using var scope = NewDisposeScope();
        var (keys, values) = KeysAndValues(context);
        return Attend(x, keys, values).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The context's keys and values, each [B, heads, T, d]: they depend on the context only, so a caller whose context
    /// stays fixed over many calls (a map over a sampler's steps) computes them once.
    /// </summary>
    public (Tensor Keys, Tensor Values) KeysAndValues(Tensor context)
    {
        using var scope = NewDisposeScope();
        var keys = AttentionHeads.Split(key.forward(context), heads);
        var values = AttentionHeads.Split(value.forward(context), heads);
        return (keys.MoveToOuterDisposeScope(), values.MoveToOuterDisposeScope());
    }

    /// <summary>The block's output for elements x [B, A, H] attending to precomputed <see cref="KeysAndValues"/>.</summary>
    public Tensor Attend(Tensor x, Tensor keys, Tensor values)
    {
        using var scope = NewDisposeScope();
        var q = AttentionHeads.Split(query.forward(norm.forward(x)), heads);
        var weights = functional.softmax(q.matmul(keys.transpose(-1, -2)) / Math.Sqrt(q.shape[^1]), -1);
        var attended = AttentionHeads.Merge(weights.matmul(values));
        return (x + output.forward(attended)).MoveToOuterDisposeScope();
    }
}
