using GenNeg.Diffusion;
using GenNeg.Formalisms;
using GenNeg.Guidance;
using GenNeg.Metrics;
using GenNeg.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Tests;

public class LikelihoodTests
{
    private const double SigmaMin = 0.002, SigmaMax = 80;
    private static readonly ProbabilityFlowSpan EdmSpan = new(SigmaMin, SigmaMax, SigmaMax * SigmaMax);

    /// <summary>Data N(0, C) with C = [[1, 0.2], [0.2, 0.5]] and its exact denoiser D(x; sigma) = C (C + sigma^2 I)^-1 x.</summary>
    private sealed class CorrelatedGaussianDenoiser : IDenoiser
    {
        public static readonly double[,] Covariance = { { 1.0, 0.2 }, { 0.2, 0.5 } };

        public Tensor Denoise(Tensor x, Tensor sigma, GenNeg.Data.Condition condition)
        {
            using var scope = NewDisposeScope();
            var c = tensor(Covariance).to(x.dtype);
            var noisy = c.unsqueeze(0) + sigma.to(x.dtype).square().reshape(-1, 1, 1) * eye(2, dtype: x.dtype).unsqueeze(0);
            var gain = c.unsqueeze(0).matmul(linalg.inv(noisy));   // [B or 1, 2, 2]
            return gain.matmul(x.unsqueeze(2)).squeeze(2).MoveToOuterDisposeScope();
        }

        /// <summary>-ln N(x; 0, C + s^2 I) per row: the exact NLL of the model at noise level s.</summary>
        public static Tensor Nll(Tensor x, double s)
        {
            using var scope = NewDisposeScope();
            var c = tensor(Covariance) + s * s * eye(2, dtype: ScalarType.Float64);
            var quadratic = (x.to(ScalarType.Float64).matmul(linalg.inv(c)) * x.to(ScalarType.Float64)).sum(1);
            return (0.5 * quadratic + 0.5 * linalg.det(c).log() + Math.Log(2 * Math.PI)).MoveToOuterDisposeScope();
        }
    }

    private sealed class LinearDenoiser(Tensor matrix) : IDenoiser
    {
        public Tensor Denoise(Tensor x, Tensor sigma, GenNeg.Data.Condition condition) => x.matmul(matrix.to(x.dtype).t());
    }

    [Theory]
    [InlineData(true, 16)]    // adaptive, exact divergence
    [InlineData(true, 0)]     // adaptive, Hutchinson
    [InlineData(false, 16)]   // fixed steps, exact divergence
    public void Ode_nll_of_an_exact_gaussian_denoiser_matches_the_closed_form(bool adaptive, int exactUpTo)
    {
        using var generator = new Generator(11);
        using var cholesky = linalg.cholesky(tensor(CorrelatedGaussianDenoiser.Covariance));
        using var data = randn([2000, 2], dtype: ScalarType.Float64, generator: generator).matmul(cholesky.t()).to(ScalarType.Float32);
        var likelihood = new ProbabilityFlowLikelihood(EdmSpan, new OdeSettings(new DormandPrinceSettings(adaptive, Steps: 48), ExactDivergenceUpTo: exactUpTo, Probes: 16));

        var (nll, evaluations) = likelihood.PerExample(new CorrelatedGaussianDenoiser(), data, generator);
        using var expected = CorrelatedGaussianDenoiser.Nll(data, SigmaMin);
        using (nll)
        using (evaluations)
        {
            using var difference = nll - expected;
            if (exactUpTo > 0)
                Assert.True(difference.abs().max().item<double>() < 0.01, $"largest difference {difference.abs().max().item<double>()}");
            else
            {
                // Hutchinson's estimate is unbiased per example; its mean over the set matches within 0.01 nats.
                var standardError = difference.std().item<double>() / Math.Sqrt(difference.shape[0]);
                Assert.True(Math.Abs(difference.mean().item<double>()) < 0.01, $"mean difference {difference.mean().item<double>()} (se {standardError})");
                Assert.True(difference.std().item<double>() > 1e-3, "the probes should add noise on a non-diagonal Jacobian");
            }
            Assert.True(evaluations.min().item<double>() >= 7);
        }
        var estimate = likelihood.Estimate(new CorrelatedGaussianDenoiser(), data, generator);
        Assert.Equal(estimate.Nats / (2 * Math.Log(2)), estimate.BitsPerDimension, 12);
        if (exactUpTo > 0)
        {
            // The median and the worst example are the closed form's, within the solver's 0.01 nats.
            var closedForm = expected.data<double>().ToArray();
            Assert.True(Math.Abs(Medians.Of(closedForm) - estimate.MedianNats!.Value) < 0.01, $"median {estimate.MedianNats}");
            Assert.True(Math.Abs(closedForm.Max() - estimate.WorstNats!.Value) < 0.01, $"worst {estimate.WorstNats}");
        }
        Assert.Equal(adaptive ? estimate.EvaluationsPerExample : 1 + 6 * 48, estimate.EvaluationsPerExample, 9);
    }

    [Fact]
    public void Exact_divergence_is_the_trace_of_a_linear_map_and_hutchinson_is_v_transposed_a_v()
    {
        using var generator = new Generator(5);
        using var matrix = randn([3, 3], dtype: ScalarType.Float64, generator: generator);
        var denoiser = new LinearDenoiser(matrix);
        using var x = randn([6, 3], dtype: ScalarType.Float64, generator: generator);
        using var sigma = tensor(new[] { 1.0 });
        var trace = matrix.trace().item<double>();

        var (denoised, exact) = DenoiserDivergence.Evaluate(denoiser, x, sigma, probes: null);
        Assert.All(exact.data<double>().ToArray(), t => Assert.Equal(trace, t, 10));
        Assert.True(denoised.allclose(x.matmul(matrix.t())));

        using var probes = DenoiserDivergence.RademacherProbes(6, 3, 3, generator);
        Assert.True(probes.abs().eq(1).all().item<bool>());
        var (_, estimate) = DenoiserDivergence.Evaluate(denoiser, x, sigma, probes);
        // Each row: the mean over its probes of v^T A v, computed by hand.
        var p = probes.to(ScalarType.Float64);
        var byHand = (p.matmul(matrix.t()) * p).sum(2).mean([1]);
        Assert.True(estimate.allclose(byHand, rtol: 1e-9, atol: 1e-9));

        // Unbiased: over many probes the mean is the trace.
        using var many = DenoiserDivergence.RademacherProbes(1, 20_000, 3, generator);
        var (_, averaged) = DenoiserDivergence.Evaluate(denoiser, x[..1], sigma, many);
        var offDiagonal = (matrix.square().sum() - matrix.diag().square().sum()).item<double>();   // variance bound of one probe
        Assert.Equal(trace, averaged.item<double>(), 4 * Math.Sqrt(2 * offDiagonal / 20_000));
    }

    [Fact]
    public void Divergence_of_a_guided_stack_takes_second_derivatives_through_the_classifier()
    {
        random.manual_seed(7);
        using var generator = new Generator(7);
        using var network = new ResidualMlp(new MlpShape(2, 1, Hidden: 16, Blocks: 1, TimeEmbedding: 8) { OutputShape = [] });
        using (no_grad()) foreach (var p in network.parameters()) p.normal_(0, 0.5, generator);
        network.to(ScalarType.Float64);
        using var classifier = new TimeDependentClassifier(network, new EdmPreconditioning(1.0));
        var guided = new GuidedDenoiser(new GaussianDenoiser(1.0), [classifier]);
        using var x = randn([4, 2], dtype: ScalarType.Float64, generator: generator);
        using var sigma = tensor(new[] { 0.8 });

        var (_, trace) = DenoiserDivergence.Evaluate(guided, x, sigma, probes: null);
        // Central differences of D' along each axis, in float64.
        const double h = 1e-5;
        var byDifferences = new double[4];
        for (var d = 0; d < 2; d++)
        {
            using var step = zeros([4, 2], dtype: ScalarType.Float64);
            using (no_grad()) step[.., d] = h;
            using var up = guided.Denoise(x + step, sigma, GenNeg.Data.Condition.None);
            using var down = guided.Denoise(x - step, sigma, GenNeg.Data.Condition.None);
            var column = ((up - down) / (2 * h)).select(1, d).data<double>().ToArray();
            for (var i = 0; i < 4; i++) byDifferences[i] += column[i];
        }
        var plainTrace = 2 * 1.0 / (1.0 + 0.64);
        Assert.Equal(byDifferences, trace.data<double>().ToArray(), new Tolerance(1e-6));
        Assert.Contains(byDifferences, t => Math.Abs(t - plainTrace) > 1e-3);   // the classifier's Hessian does contribute
    }

    [Theory]
    [InlineData(true, 16)]    // adaptive, exact divergence
    [InlineData(true, 0)]     // adaptive, Hutchinson
    [InlineData(false, 16)]   // fixed steps
    public void Ode_nll_does_not_depend_on_the_batch_it_is_computed_in(bool adaptive, int exactUpTo)
    {
        random.manual_seed(8);
        using var generator = new Generator(8);
        using var network = new ResidualMlp(new MlpShape(2, 2, Hidden: 16, Blocks: 1, TimeEmbedding: 8));
        using (no_grad()) foreach (var p in network.parameters()) p.normal_(0, 0.2, generator);
        using var denoiser = new PreconditionedDenoiser(network, new EdmPreconditioning(1.0));
        using var data = randn([9, 2], generator: generator);

        // Each row keeps its own step sizes and probes, so with a denoiser whose rows are computed alike in any batch
        // (the Gaussian's) the figures are the same to rounding. A float32 network rounds differently on batches of other
        // sizes, which can flip an adaptive step's accept decision: then rows agree to the solver's tolerance.
        foreach (var (model, tolerance) in new[] { ((IDenoiser)new CorrelatedGaussianDenoiser(), 1e-9), (denoiser, adaptive ? 2e-3 : 1e-5) })
        {
            double[] Nll(int batchSize, Tensor points)
            {
                var settings = new OdeSettings(new DormandPrinceSettings(adaptive, Steps: 16, RelativeTolerance: 1e-6, AbsoluteTolerance: 1e-6), ExactDivergenceUpTo: exactUpTo,
                    BatchSize: batchSize);
                var (nll, _) = new ProbabilityFlowLikelihood(EdmSpan, settings).PerExample(model, points, new Generator(3));
                return nll.data<double>().ToArray();
            }
            void Same(double[] expected, double[] actual, string what)
            {
                var largest = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
                Assert.True(largest <= tolerance, $"{model.GetType().Name}, {what}: differs by {largest}");
            }
            var whole = Nll(9, data);
            Same(whole, Nll(4, data), "batches of 4");
            Same(whole, Nll(1, data), "one row at a time");
            if (exactUpTo > 0) Same(whole[3..6], Nll(9, data[3..6]), "rows 3-5 alone");
        }
    }

    [Fact]
    public void Ddpm_flow_runs_from_sigma_1_to_sigma_t_with_prior_variance_one_over_alpha_bar()
    {
        var schedule = DdpmSchedule.Linear(1000);
        var span = new DdpmFormalism(schedule).FlowSpan;
        Assert.Equal(schedule.Sigma(1), span.SigmaLow, 12);
        Assert.Equal(schedule.Sigma(1000), span.SigmaHigh, 12);
        Assert.Equal(1 + schedule.Sigma(1000) * schedule.Sigma(1000), span.PriorVariance, 6);
    }
}
