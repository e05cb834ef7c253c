using GenNeg.Configuration;
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
        if (width % heads != 0) throw ConfigKey.Error("model.heads", $"({heads}) must divide model.hidden ({width})");
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
    /// <remarks>
    /// The pair terms are computed without projecting every pair (which costs B A^2 H^2 per block): with
    /// p^K_ij = W_K P_ij + b_K per head, q_i . p^K_ij = (W_K^T q_i) . P_ij + q_i . b_K, likewise for p^Q with k_j, and
    /// sum_j alpha_ij p^V_ij = W_V (sum_j alpha_ij P_ij) + b_V since the weights sum to one. Same formula, B A^2 H heads.
    /// </remarks>
    public override Tensor forward(Tensor x, Tensor pairs) => Attend(x, pairs, null);

    /// <summary><see cref="forward"/> with padding: no element attends to a key whose <paramref name="keyMask"/> [B, A] is false.</summary>
    /// <remarks>Each sample needs at least one real element; a padded query still attends to the real ones (its output is ignored downstream).</remarks>
    public Tensor Attend(Tensor x, Tensor pairs, Tensor? keyMask)
    {
        using var scope = NewDisposeScope();
        var h = norm.forward(x);
        var q = AttentionHeads.Split(query.forward(h), heads);   // [B, heads, A, d]
        var k = AttentionHeads.Split(key.forward(h), heads);
        var v = AttentionHeads.Split(value.forward(h), heads);
        var scale = 1.0 / Math.Sqrt(q.shape[^1]);

        // p^Q_ij . k_j: for each key j, P[:, :, j] [A_i, H] times (W_Q^T k_j) [H, heads].
        var (pairQueryWeight, pairQueryBias) = PerHead(pairQuery);
        var keysBack = k.matmul(pairQueryWeight);                                                    // [B, heads, A_j, H]
        var pairQueryTerm = pairs.transpose(1, 2).matmul(keysBack.permute(0, 2, 3, 1))               // [B, A_j, A_i, heads]
            .permute(0, 3, 2, 1) + (k * pairQueryBias).sum(-1).unsqueeze(2);                         // [B, heads, A_i, A_j]
        // q_i . p^K_ij: for each query i, P[:, i] [A_j, H] times (W_K^T q_i) [H, heads].
        var (pairKeyWeight, pairKeyBias) = PerHead(pairKey);
        var queriesBack = q.matmul(pairKeyWeight);                                                   // [B, heads, A_i, H]
        var pairKeyTerm = pairs.matmul(queriesBack.permute(0, 2, 3, 1))                               // [B, A_i, A_j, heads]
            .permute(0, 3, 1, 2) + (q * pairKeyBias).sum(-1).unsqueeze(3);

        var logits = (q.matmul(k.transpose(-1, -2)) + pairQueryTerm + pairKeyTerm) * scale;
        if (keyMask is not null)
            logits = logits.masked_fill(keyMask.to(ScalarType.Bool).to(logits.device).logical_not().reshape(keyMask.shape[0], 1, 1, keyMask.shape[1]), double.NegativeInfinity);
        var weights = functional.softmax(logits, -1);                                               // [B, heads, A_i, A_j]
        // sum_j alpha_ij p^V_ij = W_V (sum_j alpha_ij P_ij) + b_V, per head.
        var (pairValueWeight, pairValueBias) = PerHead(pairValue);
        var pooledPairs = weights.transpose(1, 2).matmul(pairs).transpose(1, 2);                    // [B, heads, A_i, H]
        var pairValues = pooledPairs.matmul(pairValueWeight.transpose(-1, -2)) + pairValueBias;     // [B, heads, A_i, d]
        var attended = weights.matmul(v) + pairValues;
        return (x + output.forward(AttentionHeads.Merge(attended))).MoveToOuterDisposeScope();
    }

    /// <summary>A pair projection's weight as [heads, d, H] and bias as [heads, 1, d], one slice per head.</summary>
    private (Tensor Weight, Tensor Bias) PerHead(Linear projection)
    {
        var weight = projection.weight!;
        var perHead = weight.shape[0] / heads;
        return (weight.reshape(heads, perHead, weight.shape[1]), projection.bias!.reshape(heads, 1, perHead));
    }
}
