using static TorchSharp.torch;

namespace GenNeg.Networks;

/// <summary>Splitting a width-H projection into attention heads and merging them back, for every attention block.</summary>
public static class AttentionHeads
{
    /// <summary>[B, N, H] as [B, heads, N, H / heads].</summary>
    public static Tensor Split(Tensor t, int heads) => t.reshape(t.shape[0], t.shape[1], heads, -1).transpose(1, 2);

    /// <summary>[B, heads, N, d] back to [B, N, heads d].</summary>
    public static Tensor Merge(Tensor t) => t.transpose(1, 2).reshape(t.shape[0], t.shape[2], -1);
}
