using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>Per-sample values (a noise level, a loss weight) against samples of any rank.</summary>
public static class PerSample
{
    /// <summary>
    /// <paramref name="values"/> [B] (or [1] when the batch shares one value) as [B, 1, ..., 1], so that it broadcasts
    /// against <paramref name="samples"/> [B, *S] whatever the rank of S.
    /// </summary>
    public static Tensor Broadcast(Tensor values, Tensor samples)
    {
        var shape = new long[Math.Max(1, samples.ndim)];
        Array.Fill(shape, 1L);
        shape[0] = values.shape[0];
        return values.reshape(shape);
    }
}
