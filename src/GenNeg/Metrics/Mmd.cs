using static TorchSharp.torch;

namespace GenNeg.Metrics;

/// <summary>
/// Squared maximum mean discrepancy, the biased V-statistic (Gretton et al. 2012, Eq. 5 with i = j terms kept):
/// MMD^2 = mean k(x, x') + mean k(y, y') - 2 mean k(x, y), with k a sum of Gaussian kernels
/// k(a, b) = sum_h exp(-||a - b||^2 / (2 h^2)). Default bandwidths 0.1, 0.5, 1 and 2 cover the checkerboard's
/// cell edges (0.1) up to the board's scale (2).
/// </summary>
public static class Mmd
{
    public static readonly IReadOnlyList<double> DefaultBandwidths = [0.1, 0.5, 1.0, 2.0];

    public static double Compute(Tensor x, Tensor y, IReadOnlyList<double> bandwidths)
    {
        if (bandwidths.Count == 0) throw new GenNegException("evaluate.mmd_bandwidths needs at least one bandwidth");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = x.to(ScalarType.Float64);
        var b = y.to(ScalarType.Float64);
        var value = MeanKernel(a, a, bandwidths) + MeanKernel(b, b, bandwidths) - 2 * MeanKernel(a, b, bandwidths);
        return value.item<double>();
    }

    private static Tensor MeanKernel(Tensor a, Tensor b, IReadOnlyList<double> bandwidths)
    {
        var squaredDistances = cdist(a, b).square();
        var total = zeros_like(squaredDistances);
        foreach (var h in bandwidths)
            total += (squaredDistances / (-2 * h * h)).exp();
        return total.mean();
    }
}
