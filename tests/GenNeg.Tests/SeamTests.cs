using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Domains.Checkerboard;
using GenNeg.Formalisms;
using GenNeg.Guidance;
using GenNeg.Metrics;
using GenNeg.Networks;
using GenNeg.Oracles;
using GenNeg.Sampling;
using GenNeg.Training;
using GenNeg.Workflows;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Tests;

/// <summary>Shaped, conditioned samples, per-element labels and devices through the generic machinery.</summary>
public class SeamTests
{
    private static readonly ModelConfig SmallModel = new() { Hidden = 16, Blocks = 1, TimeEmbedding = 8 };

    private static DataSplit PointSets(int train = 64, int validation = 32) =>
        new PointSetsDataSet().Load(new DataConfig { Name = PointSetsDataSet.DataSetName, TrainSize = train, ValidationSize = validation, Seed = 1, ValidationSeed = 2 });

    [Fact]
    public void Per_sample_values_broadcast_against_samples_of_any_rank()
    {
        using var values = tensor(new[] { 1f, 2f });
        Assert.Equal([2L], PerSample.Broadcast(values, zeros(2)).shape);
        Assert.Equal([2L, 1], PerSample.Broadcast(values, zeros(2, 5)).shape);
        Assert.Equal([2L, 1, 1], PerSample.Broadcast(values, zeros(2, 3, 4)).shape);
        using var scaled = PerSample.Broadcast(values, zeros(2, 3, 4)) * ones(2, 3, 4);
        Assert.Equal(new[] { 12.0, 24.0 }, scaled.sum([1, 2]).data<float>().ToArray().Select(v => (double)v));
    }

    [Fact]
    public void Guided_denoiser_on_a_conditioned_set_adds_sigma_squared_times_the_gradient_of_the_summed_log_sigmoids()
    {
        using var data = PointSets();
        var builder = new ModelBuilder(SmallModel, data, Registries.CreateDefault().Backbones, CPU);
        using var classifier = builder.CreateClassifier(3, ClassifierHead.ByElement);
        RandomiseZeroWeights(classifier);
        classifier.to(ScalarType.Float64);
        var baseDenoiser = new GaussianDenoiser(1.5);
        var guided = new GuidedDenoiser(baseDenoiser, [classifier]);

        using var generator = new Generator(5);
        using var x = randn([2, PointSetsDataSet.Points, 2], dtype: ScalarType.Float64, generator: generator);
        const double sigma = 0.8;
        using var sigmaTensor = tensor(new[] { sigma });
        var condition = Condition.Of("parity", tensor(new[] { 0.0, 1.0 }).reshape(2, 1));
        using var logits = classifier.Logit(x, sigmaTensor, condition);
        Assert.Equal([2L, PointSetsDataSet.Points], logits.shape);

        using var output = guided.Denoise(x, sigmaTensor, condition);
        using var plain = baseDenoiser.Denoise(x, sigmaTensor, condition);
        var gradient = ((output - plain) / (sigma * sigma)).data<double>().ToArray();

        // Central differences of log C = sum over the elements' log-sigmoids, coordinate by coordinate.
        double LogValid(Tensor input)
        {
            using var scope = NewDisposeScope();
            return nn.functional.logsigmoid(classifier.Logit(input, sigmaTensor, condition)).sum().item<double>();
        }
        const double h = 1e-5;
        var flat = x.reshape(-1);
        for (var i = 0; i < flat.shape[0]; i++)
        {
            using var step = zeros_like(flat);
            step[i] = h;
            var numeric = (LogValid((flat + step).reshape(x.shape)) - LogValid((flat - step).reshape(x.shape))) / (2 * h);
            Assert.Equal(numeric, gradient[i], 1e-6);
        }
        // The condition reaches the classifier: the other parity changes the gradient.
        var flipped = Condition.Of("parity", tensor(new[] { 1.0, 0.0 }).reshape(2, 1));
        using var other = guided.Denoise(x, sigmaTensor, flipped);
        Assert.True((other - output).abs().max().item<double>() > 1e-6);
    }

    [Fact]
    public void Per_element_loss_takes_each_samples_class_weight_on_every_element()
    {
        var loss = ImportanceWeightedLoss.ForAlpha(0.9);
        using var logits = tensor(new[] { 0f, 2f, -1f, 0.5f, 1f, -2f }).reshape(2, 3);
        // Sample 0 is valid (all its elements are); sample 1 is invalid through its second element.
        using var labels = tensor(new[] { 1f, 1f, 1f, 1f, 0f, 1f }).reshape(2, 3);
        using var sampleLabels = tensor(new[] { 1f, 0f });
        using var value = loss.Compute(logits, labels, sampleLabels);
        static double Softplus(double z) => Math.Log(1 + Math.Exp(z));
        double[] expected =
        [
            1.8 * Softplus(-0.0), 1.8 * Softplus(-2), 1.8 * Softplus(1),
            0.2 * Softplus(-0.5), 0.2 * Softplus(1), 0.2 * Softplus(2),
        ];
        Assert.Equal([2L, 3], value.shape);
        Assert.Equal(expected, value.data<float>().ToArray().Select(v => (double)v), new Tolerance(1e-6));
    }

    [Fact]
    public void Drawing_balances_sets_keeps_each_sets_condition_and_element_labels_and_resumes()
    {
        using var folder = new TempFolder();
        using var data = PointSets(train: 200);
        var source = DrawSource.Training(data);
        var settings = new DrawSettings(PerClass: 40, BatchSize: 30, MaxDraws: 10_000, Balanced: true);
        var oracle = new PointSetsOracle();
        using var generator = new Generator(3);
        using var set = SyntheticDrawing.Draw(new NoiseSampler(2.5), new GaussianDenoiser(1), oracle, source, settings, generator, folder.Combine("d.bin"));

        Assert.Equal(40, set.Positives.Count);
        Assert.Equal(40, set.Negatives.Count);
        // Conditions travel with their samples: the oracle, reading them, agrees with the stored labels.
        var positives = oracle.Judge(set.Positives.Samples, set.Positives.Condition);
        var negatives = oracle.Judge(set.Negatives.Samples, set.Negatives.Condition);
        Assert.True(positives.SampleValid().all().item<bool>());
        Assert.False(negatives.SampleValid().any().item<bool>());
        Assert.Equal(negatives.Valid.data<bool>().ToArray(), set.Negatives.ElementValid.data<bool>().ToArray());
        Assert.Equal([40L, 1], set.Negatives.Condition["parity"].shape);
        Assert.Equal([40L, PointSetsDataSet.Points], set.Negatives.ElementValid.shape);
        // Both parities are drawn from the training pool.
        using var parities = cat([set.Positives.Condition["parity"], set.Negatives.Condition["parity"]], 0);
        Assert.InRange(parities.mean().item<float>(), 0.2, 0.8);

        using var reloadGenerator = new Generator(99);
        using var reloaded = SyntheticSet.Load(folder.Combine("d.bin"), reloadGenerator);
        Assert.Equal(set.Negatives.Samples.data<float>().ToArray(), reloaded.Negatives.Samples.data<float>().ToArray());
        Assert.Equal(set.Negatives.Condition["parity"].data<float>().ToArray(), reloaded.Negatives.Condition["parity"].data<float>().ToArray());
        Assert.Equal(set.Negatives.ElementValid.data<bool>().ToArray(), reloaded.Negatives.ElementValid.data<bool>().ToArray());
    }

    [Fact]
    public void An_oracle_that_ignores_the_condition_labels_every_element_with_its_samples_label()
    {
        using var folder = new TempFolder();
        using var data = PointSets(train: 100);
        var settings = new DrawSettings(PerClass: 20, BatchSize: 50, MaxDraws: 10_000, Balanced: true);
        using var generator = new Generator(4);
        using var set = SyntheticDrawing.Draw(new NoiseSampler(3), new GaussianDenoiser(1), new FirstPointOnBoard(), DrawSource.Training(data), settings, generator, folder.Combine("d.bin"));
        Assert.True(set.Positives.ElementValid.all().item<bool>());
        Assert.False(set.Negatives.ElementValid.any().item<bool>());
        Assert.Equal([20L, PointSetsDataSet.Points], set.Negatives.ElementValid.shape);
    }

    [Fact]
    public void The_chunked_denoiser_hands_each_slice_its_own_rows_of_the_condition()
    {
        using var x = arange(10, dtype: ScalarType.Float32).reshape(10, 1, 1).expand(10, 2, 3).contiguous();
        var condition = Condition.Of("row", arange(10, dtype: ScalarType.Float32).reshape(10, 1)).With("map", arange(10 * 4, dtype: ScalarType.Float32).reshape(10, 2, 2));
        var recorder = new RowCheckingDenoiser();
        using var output = new ChunkedDenoiser(recorder, rows: 3).Denoise(x, tensor(new[] { 1f }), condition);
        Assert.Equal([3L, 3, 3, 1], recorder.SliceRows);
        Assert.Equal(x.data<float>().ToArray(), output.data<float>().ToArray());
    }

    [Fact]
    public void Backbone_registry_builds_the_configured_backbone_and_names_the_known_ones_on_a_miss()
    {
        using var data = PointSets();
        var registries = Registries.CreateDefault();
        var spec = BackboneSpec.For(data, BackboneOutput.PerElement, SmallModel);
        using var mlp = registries.Backbones.Create(spec);
        Assert.IsType<ResidualMlp>(mlp);
        // 3 points x 2 coordinates plus the parity in; one logit per point out.
        Assert.Equal(7, ((ResidualMlp)mlp).Shape.InputWidth);
        Assert.Equal(3, ((ResidualMlp)mlp).Shape.OutputWidth);
        var error = Assert.Throws<GenNegException>(() => registries.Backbones.Create(spec with { Model = SmallModel with { Backbone = "unet" } }));
        Assert.Equal("config key 'model.backbone': unknown backbone 'unet'; known backbones: agent_transformer, mlp, motion_transformer, torchscript", error.Message);
    }

    [Fact]
    public void Every_tensor_stays_on_the_models_device_through_training_input_gradients_sampling_and_likelihood()
    {
        // libtorch's meta device computes shapes only: an op between a meta and a CPU tensor throws, so any tensor the
        // library creates without the device of its inputs fails here, and outputs must come back on meta.
        var meta = new Device(DeviceType.META);
        using (var cpuTensor = ones(2))
        using (var metaTensor = ones(2, device: meta))
            Assert.ThrowsAny<Exception>(() => (cpuTensor + metaTensor).Dispose());

        using var cpuData = PointSets();
        using var data = cpuData.To(meta);
        foreach (var formalism in new[] { "edm", "ddpm" })
        {
            var model = SmallModel with { Formalism = formalism, Timesteps = 20 };
            var builder = new ModelBuilder(model, data, Registries.CreateDefault().Backbones, meta);
            using var denoiser = builder.CreateDenoiser(1);
            using var classifier = builder.CreateClassifier(2, ClassifierHead.ByElement);
            Assert.All(denoiser.parameters(), p => Assert.Equal(DeviceType.META, p.device_type));
            using var generator = new Generator(3, meta);

            // A training step of each: gathered weights, denoising and classifier losses, backward, Adam.
            using (var weights = FlatParameters.Gather(denoiser, withGradients: true))
            using (var adam = optim.Adam([weights.Values], 1e-3))
            {
                Assert.Equal(DeviceType.META, weights.Values.device_type);
                var (x0, condition) = TrainingLoop.Batch(data.Train, data.TrainCondition, 8, generator);
                using var loss = new DenoisingLoss(builder.Formalism).Compute(denoiser, x0, condition, generator).mean();
                loss.backward();
                adam.step();
                Assert.Equal(DeviceType.META, loss.device_type);
            }
            // A classifier's forward pass on noised data (its loss, binary cross-entropy with logits, rests on log_sigmoid,
            // which has no meta kernel in libtorch 2.10; it creates no tensors of its own).
            using (var noisy = randn([8, 3, 2], generator: generator, device: meta))
            {
                var sigma = builder.Formalism.SampleTrainingSigma(8, generator);
                var condition = SamplerBatch.Pick(data.TrainCondition, 8, generator);
                using var logits = classifier.Logit(Noising.Add(noisy, sigma, generator), sigma, condition);
                Assert.Equal(DeviceType.META, logits.device_type);
                Assert.Equal([8L, 3], logits.shape);
            }

            // The classifier's input gradient, as guidance takes it. (GuidedDenoiser itself cannot run here: libtorch 2.10
            // has no meta kernel for log_sigmoid. It creates no tensors of its own beyond that gradient.)
            foreach (var parameter in classifier.parameters()) parameter.requires_grad = false;
            using (var enableGrad = enable_grad())
            {
                using var input = randn([8, 3, 2], generator: generator, device: meta).requires_grad_(true);
                var sigma = builder.Formalism.SampleTrainingSigma(8, generator);
                var logits = classifier.Logit(input, sigma, SamplerBatch.Pick(data.TrainCondition, 8, generator));
                using var gradient = autograd.grad([logits.sum()], [input])[0];
                Assert.Equal(DeviceType.META, gradient.device_type);
                Assert.Equal([8L, 3, 2], gradient.shape);
            }

            // Sampling with every sampler of the formalism, conditions picked on the device.
            var sliced = new ChunkedDenoiser(denoiser, rows: 4);
            var samplers = formalism == "edm"
                ? new ISampler[] { new HeunSampler(new HeunSettings(Steps: 3)) }
                : [new AncestralSampler(((DdpmFormalism)builder.Formalism).Schedule, 3), new DdimSampler(((DdpmFormalism)builder.Formalism).Schedule, 3, 1)];
            foreach (var sampler in samplers)
            {
                using var drawn = SamplerBatch.Draw(sampler, sliced, 6, data.SampleShape, data.ValidationCondition, generator);
                Assert.Equal(DeviceType.META, drawn.Samples.device_type);
                Assert.Equal([6L, 3, 2], drawn.Samples.shape);
            }
            using var perExample = builder.Formalism.CreateLikelihood(2).PerExample(sliced, data.Validation, data.ValidationCondition, generator);
            Assert.Equal(DeviceType.META, perExample.device_type);
        }
    }

    /// <summary>A user oracle of the plain kind: one label per sample, the condition ignored.</summary>
    private sealed class FirstPointOnBoard : IOracle
    {
        public string Name => "first-point-on-board";

        public Tensor IsValid(Tensor samples)
        {
            using var scope = NewDisposeScope();
            return (samples[.., 0] >= -4).logical_and(samples[.., 0] < 4).all(1).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Checks that each slice's condition rows are the rows of its samples (x holds the row number).</summary>
    private sealed class RowCheckingDenoiser : IDenoiser
    {
        public List<long> SliceRows { get; } = [];

        public Tensor Denoise(Tensor x, Tensor sigma, Condition condition)
        {
            SliceRows.Add(x.shape[0]);
            using var rows = x[.., 0, 0];
            Assert.Equal(rows.data<float>().ToArray(), condition["row"].reshape(-1).data<float>().ToArray());
            using var first = condition["map"][.., 0, 0] / 4;
            Assert.Equal(rows.data<float>().ToArray(), first.data<float>().ToArray());
            return x.alias();
        }
    }

    private static void RandomiseZeroWeights(nn.Module module)
    {
        using var noGrad = no_grad();
        using var generator = new Generator(11);
        foreach (var parameter in module.parameters())
            if (parameter.count_nonzero().item<long>() == 0) parameter.normal_(0, 0.3, generator);
    }
}
