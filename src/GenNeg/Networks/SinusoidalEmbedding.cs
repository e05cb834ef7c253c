using static TorchSharp.torch;

namespace GenNeg.Networks;

/// <summary>
/// Transformer-style sinusoidal embedding of a scalar noise label (Vaswani et al.; as in DDPM and EDM):
/// [cos(s * label * f_k), sin(s * label * f_k)] with f_k = maxPeriod^(-k / half), k = 0..half-1.
/// </summary>
public static class SinusoidalEmbedding
{
    /// <summary>The longest period of the embedding's frequencies unless a caller gives another.</summary>
    public const double DefaultMaxPeriod = 10_000;

    /// <param name="labels">noise labels, shape [B]</param>
    /// <param name="width">embedding width (even)</param>
    /// <param name="inputScale">stretches the label so its range spans many periods (EDM's c_noise spans about 2.7)</param>
    public static Tensor Embed(Tensor labels, int width, double inputScale, double maxPeriod = DefaultMaxPeriod)
    {
        using var scope = NewDisposeScope();
        var half = width / 2;
        var frequencies = exp(arange(half, dtype: labels.dtype, device: labels.device) * (-Math.Log(maxPeriod) / half));
        var angles = (labels * inputScale).unsqueeze(1) * frequencies.unsqueeze(0);
        return cat([cos(angles), sin(angles)], 1).MoveToOuterDisposeScope();
    }
}
