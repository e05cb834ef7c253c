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
    public void Mmd_is_the_unbiased_u_statistic_computed_by_hand()
    {
        // x = {(0, 0), (1, 0)}, y = {(0, 1), (0, 3)}, one kernel of bandwidth 1: the i = j terms are left out.
        double K(double squaredDistance) => Math.Exp(-squaredDistance / 2);
        using var x = tensor(new[] { 0f, 0f, 1f, 0f }).reshape(2, 2);
        using var y = tensor(new[] { 0f, 1f, 0f, 3f }).reshape(2, 2);
        var expected = 2 * K(1) / 2 + 2 * K(4) / 2 - 2 * (K(1) + K(9) + K(2) + K(10)) / 4;
        Assert.Equal(expected, Mmd.Estimate(x, y, [1.0]).Value, 9);
        // Two bandwidths add their kernels.
        double K2(double squaredDistance) => Math.Exp(-squaredDistance / 0.5);
        var second = 2 * K2(1) / 2 + 2 * K2(4) / 2 - 2 * (K2(1) + K2(9) + K2(2) + K2(10)) / 4;
        Assert.Equal(expected + second, Mmd.Estimate(x, y, [1.0, 0.5]).Value, 9);
    }

    [Fact]
    public void Mmd_of_two_samples_of_one_distribution_is_near_zero_and_a_shift_is_not()
    {
        using var generator = new Generator(1);
        using var a = randn([600, 2], generator: generator);
        using var b = randn([600, 2], generator: generator);
        var same = Mmd.Estimate(a, b, Mmd.DefaultBandwidths);
        // The biased V-statistic would sit near sum_h (1/m + 1/n) = 4 * 2 / 600 = 0.013 here.
        Assert.True(Math.Abs(same.Value) < 0.008, $"same distribution: {same.Value}");
        using var shifted = b + 0.3;
        var apart = Mmd.Estimate(a, shifted, Mmd.DefaultBandwidths);
        Assert.True(apart.Value > 0.03 && apart.Value > apart.StandardError && apart.StandardError > 0, $"{apart}");
        Assert.True(same.StandardError > 0 && double.IsNaN(Mmd.Estimate(a, b[..300], Mmd.DefaultBandwidths).StandardError));
        Assert.Throws<GenNegException>(() => Mmd.Estimate(a[..1], b, Mmd.DefaultBandwidths));
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
