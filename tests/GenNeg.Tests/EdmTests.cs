using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Formalisms;
using GenNeg.Networks;
using GenNeg.Sampling;
using static TorchSharp.torch;

namespace GenNeg.Tests;

public class EdmTests
{
    [Fact]
    public void Preconditioning_coefficients_match_hand_computed_values()
    {
        // sigma = 0.5, sigma_data = 1: sigma^2 + sd^2 = 1.25.
        var p = new EdmPreconditioning(1.0);
        using var sigma = tensor(new[] { 0.5f });
        Assert.Equal(0.8, p.Skip(sigma).item<float>(), 6);                    // 1 / 1.25
        Assert.Equal(0.5 / Math.Sqrt(1.25), p.Out(sigma).item<float>(), 6);   // 0.4472136
        Assert.Equal(1 / Math.Sqrt(1.25), p.In(sigma).item<float>(), 6);      // 0.8944272
        Assert.Equal(Math.Log(0.5) / 4, EdmPreconditioning.NoiseLabel(sigma).item<float>(), 6);
        Assert.Equal(5.0, p.LossWeight(sigma).item<float>(), 5);              // 1.25 / 0.25
    }

    [Fact]
    public void Preconditioning_honours_sigma_data()
    {
        var p = new EdmPreconditioning(0.5);
        using var sigma = tensor(new[] { 2.0f });
        Assert.Equal(0.25 / 4.25, p.Skip(sigma).item<float>(), 6);
        Assert.Equal(4.25 / 1.0, p.LossWeight(sigma).item<float>(), 5);   // (4 + 0.25) / (2 * 0.5)^2
    }

    [Fact]
    public void Loss_is_the_edm_weight_times_the_squared_error_at_the_drawn_noise_level()
    {
        var noise = new LogUniformNoise(0.002, 80);
        var loss = new DenoisingLoss(new EdmFormalism(new EdmPreconditioning(1.0), noise));
        using var x0 = tensor(new[] { 1f, -2f, 0.5f, 3f }).reshape(2, 2);
        var zero = new ConstantDenoiser();

        using var generator = new Generator(11);
        using var value = loss.Compute(zero, x0, Condition.None, generator);

        using var replay = new Generator(11);
        using var sigma = noise.Sample(2, replay);
        var s = sigma.data<float>().ToArray();
        var expected = new[] { 1.0, 4.0, 0.25, 9.0 }.Select((sq, i) => (s[i / 2] * s[i / 2] + 1.0) / (s[i / 2] * s[i / 2]) * sq).ToArray();
        Assert.Equal(new long[] { 2, 2 }, value.shape);
        var actual = value.data<float>().ToArray();
        for (var i = 0; i < 4; i++) Assert.Equal(expected[i], actual[i], expected[i] * 1e-5);
    }

    [Fact]
    public void Log_uniform_noise_stays_in_range_and_is_uniform_in_log_sigma()
    {
        var noise = new LogUniformNoise(0.002, 80);
        using var generator = new Generator(3);
        using var sigma = noise.Sample(50_000, generator);
        Assert.True(sigma.min().item<float>() >= 0.002f && sigma.max().item<float>() <= 80f);
        var meanLog = sigma.log().mean().item<float>();
        Assert.Equal((Math.Log(0.002) + Math.Log(80)) / 2, meanLog, 0.05);
    }

    [Fact]
    public void Heun_schedule_is_log_linear_from_sigma_max_to_sigma_min_then_zero()
    {
        var levels = new HeunSampler(new HeunSettings(Steps: 5, SigmaMax: 80, SigmaMin: 0.002)).NoiseLevels();
        Assert.Equal(6, levels.Length);
        Assert.Equal(80, levels[0], 9);
        Assert.Equal(0.002, levels[4], 9);
        Assert.Equal(0, levels[5]);
        var ratio = levels[1] / levels[0];
        for (var i = 1; i < 4; i++) Assert.Equal(ratio, levels[i + 1] / levels[i], 9);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(10.0)]
    public void Heun_sampler_with_the_exact_denoiser_of_gaussian_data_recovers_its_variance(double churn)
    {
        const double std = 1.5;
        var sampler = new HeunSampler(new HeunSettings(Steps: 40, Churn: churn));
        using var generator = new Generator(5);
        using var noise = randn([20_000, 2], generator: generator);
        using var samples = sampler.Sample(new GaussianDenoiser(std), noise, Condition.None, generator);
        Assert.Equal(std * std, samples.var().item<float>(), 0.05 * std * std);
        Assert.Equal(0, samples.mean().item<float>(), 0.05);
    }

    [Fact]
    public void Denoiser_starts_at_c_skip_x_and_backbone_has_the_documented_size()
    {
        var network = new ResidualMlp(new MlpShape(2, 2));
        Assert.Equal(494_850, network.ParameterCount());
        using var denoiser = new PreconditionedDenoiser(network, new EdmPreconditioning(1.0));
        using var x = tensor(new[] { 1f, 2f, 3f, 4f }).reshape(2, 2);
        using var sigma = tensor(new[] { 1f, 3f });
        using var output = denoiser.Denoise(x, sigma, Condition.None);
        var expected = new[] { 0.5f, 1f, 0.3f, 0.4f };   // c_skip = 1/2 and 1/10
        Assert.Equal(expected, output.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void Shared_noise_level_gives_the_same_output_as_per_sample_levels()
    {
        using var generator = new Generator(2);
        using var denoiser = RandomDenoiser(generator);
        using var x = randn([8, 2], generator: generator);
        using var shared = denoiser.Denoise(x, tensor(new[] { 0.7f }), Condition.None);
        using var perSample = denoiser.Denoise(x, full([8], 0.7f), Condition.None);
        Assert.True(shared.allclose(perSample, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Sliced_evaluation_gives_the_whole_batch_result_for_shared_and_per_row_noise_levels()
    {
        using var generator = new Generator(3);
        using var denoiser = RandomDenoiser(generator);
        var sliced = new ChunkedDenoiser(denoiser, rows: 4);
        using var x = randn([10, 2], generator: generator);   // slices of 4, 4 and 2 rows
        using var shared = tensor(new[] { 0.7f });
        using var perRow = rand([10], generator: generator) + 0.1;
        using (var whole = denoiser.Denoise(x, shared, Condition.None))
        using (var inSlices = sliced.Denoise(x, shared, Condition.None))
            Assert.True(inSlices.allclose(whole, rtol: 1e-5, atol: 1e-6));
        using (var whole = denoiser.Denoise(x, perRow, Condition.None))
        using (var inSlices = sliced.Denoise(x, perRow, Condition.None))
        {
            Assert.Equal(whole.shape, inSlices.shape);
            Assert.True(inSlices.allclose(whole, rtol: 1e-5, atol: 1e-6));
        }
    }

    /// <summary>A small EDM denoiser with every weight drawn at random (a fresh one starts at D = c_skip x).</summary>
    private static PreconditionedDenoiser RandomDenoiser(Generator generator)
    {
        var network = new ResidualMlp(new MlpShape(2, 2, Hidden: 32));
        foreach (var p in network.parameters()) using (no_grad()) p.normal_(0, 0.2, generator);
        return new PreconditionedDenoiser(network, new EdmPreconditioning(1.0));
    }

    private sealed class ConstantDenoiser : IDenoiser
    {
        public Tensor Denoise(Tensor x, Tensor sigma, Condition condition) => zeros_like(x);
    }
}
