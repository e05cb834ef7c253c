using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Formalisms;
using GenNeg.Oracles;
using GenNeg.Sampling;
using GenNeg.Training;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Tests;

public class TrainingTests
{
    private static BaselineTraining Trainer() => new(NullLoggerFactory.Instance, Registries.CreateDefault());

    [Fact]
    public void Interrupted_and_resumed_training_ends_with_the_same_weights_as_an_uninterrupted_run()
    {
        using var folder = new TempFolder();
        var config = TestConfig.Parse(TinyRun.Yaml, ["train.checkpoint_every=1000"]);

        var straight = folder.Combine("straight");
        Trainer().Run(new BaselineTrainingRequest(config, straight, Resume: false));

        var interrupted = folder.Combine("interrupted");
        using var stop = new CancellationTokenSource();
        var stopAtStep25 = new TrainingCallbackProgress(p => { if (p.Step == 25) stop.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Trainer().Run(new BaselineTrainingRequest(config, interrupted, Resume: false), stopAtStep25, stop.Token));
        Assert.False(File.Exists(Path.Combine(interrupted, BaselineTraining.DenoiserFile)));
        Trainer().Run(new BaselineTrainingRequest(config, interrupted, Resume: true));

        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, BaselineTraining.DenoiserFile)),
                     File.ReadAllBytes(Path.Combine(interrupted, BaselineTraining.DenoiserFile)));
    }

    [Fact]
    public void A_new_run_refuses_a_folder_that_holds_another_run()
    {
        using var folder = new TempFolder();
        var config = TestConfig.Parse(TinyRun.Yaml, ["train.iterations=2"]);
        var run = folder.Combine("run");
        Trainer().Run(new BaselineTrainingRequest(config, run, Resume: false));
        var error = Assert.Throws<GenNegException>(() => Trainer().Run(new BaselineTrainingRequest(config, run, Resume: false)));
        Assert.Contains("is not empty; add --resume", error.Message);
        var changed = Assert.Throws<GenNegException>(() => Trainer().Run(new BaselineTrainingRequest(config with { Seed = 99 }, run, Resume: true)));
        Assert.Equal("cannot resume: the config differs from the run's config.yaml ('seed: 3' there, 'seed: 99' now)", changed.Message);
    }

    [Fact]
    public void Gathered_weights_are_the_modules_own_and_adam_over_them_matches_adam_per_tensor()
    {
        var config = TestConfig.Parse(TinyRun.Yaml);
        using var perTensor = TestModels.Denoiser(config.Model, 2, 7);
        using var gathered = TestModels.Denoiser(config.Model, 2, 7);
        using var flat = FlatParameters.Gather(gathered, withGradients: true);
        var count = gathered.parameters().Sum(p => p.numel());
        Assert.InRange(flat.Values.numel(), count, count + 16 * gathered.parameters().Count());

        // The module's weights are views into the buffer: writing the buffer writes them.
        using (no_grad()) flat.Values.add_(1);
        Assert.All(gathered.parameters().Zip(perTensor.parameters()), pair => Assert.True(pair.First.allclose(pair.Second + 1)));
        using (no_grad()) flat.Values.sub_(1);

        using var dataGenerator = new Generator(1);
        using var x = randn([64, 2], generator: dataGenerator);
        var loss = new DenoisingLoss(ModelFactory.Formalism(config.Model));

        // Autograd accumulates into the gradient buffer, and the gradients are those without gathering (up to rounding:
        // a weight gradient accumulated in place may be summed in another order than one handed over as computed).
        using (var noise = new Generator(2)) loss.Compute(perTensor, x, Condition.None, noise).mean().backward();
        using (var noise = new Generator(2)) loss.Compute(gathered, x, Condition.None, noise).mean().backward();
        Assert.All(gathered.parameters().Zip(perTensor.parameters()), pair => Assert.True(pair.First.grad!.allclose(pair.Second.grad!, rtol: 1e-5, atol: 1e-8)));
        Assert.True(flat.Gradients!.abs().sum().item<float>() > 0);

        // Given the same gradients, Adam over the buffer moves every weight as Adam per tensor does (to a unit in the
        // last place: the vectorised loops split the buffer where they split no single tensor).
        using var perTensorAdam = optim.Adam(perTensor.parameters(), 1e-2);
        using var flatAdam = optim.Adam([flat.Values], 1e-2);
        for (var step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            perTensorAdam.zero_grad();
            using (var noise = new Generator((ulong)step)) loss.Compute(perTensor, x, Condition.None, noise).mean().backward();
            using (no_grad())
                foreach (var (mine, theirs) in gathered.parameters().Zip(perTensor.parameters())) mine.grad!.copy_(theirs.grad!);
            perTensorAdam.step();
            flatAdam.step();
            Assert.All(gathered.parameters().Zip(perTensor.parameters()), pair => Assert.True(pair.First.allclose(pair.Second, rtol: 1e-6, atol: 1e-7)));
        }
    }

    [Fact]
    public void Live_tensor_count_stays_flat_across_training_steps()
    {
        var config = TestConfig.Parse(TinyRun.Yaml);
        using var folder = new TempFolder();
        using var model = TestModels.Denoiser(config.Model, 2, 0);
        using var generator = new Generator(0);
        using var data = randn([128, 2], generator: generator);
        var loss = new DenoisingLoss(ModelFactory.Formalism(config.Model));
        var counts = new List<long>();
        var options = new TrainingOptions(1000, 1e-3, 0, 0.9, 400);
        using var ema = TestModels.Denoiser(config.Model, 2, 0);
        new TrainingLoop(NullLogger<TrainingLoop>.Instance).Run(
            model, ema, g => loss.Compute(model, data, Condition.None, g).mean(), options, folder.Combine("state.ckpt"), generator,
            new CallbackProgress<TrainingProgress>(_ => counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount)));

        Assert.Equal(1000, counts.Count);
        Assert.All(counts.Skip(10), count => Assert.Equal(counts[10], count));
    }

    [Fact]
    public void Live_tensor_count_stays_flat_across_sampler_steps()
    {
        var counts = new List<long>();
        var counting = new CountingDenoiser(new GaussianDenoiser(1.0), counts);
        using var generator = new Generator(0);
        using var noise = randn([64, 2], generator: generator);
        using var samples = new HeunSampler(new HeunSettings(Steps: 1000)).Sample(counting, noise, Condition.None, generator);
        // Two evaluations per step except the last; compare each step's first evaluation.
        var perStep = counts.Where((_, i) => i % 2 == 0).ToList();
        Assert.All(perStep.Skip(2).SkipLast(1), count => Assert.Equal(perStep[2], count));
    }

    [Fact]
    public void Live_tensor_count_stays_flat_across_guided_sampler_steps()
    {
        random.manual_seed(1);
        using var classifier = new GenNeg.Guidance.TimeDependentClassifier(
            new GenNeg.Networks.ResidualMlp(new GenNeg.Networks.MlpShape(2, 1, Hidden: 16, Blocks: 1, TimeEmbedding: 8)), new EdmPreconditioning(1.0));
        foreach (var p in classifier.parameters()) p.requires_grad = false;
        var counts = new List<long>();
        // Evaluated in slices of 24 rows (of 64), as loaded stages are.
        var guided = new ChunkedDenoiser(new GenNeg.Guidance.GuidedDenoiser(new GaussianDenoiser(1.0), [classifier]), rows: 24);
        var counting = new CountingDenoiser(guided, counts);
        using var generator = new Generator(0);
        using var noise = randn([64, 2], generator: generator);
        using var samples = new HeunSampler(new HeunSettings(Steps: 1000)).Sample(counting, noise, Condition.None, generator);
        var perStep = counts.Where((_, i) => i % 2 == 0).ToList();
        Assert.All(perStep.Skip(2).SkipLast(1), count => Assert.Equal(perStep[2], count));
    }

    [Theory]
    [InlineData("ancestral")]
    [InlineData("ddim")]
    public void Live_tensor_count_stays_flat_across_ddpm_sampler_steps(string name)
    {
        random.manual_seed(1);
        var formalism = new DdpmFormalism(DdpmSchedule.Linear(1000));
        using var classifier = new GenNeg.Guidance.TimeDependentClassifier(
            new GenNeg.Networks.ResidualMlp(new GenNeg.Networks.MlpShape(2, 1, Hidden: 16, Blocks: 1, TimeEmbedding: 8)), formalism.Preconditioning);
        foreach (var p in classifier.parameters()) p.requires_grad = false;
        var counts = new List<long>();
        var counting = new CountingDenoiser(new GenNeg.Guidance.GuidedDenoiser(new GaussianDenoiser(1.0), [classifier]), counts);
        var sampler = formalism.CreateSampler(new SamplerConfig { Name = name, Steps = 1000, Eta = 1 });
        using var generator = new Generator(0);
        using var noise = randn([64, 2], generator: generator);
        using var samples = sampler.Sample(counting, noise, Condition.None, generator);
        Assert.Equal(1000, counts.Count);
        Assert.All(counts.Skip(2), count => Assert.Equal(counts[2], count));
    }

    private sealed class CountingDenoiser(IDenoiser inner, List<long> counts) : IDenoiser
    {
        public Tensor Denoise(Tensor x, Tensor sigma, Condition condition)
        {
            counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            return inner.Denoise(x, sigma, Condition.None);
        }
    }
}

internal sealed class CallbackProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
