using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Networks;

/// <summary>
/// Multi-head self-attention across the elements of a sample with relative positional encodings (Shaw et al. 2018;
/// the Gen-neG paper's Eqs. 36-37): for elements i, j with pair embedding P_ij,
///   e_ij = (q_i . k_j + p^Q_ij . k_j + q_i . p^K_ij) / sqrt(d),   alpha_ij = softmax_j(e_ij),
///   out_i = x_i + W_o sum_j alpha_ij (v_j + p^V_ij),
/// with p^Q, p^K, p^V linear maps of P_ij, per head. Pre-norm; equivariant under permutations of the elements (the pair
/// embeddings permuted with them).
/// </summary>
public sealed class RelativeSelfAttention : Module<Tensor, Tensor, Tensor>
{
    private readonly int heads;
    private readonly LayerNorm norm;
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly Linear pairQuery;
    private readonly Linear pairKey;
    private readonly Linear pairValue;
    private readonly Linear output;

    public RelativeSelfAttention(int width, int heads) : base(nameof(RelativeSelfAttention))
    {
        if (width % heads != 0) throw new GenNegException($"config key 'model.heads' ({heads}) must divide model.hidden ({width})");
        this.heads = heads;
        norm = LayerNorm(width);
        query = Linear(width, width);
        key = Linear(width, width);
        value = Linear(width, width);
        pairQuery = Linear(width, width);
        pairKey = Linear(width, width);
        pairValue = Linear(width, width);
        output = Linear(width, width);
        RegisterComponents();
    }

    /// <param name="x">elements [B, A, H]</param>
    /// <param name="pairs">pair embeddings [B, A, A, H] (P_ij for query i and key j)</param>
    public override Tensor forward(Tensor x, Tensor pairs)
    {
        using var scope = NewDisposeScope();
        var h = norm.forward(x);
        var q = AttentionHeads.Split(query.forward(h), heads);   // [B, heads, A, d]
        var k = AttentionHeads.Split(key.forward(h), heads);
        var v = AttentionHeads.Split(value.forward(h), heads);
        var pq = SplitPairHeads(pairQuery.forward(pairs));    // [B, heads, A, A, d]
        var pk = SplitPairHeads(pairKey.forward(pairs));
        var pv = SplitPairHeads(pairValue.forward(pairs));
        var scale = 1.0 / Math.Sqrt(q.shape[^1]);
        var logits = (q.matmul(k.transpose(-1, -2)) + (pq * k.unsqueeze(2)).sum(-1) + (q.unsqueeze(3) * pk).sum(-1)) * scale;
        var weights = functional.softmax(logits, -1);        // [B, heads, A, A]
        var attended = weights.matmul(v) + (weights.unsqueeze(-1) * pv).sum(3);
        return (x + output.forward(AttentionHeads.Merge(attended))).MoveToOuterDisposeScope();
    }

    private Tensor SplitPairHeads(Tensor t) => t.reshape(t.shape[0], t.shape[1], t.shape[2], heads, -1).permute(0, 3, 1, 2, 4);
}
