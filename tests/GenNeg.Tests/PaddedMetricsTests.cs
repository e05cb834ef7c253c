using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Guidance;
using GenNeg.Metrics;
using GenNeg.Workflows;
using static TorchSharp.torch;

namespace GenNeg.Tests;

/// <summary>
/// Padded samples (an element mask, false = padding) in the likelihood bounds, the MMD and guidance: padded rows count
/// for nothing, and without a mask every figure is computed as before.
/// </summary>
public class PaddedMetricsTests
{
    private const string MaskKey = "mask";

    /// <summary>Which elements are real, read from the condition as a world with padding does.</summary>
    private sealed class MaskWorld : IRealUnits
    {
        public Tensor ToRealUnits(Tensor samples) => samples.clone();

        public Tensor? ElementMask(Condition condition) => condition.TryGet(MaskKey, out var mask) ? mask : null;
    }

    /// <summary>D = 0 on real rows and the noisy input on padded rows: padding's error is large and noise-driven.</summary>
    private sealed class ZeroOnRealRows : IDenoiser
    {
        public Tensor Denoise(Tensor x, Tensor sigma, Condition condition) =>
            condition.TryGet(MaskKey, out var mask) ? x * (1 - ElementMasks.Expand(mask, x)) : zeros_like(x);
    }

    private static LikelihoodBound[] Bounds() =>
        [new VeElbo(new LogUniformNoise(0.002, 80), drawsPerExample: 3), new ReweightedElbo(DdpmSchedule.Linear(100), drawsPerExample: 3)];

    /// <summary>Two scenes of 2 and 1 real elements of 3 numbers each, padded to 4 elements with large values.</summary>
    private static (Tensor Padded, Tensor Mask) PaddedScenes()
    {
        var padded = full([2, 4, 3], 7f);
        padded[0, ..2] = tensor(new float[] { 0.5f, -1, 2, 0.25f, 0, -0.75f }).reshape(2, 3);
        padded[1, ..1] = tensor(new float[] { -1.5f, 1, 0.5f }).reshape(1, 3);
        var mask = tensor(new[] { true, true, false, false, true, false, false, false }).reshape(2, 4);
        return (padded, mask);
    }

    [Fact]
    public void The_bound_of_a_padded_scene_equals_the_bound_of_the_scene_without_its_padding()
    {
        var (padded, mask) = PaddedScenes();
        foreach (var bound in Bounds())
        {
            // Scene by scene, as that scene alone: the sigma draws come first from the generator, and D = 0 on real rows
            // makes each real number's error x0^2 whatever the noise.
            for (var s = 0; s < 2; s++)
            {
                var real = s == 0 ? 2 : 1;
                using var g1 = new Generator(5);
                using var g2 = new Generator(5);
                var maskedFigure = bound.PerExample(new ZeroOnRealRows(), padded[s..(s + 1)], Condition.Of(MaskKey, mask[s..(s + 1)]), g1, mask[s..(s + 1)]).item<double>();
                var alone = bound.PerExample(new ZeroOnRealRows(), padded[s..(s + 1), ..real], Condition.None, g2).item<double>();
                Assert.Equal(alone, maskedFigure, 9);
            }
            // Without the mask the padding's error counts, and the figure is far lower: the test can tell.
            using var g3 = new Generator(5);
            using var g4 = new Generator(5);
            var unmasked = bound.PerExample(new ZeroOnRealRows(), padded, Condition.Of(MaskKey, mask), g3).mean().item<double>();
            var masked = bound.PerExample(new ZeroOnRealRows(), padded, Condition.Of(MaskKey, mask), g4, mask).mean().item<double>();
            Assert.True(unmasked < masked - 1, $"{bound.Name}: {unmasked} vs {masked}");
        }
    }

    [Fact]
    public void Padded_values_do_not_move_the_bound_and_an_all_real_mask_gives_the_unmasked_figure()
    {
        var (padded, mask) = PaddedScenes();
        var moved = padded.clone();
        moved[0, 3] = tensor(new float[] { -40, 3, 12 });
        moved[1, 1..] = randn([3, 3], generator: new Generator(9)) * 50;
        var allReal = ones([2, 4], dtype: ScalarType.Bool);
        foreach (var bound in Bounds())
        {
            double Figure(Tensor data, Tensor? m, IDenoiser denoiser)
            {
                using var g = new Generator(11);
                return bound.Estimate(denoiser, data, m is null ? Condition.None : Condition.Of(MaskKey, m), g, m).Nats;
            }
            Assert.Equal(Figure(padded, mask, new ZeroOnRealRows()), Figure(moved, mask, new ZeroOnRealRows()), 9);
            // Every element real: the same arithmetic as no mask, to rounding.
            var identity = new ZeroOnRealRows();
            Assert.Equal(Figure(padded, null, identity), Figure(padded, allReal, identity), 6);
        }
    }

    [Fact]
    public void The_mmd_of_sets_that_differ_only_in_padded_values_is_identical()
    {
        var (padded, mask) = PaddedScenes();
        var heldOut = cat([padded, padded + 0.1f, padded - 0.2f], 0);
        var heldOutMask = cat([mask, mask, mask], 0);
        var generated = heldOut * 0.9f;
        var moved = generated.clone();
        moved[.., 2..] = randn([6, 2, 3], generator: new Generator(4)) * 10;
        using var data = new DataSplit(heldOut, heldOut.clone(), Condition.Of(MaskKey, heldOutMask), Condition.Of(MaskKey, heldOutMask.clone()), [4], new MaskWorld());
        var condition = Condition.Of(MaskKey, heldOutMask);
        double Mmd(Tensor samples) =>
            Metrics.Mmd.Estimate(Evaluation.MmdSamples(data, samples, condition, 6).flatten(1), Evaluation.MmdSamples(data, heldOut, condition, 6).flatten(1), [1.0, 2.0]).Value;
        Assert.Equal(Mmd(generated), Mmd(moved), 12);
        // The rule zeroes padding: the padded values no longer matter, the real ones still do.
        Assert.NotEqual(Mmd(generated), Mmd(heldOut * 0.5f), 6);
        // Unpadded data: the samples as they are (no copy, nothing zeroed).
        using var unpadded = new DataSplit(heldOut, heldOut.clone());
        Assert.Equal(moved.flatten().data<float>().ToArray(), Evaluation.MmdSamples(unpadded, moved, Condition.None, 6).flatten().data<float>().ToArray());
    }

    /// <summary>logit_e = sum of element e's numbers (by element) or of all numbers (by sample, mixing padding in).</summary>
    private sealed class SumClassifier(bool byElement) : INoiseConditionedClassifier
    {
        public Tensor Logit(Tensor x, Tensor sigma, Condition condition) => byElement ? x.sum(-1) : x.sum([1, 2]);
    }

    [Fact]
    public void Guidance_is_zero_on_padded_rows_and_ignores_padded_logits()
    {
        var (padded, mask) = PaddedScenes();
        var condition = Condition.Of(MaskKey, mask);
        using var sigma = tensor(new[] { 0.5f, 1.0f });
        var plain = new ZeroOnRealRows();
        var unguided = plain.Denoise(padded, sigma, condition);
        var real = ElementMasks.Expand(mask, padded);
        foreach (var byElement in new[] { true, false })
        {
            var guided = new GuidedDenoiser(plain, [new SumClassifier(byElement)], elementMask: c => c[MaskKey]);
            var gradient = guided.LogValidGradient(padded, sigma, condition);
            Assert.Equal(0f, (gradient * (1 - real)).abs().sum().item<float>());
            Assert.True(allclose(guided.Denoise(padded, sigma, condition) * (1 - real), unguided * (1 - real), rtol: 0, atol: 0));
            // By element: d/dx log sigmoid(sum_f x_ef) = sigmoid(-l_e) on each of e's numbers, from the real logits only.
            var expected = byElement
                ? nn.functional.sigmoid(-padded.sum(-1, keepdim: true)).expand_as(padded) * real
                : nn.functional.sigmoid(-padded.sum([1, 2])).reshape(2, 1, 1).expand_as(padded) * real;
            Assert.True(allclose(gradient, expected, rtol: 0, atol: 1e-6), byElement ? "by element" : "by sample");
        }
        // Without a mask, padded rows are guided (the test can tell).
        var everywhere = new GuidedDenoiser(plain, [new SumClassifier(true)]).LogValidGradient(padded, sigma, condition);
        Assert.NotEqual(0f, (everywhere * (1 - real)).abs().sum().item<float>());
    }

    [Fact]
    public void The_dlsm_loss_of_padded_samples_ignores_what_the_padded_rows_hold()
    {
        var (clean, mask) = PaddedScenes();
        var condition = Condition.Of(MaskKey, mask);
        using var sigma = tensor(new[] { 0.5f, 1.0f });
        var noisy = clean + 0.3f * randn(clean.shape, generator: new Generator(2));
        var denoised = clean * 0.8f;
        var labels = tensor(new float[] { 1, 0, 1, 1, 0, 1, 1, 1 }).reshape(2, 4);
        var sampleLabels = tensor(new float[] { 0, 0 });
        var loss = new DlsmLoss(0.4, 1.6, crossEntropyWeight: 0.5, s => s.square().reciprocal());
        var padding = 1 - ElementMasks.Expand(mask, clean);
        Tensor Moved(Tensor t, float by) => t + padding * by;
        var classifier = new SumClassifier(byElement: true);
        var before = loss.Compute(classifier, noisy, sigma, condition, clean, labels, sampleLabels, denoised, mask);
        var after = loss.Compute(classifier, Moved(noisy, 3), sigma, condition, Moved(clean, -2), labels, sampleLabels, Moved(denoised, 5), mask);
        Assert.True(allclose(before, after, rtol: 0, atol: 1e-5));
        // Without the mask the padded rows count (the test can tell).
        var unmasked = loss.Compute(classifier, Moved(noisy, 3), sigma, condition, Moved(clean, -2), labels, sampleLabels, Moved(denoised, 5));
        Assert.False(allclose(before, unmasked, rtol: 0, atol: 1e-3));
    }
}
