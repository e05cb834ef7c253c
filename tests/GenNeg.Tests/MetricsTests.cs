using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Metrics;
using GenNeg.Domains.Checkerboard;
using GenNeg.Oracles;
using static TorchSharp.torch;

namespace GenNeg.Tests;

public class MetricsTests
{
    [Fact]
    public void Mmd_matches_a_hand_computed_value()
    {
        // x = {0}, y = {1}, one kernel of bandwidth 1: k(0,0) = k(1,1) = 1, k(0,1) = e^-0.5.
        using var x = tensor(new[] { 0f, 0f }).reshape(1, 2);
        using var y = tensor(new[] { 1f, 0f }).reshape(1, 2);
        Assert.Equal(2 - 2 * Math.Exp(-0.5), Mmd.Compute(x, y, [1.0]), 9);
        // Two bandwidths add their kernels: 2 * (2 - 2 e^-0.5) + ... with h = 0.5: e^-2.
        Assert.Equal((2 - 2 * Math.Exp(-0.5)) + (2 - 2 * Math.Exp(-2)), Mmd.Compute(x, y, [1.0, 0.5]), 9);
    }

    [Fact]
    public void Mmd_of_a_set_with_itself_is_zero_and_grows_with_a_shift()
    {
        using var generator = new Generator(1);
        using var a = randn([500, 2], generator: generator);
        Assert.Equal(0, Mmd.Compute(a, a, Mmd.DefaultBandwidths), 9);
        using var shifted = a + 1;
        Assert.True(Mmd.Compute(a, shifted, Mmd.DefaultBandwidths) > 0.1);
    }

    [Fact]
    public void Infraction_rate_counts_oracle_rejections()
    {
        using var points = tensor(new[] { 0.5f, 0.5f, 2.5f, 0.5f, 5f, 5f, -0.5f, -0.5f }).reshape(4, 2);
        Assert.Equal(0.5, InfractionRates.Compute(new CheckerboardOracle(), points, Condition.None).Samples, 9);
    }

    [Fact]
    public void Elbo_of_the_exact_gaussian_denoiser_matches_its_closed_form()
    {
        // For N(0, s^2) data and its exact denoiser the expected diffusion term per dimension is
        // int sigma^-3 s^2 sigma^2 / (s^2 + sigma^2) d sigma = ln(smax/smin) - 1/2 ln((s^2 + smax^2) / (s^2 + smin^2)).
        const double s = 0.8, smin = 0.002, smax = 80;
        const int d = 2;
        var noise = new LogUniformNoise(smin, smax);
        var diffusion = d * (Math.Log(smax / smin) - 0.5 * Math.Log((s * s + smax * smax) / (s * s + smin * smin)));
        var prior = d * s * s / (2 * smax * smax);
        var reconstruction = d / 2.0 * (1 + Math.Log(2 * Math.PI * smin * smin));
        var expected = -(prior + diffusion + reconstruction);

        using var generator = new Generator(9);
        using var data = randn([4000, d], generator: generator) * s;
        var estimate = new VeElbo(noise, drawsPerExample: 32).Estimate(new GaussianDenoiser(s), data, Condition.None, generator);

        Assert.Equal(expected, estimate.Nats, 4 * estimate.StandardError + 0.01);
    }
}
