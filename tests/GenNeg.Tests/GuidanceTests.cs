using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Guidance;
using GenNeg.Networks;
using GenNeg.Domains.Checkerboard;
using GenNeg.Oracles;
using GenNeg.Runs;
using GenNeg.Sampling;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Tests;

public class GuidanceTests
{
    [Fact]
    public void Weighted_loss_equals_a_hand_computed_value()
    {
        // alpha = 0.9: weights 1.8 on positives, 0.2 on negatives.
        var loss = ImportanceWeightedLoss.ForAlpha(0.9);
        using var logits = tensor(new[] { 0f, 2f, -1f, 0.5f });
        using var labels = tensor(new[] { 1f, 1f, 0f, 0f });
        using var value = loss.Compute(logits, labels);
        double Softplus(double z) => Math.Log(1 + Math.Exp(z));
        var expected = new[] { 1.8 * Softplus(0), 1.8 * Softplus(-2), 0.2 * Softplus(-1), 0.2 * Softplus(0.5) };
        Assert.Equal(expected, value.data<float>().ToArray().Select(v => (double)v), new Tolerance(1e-6));
        // Averaged over this balanced batch it is Eq. 11: 1/N sum+ alpha(-log C) + 1/N sum- (1 - alpha)(-log(1 - C)), N = 2.
        var eq11 = 0.9 * (Softplus(0) + Softplus(-2)) / 2 + 0.1 * (Softplus(-1) + Softplus(0.5)) / 2;
        Assert.Equal(eq11, value.mean().item<float>(), 6);
        // Unweighted, it is plain binary cross-entropy.
        using var plain = ImportanceWeightedLoss.Unweighted().Compute(logits, labels);
        Assert.Equal(new[] { Softplus(0), Softplus(-2), Softplus(-1), Softplus(0.5) }, plain.data<float>().ToArray().Select(v => (double)v), new Tolerance(1e-6));
    }

    [Fact]
    public void Guided_denoiser_adds_sigma_squared_times_the_gradient_of_log_c()
    {
        random.manual_seed(4);
        using var generator = new Generator(4);
        using var network = new ResidualMlp(new MlpShape(2, 1, Hidden: 16, Blocks: 1, TimeEmbedding: 8) { OutputShape = [] });
        using (no_grad()) foreach (var p in network.parameters()) p.normal_(0, 0.5, generator);
        using var classifier = new TimeDependentClassifier(network, new EdmPreconditioning(1.0));
        var baseDenoiser = new GaussianDenoiser(1.0);
        var guided = new GuidedDenoiser(baseDenoiser, [classifier, classifier], scale: 1.0);

        using var x = randn([5, 2], generator: generator, dtype: ScalarType.Float64).to(ScalarType.Float32);
        const float sigma = 0.7f;
        using var sigmaTensor = tensor(new[] { sigma });
        using var output = guided.Denoise(x, sigmaTensor, Condition.None);
        using var plain = baseDenoiser.Denoise(x, sigmaTensor, Condition.None);

        // Central finite differences of log C, in float64 on a copy of the network.
        network.to(ScalarType.Float64);
        var h = 1e-5;
        var xs = x.to(ScalarType.Float64);
        for (var i = 0; i < 5; i++)
        {
            for (var d = 0; d < 2; d++)
            {
                double LogC(double shift)
                {
                    using var moved = xs.clone();
                    using (no_grad()) moved[i, d] = moved[i, d] + shift;
                    using var logit = classifier.Logit(moved, tensor(new[] { (double)sigma }), Condition.None);
                    return nn.functional.logsigmoid(logit)[i].item<double>();
                }
                var derivative = (LogC(h) - LogC(-h)) / (2 * h);
                var expected = plain[i, d].item<float>() + sigma * sigma * 2 * derivative;   // the stack holds the classifier twice
                Assert.Equal(expected, output[i, d].item<float>(), 1e-4);
            }
        }
    }

    [Fact]
    public void Guidance_leaves_no_gradients_on_weights_and_scale_zero_is_the_plain_denoiser()
    {
        random.manual_seed(5);
        using var classifier = new TimeDependentClassifier(new ResidualMlp(new MlpShape(2, 1, Hidden: 8, Blocks: 1, TimeEmbedding: 8) { OutputShape = [] }), new EdmPreconditioning(1.0));
        using var x = randn(3, 2);
        using var sigma = tensor(new[] { 1.0f });
        using var guided = new GuidedDenoiser(new GaussianDenoiser(1), [classifier]).Denoise(x, sigma, Condition.None);
        Assert.All(classifier.parameters(), p => Assert.True(p.grad is null));
        using var off = new GuidedDenoiser(new GaussianDenoiser(1), [classifier], scale: 0).Denoise(x, sigma, Condition.None);
        using var plain = new GaussianDenoiser(1).Denoise(x, sigma, Condition.None);
        Assert.True(off.eq(plain).all().item<bool>());
    }

    [Fact]
    public void Above_the_guidance_limit_the_stack_adds_nothing_and_below_it_everything()
    {
        random.manual_seed(6);
        using var generator = new Generator(6);
        using var classifier = RandomClassifier(hidden: 8, generator);
        var plain = new GaussianDenoiser(1.0);
        var everywhere = new GuidedDenoiser(plain, [classifier]);
        var limited = new GuidedDenoiser(plain, [classifier], maxSigma: 2.0);
        using var x = randn([4, 2], generator: generator);
        // One batch with per-sample noise levels on both sides of the limit (2.0 itself is guided).
        using var sigma = tensor(new[] { 0.5f, 2.0f, 2.5f, 40f });
        using var full = everywhere.Denoise(x, sigma, Condition.None);
        using var cut = limited.Denoise(x, sigma, Condition.None);
        using var unguided = plain.Denoise(x, sigma, Condition.None);
        // The guided rows are computed on their own (see the next test), so they match to float rounding.
        Assert.True(cut[..2].allclose(full[..2], rtol: 1e-6, atol: 1e-6));
        Assert.Equal(unguided[2..].data<float>().ToArray(), cut[2..].data<float>().ToArray());
        Assert.False(full[2..].eq(unguided[2..]).all().item<bool>());   // the guidance is not zero there by itself
        // A sampler step above the limit skips the classifiers and returns the plain denoiser.
        using var high = tensor(new[] { 3f });
        using var skipped = limited.Denoise(x, high, Condition.None);
        using var plainHigh = plain.Denoise(x, high, Condition.None);
        Assert.Equal(plainHigh.data<float>().ToArray(), skipped.data<float>().ToArray());
    }

    [Fact]
    public void With_per_sample_noise_levels_the_classifiers_see_only_the_guided_rows_with_their_conditions()
    {
        random.manual_seed(7);
        using var generator = new Generator(7);
        using var classifier = RandomClassifier(hidden: 8, generator);
        var recorder = new RecordingClassifier(classifier);
        var plain = new GaussianDenoiser(1.0);
        using var x = randn([5, 2], generator: generator);
        using var sigma = tensor(new[] { 3f, 0.5f, 9f, 1.0f, 4f });
        using var labels = arange(5);
        using var cut = new GuidedDenoiser(plain, [recorder], maxSigma: 1.0).Denoise(x, sigma, Condition.Of("label", labels));
        Assert.Equal(new float[] { 0.5f, 1.0f }, recorder.Sigmas);
        Assert.Equal(new long[] { 1, 3 }, recorder.Labels);
        // Rows 1 and 3 get the guidance computed on the whole batch (to float rounding), the rest none.
        using var full = new GuidedDenoiser(plain, [classifier]).Denoise(x, sigma, Condition.None);
        using var unguided = plain.Denoise(x, sigma, Condition.None);
        using var rows = tensor(new long[] { 1, 3 });
        using var others = tensor(new long[] { 0, 2, 4 });
        Assert.True(cut.index_select(0, rows).allclose(full.index_select(0, rows), rtol: 1e-6, atol: 1e-6));
        Assert.Equal(unguided.index_select(0, others).data<float>().ToArray(), cut.index_select(0, others).data<float>().ToArray());
    }

    /// <summary>A by-sample EDM classifier on 2-D points whose weights are drawn from N(0, 0.5^2), so its gradient is not zero.</summary>
    private static TimeDependentClassifier RandomClassifier(int hidden, Generator generator)
    {
        var network = new ResidualMlp(new MlpShape(2, 1, Hidden: hidden, Blocks: 1, TimeEmbedding: 8) { OutputShape = [] });
        using (no_grad()) foreach (var p in network.parameters()) p.normal_(0, 0.5, generator);
        return new TimeDependentClassifier(network, new EdmPreconditioning(1.0));
    }

    private sealed class RecordingClassifier(INoiseConditionedClassifier inner) : INoiseConditionedClassifier
    {
        public float[] Sigmas { get; private set; } = [];
        public long[] Labels { get; private set; } = [];

        public Tensor Logit(Tensor x, Tensor sigma, Condition condition)
        {
            Sigmas = sigma.cpu().data<float>().ToArray();
            Labels = condition["label"].cpu().data<long>().ToArray();
            return inner.Logit(x, sigma, Condition.None);
        }
    }

    [Fact]
    public void Balanced_drawing_keeps_exactly_n_per_class_and_alpha_counts_every_draw()
    {
        using var folder = new TempFolder();
        using var generator = new Generator(1);
        // Identity "sampler": samples are N(0, 9) points; on the checkerboard about half are valid.
        var settings = new DrawSettings(PerClass: 300, BatchSize: 250, MaxDraws: 100_000, Balanced: true);
        using var set = SyntheticDrawing.Draw(new NoiseSampler(3), new GaussianDenoiser(1), new CheckerboardOracle(), DrawSource.Unconditional(2), settings, generator, folder.Combine("d.bin"));

        Assert.Equal(300, set.Positives.Count);
        Assert.Equal(300, set.Negatives.Count);
        Assert.True(set.Drawn % 250 == 0 && set.Drawn >= 600);
        // Replay the draws (the sampler is the identity on 3 x noise): the counts and the kept samples are theirs.
        using var replay = new Generator(1);
        using var all = cat(Enumerable.Range(0, (int)(set.Drawn / 250)).Select(_ => randn([250, 2], generator: replay) * 3).ToList(), 0);
        using var allValid = new CheckerboardOracle().IsValid(all);
        Assert.Equal(allValid.sum().item<long>(), set.PositivesDrawn);
        Assert.Equal(set.Drawn - set.PositivesDrawn, set.NegativesDrawn);
        using var firstValid = all.index(TensorIndex.Tensor(allValid.nonzero().squeeze(1)))[..300];
        Assert.Equal(firstValid.data<float>().ToArray(), set.Positives.Samples.data<float>().ToArray());
        Assert.Equal((double)set.PositivesDrawn / set.Drawn, set.Alpha);
        using var positiveLabels = new CheckerboardOracle().IsValid(set.Positives.Samples);
        using var negativeLabels = new CheckerboardOracle().IsValid(set.Negatives.Samples);
        Assert.True(positiveLabels.all().item<bool>());
        Assert.False(negativeLabels.any().item<bool>());
    }

    [Fact]
    public void A_budget_without_the_rarer_class_fails_unless_no_minimum_is_asked()
    {
        using var folder = new TempFolder();
        var nothingValid = new ThresholdOracle(-1e9);
        var strict = new DrawSettings(PerClass: 300, BatchSize: 250, MaxDraws: 500, Balanced: true, MinPerClass: 1);
        using (var generator = new Generator(3))
        {
            var error = Assert.Throws<GenNegException>(() => SyntheticDrawing.Draw(new NoiseSampler(3), new GaussianDenoiser(1), nothingValid, DrawSource.Unconditional(2), strict, generator, folder.Combine("a.bin")));
            Assert.StartsWith("drew 500 samples and found 0 valid and 500 invalid, short of 1 of each", error.Message);
        }
        // What bench asks for: the drawing timed whatever the class mix.
        using (var generator = new Generator(3))
        {
            using var set = SyntheticDrawing.Draw(new NoiseSampler(3), new GaussianDenoiser(1), nothingValid, DrawSource.Unconditional(2), strict with { MinPerClass = 0 }, generator, folder.Combine("b.bin"));
            Assert.Equal(500, set.Drawn);
            Assert.Equal(0, set.Positives.Count + set.Negatives.Count);
            Assert.Equal(0, set.Alpha);
        }
    }

    [Fact]
    public void Imbalanced_drawing_keeps_the_first_2n_draws_as_they_come()
    {
        using var folder = new TempFolder();
        using var generator = new Generator(2);
        var settings = new DrawSettings(PerClass: 300, BatchSize: 250, MaxDraws: 100_000, Balanced: false);
        using var set = SyntheticDrawing.Draw(new NoiseSampler(3), new GaussianDenoiser(1), new CheckerboardOracle(), DrawSource.Unconditional(2), settings, generator, folder.Combine("d.bin"));
        Assert.Equal(600, set.Drawn);
        Assert.Equal(600, set.Positives.Count + set.Negatives.Count);
        Assert.Equal(set.PositivesDrawn, set.Positives.Count);
    }

    [Fact]
    public void Interrupted_drawing_resumes_to_the_same_data_set()
    {
        using var folder = new TempFolder();
        var settings = new DrawSettings(PerClass: 200, BatchSize: 100, MaxDraws: 100_000, Balanced: true);
        using var straightGenerator = new Generator(8);
        using var straight = SyntheticDrawing.Draw(new NoiseSampler(3), new GaussianDenoiser(1), new CheckerboardOracle(), DrawSource.Unconditional(2), settings, straightGenerator, folder.Combine("a.bin"));

        using var stop = new CancellationTokenSource();
        using var generator = new Generator(8);
        var progress = new CallbackProgress<DrawProgress>(p => { if (p.Drawn >= 200) stop.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() =>
            SyntheticDrawing.Draw(new NoiseSampler(3), new GaussianDenoiser(1), new CheckerboardOracle(), DrawSource.Unconditional(2), settings, generator, folder.Combine("b.bin"), progress, stop.Token));
        using var freshGenerator = new Generator(12345);   // the saved state replaces it
        using var resumed = SyntheticDrawing.Draw(new NoiseSampler(3), new GaussianDenoiser(1), new CheckerboardOracle(), DrawSource.Unconditional(2), settings, freshGenerator, folder.Combine("b.bin"));

        Assert.Equal(straight.Drawn, resumed.Drawn);
        Assert.Equal(straight.Positives.Samples.data<float>().ToArray(), resumed.Positives.Samples.data<float>().ToArray());
        Assert.Equal(straight.Negatives.Samples.data<float>().ToArray(), resumed.Negatives.Samples.data<float>().ToArray());
    }

    [Fact]
    public void Drawing_stops_with_a_message_when_one_class_never_appears()
    {
        using var folder = new TempFolder();
        using var generator = new Generator(1);
        var settings = new DrawSettings(PerClass: 50, BatchSize: 100, MaxDraws: 1000, Balanced: true, MinPerClass: 20);
        var error = Assert.Throws<GenNegException>(() =>
            SyntheticDrawing.Draw(new NoiseSampler(3), new GaussianDenoiser(1), new AlwaysValid(), DrawSource.Unconditional(2), settings, generator, folder.Combine("d.bin")));
        Assert.Equal("drew 1,000 samples and found 1,000 valid and 0 invalid, short of 20 of each: the model almost never produces " +
                     "the rarer class; raise genneg.max_draws or lower genneg.min_per_class", error.Message);
    }

    [Fact]
    public void An_exhausted_draw_budget_settles_for_a_smaller_balanced_set()
    {
        using var folder = new TempFolder();
        using var generator = new Generator(1);
        // Far more than 1,000 of either class cannot come out of 1,000 draws: it settles for the rarer class's count.
        var settings = new DrawSettings(PerClass: 1000, BatchSize: 250, MaxDraws: 1000, Balanced: true, MinPerClass: 100);
        using var set = SyntheticDrawing.Draw(new NoiseSampler(3), new GaussianDenoiser(1), new CheckerboardOracle(), DrawSource.Unconditional(2), settings, generator, folder.Combine("d.bin"));
        Assert.Equal(1000, set.Drawn);
        Assert.Equal(Math.Min(set.PositivesDrawn, set.NegativesDrawn), set.Positives.Count);
        Assert.Equal(set.Positives.Count, set.Negatives.Count);
    }

    [Fact]
    public void Manifest_round_trips()
    {
        var classifier = new ClassifierRecord("genneg-1/classifier.bin", 0.95, 100_000, 95_000, 5_000, 5000, 5000, "none", false, 7919, 61.5, 120.25);
        var manifest = new RunManifest()
            .WithStage(new StageRecord("baseline", "baseline/denoiser.bin", []))
            .WithStage(new StageRecord("genneg-1", "baseline/denoiser.bin", [classifier], 1.5));
        var json = JsonSerializer.Serialize(manifest, RunManifest.Json);
        var back = JsonSerializer.Deserialize<RunManifest>(json, RunManifest.Json)!;
        Assert.Equal(json, JsonSerializer.Serialize(back, RunManifest.Json));
        Assert.Equal(classifier, back.Find("genneg-1")!.Classifiers[0]);
        Assert.Equal(1.5, back.Latest.GuidanceScale);
        Assert.Contains("\"alpha\": 0.95", json);
    }

    /// <summary>Returns its noise scaled: stands in for a model whose samples are N(0, scale^2).</summary>
    private sealed class AlwaysValid : IOracle
    {
        public string Name => "always-valid";
        public Tensor IsValid(Tensor samples) => ones(samples.shape[0], dtype: ScalarType.Bool);
    }
}
