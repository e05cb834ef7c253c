using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Formalisms;
using GenNeg.Guidance;
using GenNeg.Oracles;
using GenNeg.Sampling;
using static TorchSharp.torch;

namespace GenNeg.Tests;

/// <summary>The exact denoiser of Gaussian data N(mu, s^2 I): D(x; sigma) = mu + s^2 / (s^2 + sigma^2) (x - mu).</summary>
internal sealed class ShiftedGaussianDenoiser(double[] mean, double dataStd) : IDenoiser
{
    public Tensor Denoise(Tensor x, Tensor sigma, Condition condition)
    {
        using var scope = NewDisposeScope();
        var variance = dataStd * dataStd;
        var mu = tensor(mean.Select(m => (float)m).ToArray(), device: x.device);
        return (mu + PerSample.Broadcast(variance / (sigma.square() + variance), x) * (x - mu)).MoveToOuterDisposeScope();
    }
}

/// <summary>Valid where the first coordinate lies below a threshold.</summary>
internal sealed class ThresholdOracle(double threshold) : IOracle
{
    public string Name => "threshold";

    public Tensor IsValid(Tensor samples) => samples[.., 0] < threshold;
}

public class ImportanceSamplingTests
{
    private static EulerMaruyamaSampler EulerMaruyama(int steps) => new(steps, sigmaMax: 8, sigmaMin: 0.01);

    private static AncestralSampler Ancestral(int steps) => new(DdpmSchedule.Linear(200), steps);

    [Fact]
    public void Log_weight_increment_is_the_difference_of_the_two_Gaussian_log_densities()
    {
        using var generator = new Generator(11);
        var x = randn([6, 3], generator: generator);
        var target = randn([6, 3], generator: generator);
        var proposal = randn([6, 3], generator: generator);
        const double std = 0.7;
        var increment = SequentialImportanceSampling.LogWeightIncrement(x, target, proposal, std).data<double>().ToArray();

        static double LogDensity(float[] x, float[] mean, double std) =>
            x.Zip(mean).Sum(p => -0.5 * Math.Pow(((double)p.First - p.Second) / std, 2) - Math.Log(std) - 0.5 * Math.Log(2 * Math.PI));
        for (var i = 0; i < 6; i++)
        {
            var row = x[i].data<float>().ToArray();
            var expected = LogDensity(row, target[i].data<float>().ToArray(), std) - LogDensity(row, proposal[i].data<float>().ToArray(), std);
            Assert.Equal(expected, increment[i], 1e-9);
        }
    }

    public static TheoryData<string> Samplers => new() { "euler_maruyama", "heun", "ancestral" };

    private static IGaussianStepSampler SamplerNamed(string name) => name switch
    {
        "ancestral" => Ancestral(50),
        "heun" => new HeunSampler(new HeunSettings(Steps: 30, SigmaMax: 8, SigmaMin: 0.01, Churn: 10)),
        _ => EulerMaruyama(30),
    };

    [Theory]
    [MemberData(nameof(Samplers))]
    public void Every_weight_is_exactly_one_when_the_proposal_is_the_target(string samplerName)
    {
        var sampler = SamplerNamed(samplerName);
        // Two instances of one model (not the same object), so the proposal's steps are computed, not reused.
        var target = new ShiftedGaussianDenoiser([0.5, -1], 0.4);
        var proposal = new ShiftedGaussianDenoiser([0.5, -1], 0.4);
        using var generator = new Generator(3);
        var noise = randn([500, 2], generator: generator);
        var (_, logWeights) = SequentialImportanceSampling.Sample(sampler, target, proposal, noise, Condition.None, Condition.None, generator);
        Assert.All(logWeights.data<double>().ToArray(), w => Assert.Equal(0.0, w));
        Assert.Equal(500.0, SequentialImportanceSampling.EffectiveSampleSize(logWeights), 9);
    }

    /// <summary>
    /// The target's sampler output in closed form: with an affine denoiser every step's mean is a x + b per coordinate,
    /// so mean and variance run down the chain exactly (read a and b off the sampler at x = 0 and x = 1).
    /// </summary>
    private static (double[] Mean, double[] Variance) ChainMoments(IGaussianStepSampler sampler, IDenoiser denoiser, int dimension)
    {
        using var scope = NewDisposeScope();
        var start = sampler.Start(ones([1, dimension])).data<float>()[0];
        var mean = new double[dimension];
        var variance = Enumerable.Repeat((double)start * start, dimension).ToArray();
        for (var i = 0; i < sampler.Transitions; i++)
        {
            var atZero = sampler.Step(denoiser, zeros([1, dimension]), Condition.None, i);
            var atOne = sampler.Step(denoiser, ones([1, dimension]), Condition.None, i);
            for (var d = 0; d < dimension; d++)
            {
                double b = atZero.Mean[0, d].item<float>(), a = atOne.Mean[0, d].item<float>() - b;
                mean[d] = a * mean[d] + b;
                variance[d] = a * a * variance[d] + atZero.Std * atZero.Std;
            }
        }
        return (mean, variance);
    }

    [Theory]
    [MemberData(nameof(Samplers))]
    public void Weighted_moments_under_the_proposal_match_the_targets_closed_form(string samplerName)
    {
        var sampler = SamplerNamed(samplerName);
        var target = new ShiftedGaussianDenoiser([0.8, -0.4], 0.35);
        var proposal = new ShiftedGaussianDenoiser([0.5, -0.1], 0.5);
        using var generator = new Generator(5);
        const int count = 40_000;
        var noise = randn([count, 2], generator: generator);
        var (samples, logWeights) = SequentialImportanceSampling.Sample(sampler, target, proposal, noise, Condition.None, Condition.None, generator);

        var ess = SequentialImportanceSampling.EffectiveSampleSize(logWeights);
        Assert.Equal([count, 2], samples.shape);
        Assert.InRange(ess, 500, count);
        var w = nn.functional.softmax(logWeights, 0).unsqueeze(1);
        var x = samples.to(ScalarType.Float64);
        var weightedMean = (w * x).sum(dim: 0);
        var weightedVariance = (w * (x - weightedMean).square()).sum(dim: 0);
        var (mean, variance) = ChainMoments(sampler, target, 2);
        var (proposalMean, _) = ChainMoments(sampler, proposal, 2);
        for (var d = 0; d < 2; d++)
        {
            // Monte Carlo error of a self-normalised estimate: about sd / sqrt(ESS) for the mean, var sqrt(2 / ESS) for the variance.
            Assert.Equal(mean[d], weightedMean[d].item<double>(), 4 * Math.Sqrt(variance[d] / ess));
            Assert.Equal(variance[d], weightedVariance[d].item<double>(), 5 * variance[d] * Math.Sqrt(2 / ess));
            // The unweighted draws are the proposal's, measurably elsewhere: the weights do the work.
            Assert.True(Math.Abs(x[.., d].mean().item<double>() - proposalMean[d]) < 0.02);
            Assert.True(Math.Abs(proposalMean[d] - mean[d]) > 0.25);
        }
    }

    [Fact]
    public void Euler_maruyama_samples_exact_gaussian_data_with_its_variance_and_is_registered_for_edm()
    {
        // A first-order method: on exact Gaussian data N(0, 0.5^2) its output variance is off by O(step), halving with twice the steps.
        var sampler = new EulerMaruyamaSampler(200, 80, 0.002);
        var (_, variance) = ChainMoments(sampler, new GaussianDenoiser(0.5), 1);
        var (_, finer) = ChainMoments(new EulerMaruyamaSampler(400, 80, 0.002), new GaussianDenoiser(0.5), 1);
        Assert.Equal(0.25, variance[0], 0.02);
        Assert.InRange(Math.Abs(finer[0] - 0.25) / Math.Abs(variance[0] - 0.25), 0.4, 0.6);
        using var generator = new Generator(2);
        var samples = sampler.Sample(new GaussianDenoiser(0.5), randn([20_000, 1], generator: generator), Condition.None, generator);
        Assert.Equal(Math.Sqrt(variance[0]), samples.std().item<float>(), 0.01);
        Assert.Equal(200, sampler.Evaluations);

        var edm = new ModelConfig();
        Assert.IsType<EulerMaruyamaSampler>(ModelFactory.CreateSampler(new SamplerConfig { Name = "euler_maruyama", Steps = 10 }, edm));
        Assert.IsType<EulerMaruyamaSampler>(ModelFactory.Formalism(edm).CreateImportanceSampler(new SamplerConfig { Name = "heun", Steps = 10 }));
        var ddpm = new ModelConfig { Formalism = "ddpm" };
        Assert.IsType<AncestralSampler>(ModelFactory.Formalism(ddpm).CreateImportanceSampler(new SamplerConfig { Name = "ddim", Steps = 10 }));
        var refused = Assert.Throws<GenNegException>(() => ModelFactory.CreateSampler(new SamplerConfig { Name = "euler_maruyama" }, ddpm));
        Assert.Contains("sampler.name", refused.Message);
    }

    [Fact]
    public void Heun_read_as_a_chain_of_churned_points_walks_algorithm_2_and_draws_for_importance_sampling()
    {
        // Karras et al. 2022, Algorithm 2, written out: churn, Euler step, trapezoidal correction (none into sigma = 0).
        var settings = new HeunSettings(Steps: 12, SigmaMax: 8, SigmaMin: 0.01, Churn: 10);
        var denoiser = new ShiftedGaussianDenoiser([0.4, -0.2], 0.6);
        var levels = new HeunSampler(settings).NoiseLevels();
        var gamma = Math.Min(settings.Churn / settings.Steps, Math.Sqrt(2) - 1);
        using var generator = new Generator(9);
        var noise = randn([300, 2], generator: generator);
        var x = noise * levels[0];
        for (var i = 0; i < settings.Steps; i++)
        {
            var raised = levels[i] * (1 + gamma);
            var xHat = x + Math.Sqrt(raised * raised - levels[i] * levels[i]) * randn(x.shape, generator: generator);
            var d = (xHat - denoiser.Denoise(xHat, tensor(new[] { (float)raised }), Condition.None)) / raised;
            x = xHat + (levels[i + 1] - raised) * d;
            if (levels[i + 1] == 0) continue;
            var dNext = (x - denoiser.Denoise(x, tensor(new[] { (float)levels[i + 1] }), Condition.None)) / levels[i + 1];
            x = xHat + (levels[i + 1] - raised) * (0.5 * d + 0.5 * dNext);
        }
        using var again = new Generator(9);
        var sampler = new HeunSampler(settings);
        var walked = sampler.Sample(denoiser, randn([300, 2], generator: again), Condition.None, again);
        Assert.Equal(x.data<float>().ToArray(), walked.data<float>().ToArray());
        Assert.Equal(13, sampler.Transitions);
        Assert.Equal(23, sampler.Evaluations);

        var edm = new ModelConfig();
        var heun = new SamplerConfig { Name = "heun", Steps = 10 };
        Assert.IsType<HeunSampler>(ModelFactory.Formalism(edm).CreateImportanceSampler(heun, "heun"));
        var refused = Assert.Throws<GenNegException>(() => ModelFactory.Formalism(edm).CreateImportanceSampler(heun with { Churn = 0 }, "heun"));
        Assert.StartsWith("config key 'sampler.churn'", refused.Message);
        Assert.IsType<HeunSampler>(ModelFactory.CreateSampler(heun with { Churn = 0 }, edm));
    }

    [Fact]
    public void Per_example_weights_multiply_the_class_weighted_loss_and_leave_it_alone_when_absent()
    {
        var loss = ImportanceWeightedLoss.ForAlpha(0.9);
        var logits = tensor(new[] { 0.3f, -1.2f, 2f, 0.1f });
        var labels = tensor(new[] { 1f, 0f, 1f, 0f });
        var plain = loss.Compute(logits, labels, labels).data<float>().ToArray();
        var weighted = loss.Compute(logits, labels, labels, tensor(new[] { 2f, 0.5f, 1f, 0f })).data<float>().ToArray();
        Assert.Equal([plain[0] * 2, plain[1] * 0.5f, plain[2], 0f], weighted);
        Assert.Equal(plain, loss.Compute(logits, labels).data<float>().ToArray());
    }

    [Fact]
    public void Class_weights_are_normalised_to_mean_one_within_the_class()
    {
        var normalised = SequentialImportanceSampling.NormalisedWeights(tensor(new[] { Math.Log(1), Math.Log(3), 800 + Math.Log(2) - 800 })).data<float>().ToArray();
        Assert.Equal([0.5f, 1.5f, 1f], normalised, new FloatTolerance(1e-6f));
        Assert.Equal(2.0 * 2 / 2, SequentialImportanceSampling.EffectiveSampleSize(tensor(new[] { 1000.0, 1000.0 })), 12);
    }

    private static WeightedSyntheticSet DrawTwoModels(string path, CancellationToken cancellation = default, IProgress<DrawProgress>? progress = null)
    {
        var target = new ShiftedGaussianDenoiser([-0.5, 0], 0.5);
        var proposal = new ShiftedGaussianDenoiser([0, 0], 0.6);
        using var generator = new Generator(17);
        var settings = new DrawSettings(PerClass: 150, BatchSize: 100, MaxDraws: 5000, Balanced: true, MinPerClass: 10);
        return WeightedDrawing.Draw(EulerMaruyama(12), target, proposal, new ThresholdOracle(0.2), DrawSource.Unconditional(2), settings, generator,
            path, progress, cancellation);
    }

    [Fact]
    public void Resuming_an_interrupted_drawing_gives_the_same_weighted_set_as_an_uninterrupted_one()
    {
        using var folder = new TempFolder();
        using var whole = DrawTwoModels(folder.Combine("whole.bin"));

        var partPath = folder.Combine("part.bin");
        using var stop = new CancellationTokenSource();
        var reports = 0;
        var progress = new SynchronousProgress<DrawProgress>(_ => { if (++reports == 3) stop.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => DrawTwoModels(partPath, stop.Token, progress).Dispose());
        Assert.True(File.Exists(partPath));
        using var resumed = DrawTwoModels(partPath);

        Assert.True(whole.Set.Drawn > 200, "the interruption came before the end");
        Assert.Equal(whole.Set.Drawn, resumed.Set.Drawn);
        Assert.Equal(whole.Set.PositivesDrawn, resumed.Set.PositivesDrawn);
        Assert.Equal(whole.LogWeightTotal, resumed.LogWeightTotal);
        Assert.Equal(whole.LogWeightValid, resumed.LogWeightValid);
        Assert.Equal(whole.Set.Positives.Samples.data<float>().ToArray(), resumed.Set.Positives.Samples.data<float>().ToArray());
        Assert.Equal(whole.Set.Negatives.Samples.data<float>().ToArray(), resumed.Set.Negatives.Samples.data<float>().ToArray());
        Assert.Equal(whole.PositiveLogWeights.data<double>().ToArray(), resumed.PositiveLogWeights.data<double>().ToArray());
        Assert.Equal(whole.NegativeLogWeights.data<double>().ToArray(), resumed.NegativeLogWeights.data<double>().ToArray());
        Assert.Equal(150, whole.Set.Positives.Count);
        Assert.Equal(150, whole.Set.Negatives.Count);
        Assert.InRange(whole.Alpha, 0, 1);
        // The target (centred at -0.5) is more often valid (x < 0.2) than the proposal's draws are.
        Assert.True(whole.Alpha > (double)whole.Set.PositivesDrawn / whole.Set.Drawn);
    }
}

internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

internal sealed class FloatTolerance(float epsilon) : IEqualityComparer<float>
{
    public bool Equals(float a, float b) => Math.Abs(a - b) <= epsilon;

    public int GetHashCode(float value) => 0;
}
