using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Formalisms;
using GenNeg.Guidance;
using GenNeg.Metrics;
using GenNeg.Networks;
using GenNeg.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Tests;

public class DdpmTests
{
    [Fact]
    public void Linear_schedule_matches_hand_computed_values()
    {
        // beta = 0.1, 0.2, 0.3, 0.4: abar = 0.9, 0.72, 0.504, 0.3024.
        var schedule = DdpmSchedule.Linear(4, 0.1, 0.4);
        Assert.Equal([0.1, 0.2, 0.3, 0.4], Enumerable.Range(1, 4).Select(schedule.Beta), new Tolerance(1e-12));
        Assert.Equal([1, 0.9, 0.72, 0.504, 0.3024], Enumerable.Range(0, 5).Select(schedule.AlphaBar), new Tolerance(1e-12));
        // beta~_t = (1 - abar_{t-1}) / (1 - abar_t) beta_t: 0 at t = 1, 0.1 / 0.28 * 0.2 at t = 2.
        Assert.Equal(0, schedule.PosteriorVariance(1), 12);
        Assert.Equal(0.1 / 0.28 * 0.2, schedule.PosteriorVariance(2), 12);
        Assert.Equal(0.28 / 0.496 * 0.3, schedule.PosteriorVariance(3), 12);
        Assert.Equal(Math.Sqrt(0.1 / 0.9), schedule.Sigma(1), 12);
        Assert.Equal(Math.Sqrt(0.6976 / 0.3024), schedule.Sigma(4), 12);
    }

    [Fact]
    public void Cosine_schedule_matches_hand_computed_values()
    {
        var schedule = DdpmSchedule.Cosine(3);
        double F(double t) => Math.Pow(Math.Cos((t / 3 + 0.008) / 1.008 * Math.PI / 2), 2);
        Assert.Equal(F(1) / F(0), schedule.AlphaBar(1), 12);
        Assert.Equal(F(2) / F(0), schedule.AlphaBar(2), 12);
        // f(3) = 0 would make beta_3 = 1; the cap keeps it at 0.999.
        Assert.Equal(0.999, schedule.Beta(3), 12);
        Assert.Equal(F(2) / F(0) * 0.001, schedule.AlphaBar(3), 12);
        Assert.Equal((1 - schedule.AlphaBar(1)) / (1 - schedule.AlphaBar(2)) * schedule.Beta(2), schedule.PosteriorVariance(2), 12);
    }

    [Fact]
    public void Vp_preconditioning_feeds_the_network_x_t_and_t_over_T()
    {
        var schedule = DdpmSchedule.Linear(10, 0.01, 0.2);
        var preconditioning = new VpPreconditioning(schedule);
        using var sigma = tensor(new[] { schedule.Sigma(1), schedule.Sigma(4), schedule.Sigma(10) });
        Assert.Equal([0.1, 0.4, 1.0], preconditioning.NoiseCondition(sigma).data<double>().ToArray(), new Tolerance(1e-9));
        Assert.Equal([Math.Sqrt(schedule.AlphaBar(1)), Math.Sqrt(schedule.AlphaBar(4)), Math.Sqrt(schedule.AlphaBar(10))],
            preconditioning.In(sigma).data<double>().ToArray(), new Tolerance(1e-12));
        // Off the grid: halfway in ln(sigma) between steps 4 and 5.
        using var between = tensor(new[] { Math.Sqrt(schedule.Sigma(4) * schedule.Sigma(5)) });
        Assert.Equal(4.5, schedule.TimestepOf(between).item<double>(), 9);
    }

    [Fact]
    public void Training_loss_is_l_simple_at_a_uniformly_drawn_step()
    {
        var schedule = DdpmSchedule.Linear(20, 0.01, 0.3);
        var formalism = new DdpmFormalism(schedule);
        using var x0 = tensor(new[] { 1f, -2f, 0.5f, 3f }).reshape(2, 2);
        var predictsZero = new ConstantEpsilon(0);
        using var generator = new Generator(8);
        using var loss = new DenoisingLoss(formalism).Compute(predictsZero, x0, Condition.None, generator);

        // Replay the draws: step index, then the noise n; with eps_theta = 0 the loss is ||n - 0||^2 per feature.
        using var replay = new Generator(8);
        using var step = randint(0, 20, [2], generator: replay);
        using var n = randn([2, 2], generator: replay);
        Assert.Equal(n.square().data<float>().ToArray().Select(v => (double)v), loss.data<float>().ToArray().Select(v => (double)v), new Tolerance(1e-4));
    }

    [Fact]
    public void Ancestral_mean_given_the_true_epsilon_is_the_posterior_mean()
    {
        var schedule = DdpmSchedule.Linear(10, 0.05, 0.3);
        var sampler = new AncestralSampler(schedule, 10);
        using var generator = new Generator(2);
        using var x0 = randn([4, 2], dtype: ScalarType.Float64, generator: generator);
        using var epsilon = randn([4, 2], dtype: ScalarType.Float64, generator: generator);
        const int t = 6;
        var abar = schedule.AlphaBar(t);
        var abarPrevious = schedule.AlphaBar(t - 1);
        var beta = schedule.Beta(t);
        using var xt = Math.Sqrt(abar) * x0 + Math.Sqrt(1 - abar) * epsilon;

        using var mean = sampler.Mean(new KnowsClean(x0), xt, Condition.None, t, t - 1);
        // Ho et al., Eq. 7: mu~_t = sqrt(abar_{t-1}) beta_t / (1 - abar_t) x0 + sqrt(alpha_t) (1 - abar_{t-1}) / (1 - abar_t) x_t.
        using var posterior = Math.Sqrt(abarPrevious) * beta / (1 - abar) * x0 + Math.Sqrt(1 - beta) * (1 - abarPrevious) / (1 - abar) * xt;
        Assert.Equal(posterior.data<double>().ToArray(), mean.data<double>().ToArray(), new Tolerance(1e-12));
    }

    [Fact]
    public void Visited_steps_are_evenly_or_quadratically_spaced_and_end_at_T()
    {
        Assert.Equal([40, 80, 120, 160, 200], DdpmSteps.Visited(200, 5));
        // (k / 5)^2 x 200 = 8, 32, 72, 128, 200.
        Assert.Equal([8, 32, 72, 128, 200], DdpmSteps.Visited(200, 5, DdpmSteps.QuadraticSpacing));
        // Where rounding would repeat a step near t = 0, each step stays one past the last: (k / 10)^2 x 20 = 0.2, 0.8, 1.8, ...
        Assert.Equal([1, 2, 3, 4, 5, 7, 10, 13, 16, 20], DdpmSteps.Visited(20, 10, DdpmSteps.QuadraticSpacing));
        Assert.Equal(Enumerable.Range(1, 20), DdpmSteps.Visited(20, 20, DdpmSteps.QuadraticSpacing));
        var error = Assert.Throws<GenNegException>(() => DdpmSteps.Visited(20, 10, "cubic"));
        Assert.Equal("config key 'sampler.spacing' must be one of linear, quadratic, got 'cubic'", error.Message);
    }

    [Fact]
    public void Ddim_with_eta_zero_is_deterministic_and_recovers_a_gaussians_variance()
    {
        var schedule = DdpmSchedule.Linear(1000);
        var sampler = new DdimSampler(schedule, 1000, eta: 0);
        var exact = new GaussianDenoiser(0.5);
        using var generator = new Generator(6);
        using var noise = randn([20_000, 2], generator: generator);
        using var first = sampler.Sample(exact, noise, Condition.None, new Generator(1));
        using var second = sampler.Sample(exact, noise, Condition.None, new Generator(2));
        Assert.True(first.equal(second).all().item<bool>());
        Assert.Equal(0.25, first.var().item<float>(), 0.01);
    }

    [Fact]
    public void Ancestral_sampling_with_the_exact_epsilon_recovers_a_gaussians_variance()
    {
        var schedule = DdpmSchedule.Linear(1000);
        using var generator = new Generator(7);
        using var noise = randn([20_000, 2], generator: generator);
        using var samples = new AncestralSampler(schedule, 1000).Sample(new GaussianDenoiser(0.5), noise, Condition.None, generator);
        Assert.Equal(0.25, samples.var().item<float>(), 0.01);
    }

    [Fact]
    public void Guided_epsilon_is_epsilon_minus_sqrt_one_minus_abar_times_the_gradient_of_log_c()
    {
        var schedule = DdpmSchedule.Linear(50, 1e-3, 0.2);
        random.manual_seed(9);
        using var generator = new Generator(9);
        using var network = new ResidualMlp(new MlpShape(2, 1, Hidden: 16, Blocks: 1, TimeEmbedding: 8) { OutputShape = [] });
        using (no_grad()) foreach (var p in network.parameters()) p.normal_(0, 0.5, generator);
        using var classifier = new TimeDependentClassifier(network, new VpPreconditioning(schedule));
        var baseDenoiser = new GaussianDenoiser(1.0);
        var guided = new GuidedDenoiser(baseDenoiser, [classifier]);

        const int t = 20;
        using var xt = randn([5, 2], generator: generator);
        var (guidedEpsilon, _) = DdpmSteps.Predict(guided, schedule, xt, Condition.None, t);
        var (epsilon, _) = DdpmSteps.Predict(baseDenoiser, schedule, xt, Condition.None, t);

        // grad_{x_t} log C(x_t; t) by central differences, in float64; the classifier sees x_t through c_in (x_t / sqrt(abar_t)).
        network.to(ScalarType.Float64);
        var sigma = schedule.Sigma(t);
        using var sigmaTensor = tensor(new[] { sigma });
        using var xs = xt.to(ScalarType.Float64);
        const double h = 1e-5;
        var scale = Math.Sqrt(1 - schedule.AlphaBar(t));
        for (var i = 0; i < 5; i++)
        {
            for (var d = 0; d < 2; d++)
            {
                double LogC(double shift)
                {
                    using var moved = xs.clone();
                    using (no_grad()) moved[i, d] = moved[i, d] + shift;
                    using var logit = classifier.Logit(moved * Math.Sqrt(1 + sigma * sigma), sigmaTensor, Condition.None);
                    return nn.functional.logsigmoid(logit)[i].item<double>();
                }
                var gradient = (LogC(h) - LogC(-h)) / (2 * h);
                var expected = epsilon[i, d].item<float>() - scale * gradient;
                Assert.Equal(expected, guidedEpsilon[i, d].item<float>(), 1e-4);
            }
        }
    }

    [Fact]
    public void R_elbo_of_the_exact_gaussian_model_matches_its_closed_form()
    {
        // x0 ~ N(0, s^2 I) in d = 2: the exact eps-predictor leaves E||n - eps||^2 = d abar s^2 / (abar s^2 + 1 - abar) at step t.
        var schedule = DdpmSchedule.Linear(100, 1e-3, 0.1);
        const double s = 0.5;
        using var generator = new Generator(10);
        using var data = randn([4000, 2], generator: generator) * s;
        var estimate = new ReweightedElbo(schedule, drawsPerExample: 8).Estimate(new GaussianDenoiser(s), data, Condition.None, generator);
        var expected = -Enumerable.Range(1, 100).Average(t => 2 * schedule.AlphaBar(t) * s * s / (schedule.AlphaBar(t) * s * s + 1 - schedule.AlphaBar(t)));
        Assert.InRange(estimate.Nats, expected - 4 * estimate.StandardError - 0.01, expected + 4 * estimate.StandardError + 0.01);
    }

    [Fact]
    public void Distillation_target_is_the_teachers_epsilon()
    {
        var schedule = DdpmSchedule.Linear(20, 0.01, 0.3);
        var loss = new DistillationLoss(new DdpmFormalism(schedule));
        using var x0 = tensor(new[] { 1f, -2f, 0.5f, 3f }).reshape(2, 2);
        using var value = loss.Compute(new ConstantEpsilon(0.5f), new ConstantEpsilon(-1f), x0, Condition.None, new Generator(3));
        Assert.Equal(Enumerable.Repeat(1.5 * 1.5, 4), value.data<float>().ToArray().Select(v => (double)v), new Tolerance(1e-3));
    }

    /// <summary>A DDPM model whose eps_theta is a constant, on the shared seam: D(x; sigma) = x - sigma c.</summary>
    private sealed class ConstantEpsilon(float value) : IDenoiser
    {
        public Tensor Denoise(Tensor x, Tensor sigma, Condition condition) => x - sigma.unsqueeze(1) * value;
    }

    /// <summary>A denoiser that knows the clean data: D(x; sigma) = x0, so the derived epsilon is the true one.</summary>
    private sealed class KnowsClean(Tensor x0) : IDenoiser
    {
        public Tensor Denoise(Tensor x, Tensor sigma, Condition condition) => x0.alias();
    }
}
