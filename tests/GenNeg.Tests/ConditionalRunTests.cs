using GenNeg.Configuration;
using GenNeg.Guidance;
using GenNeg.Networks;
using GenNeg.Runs;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace GenNeg.Tests;

/// <summary>The whole method on a shaped, conditioned problem (<see cref="PointSetsDataSet"/>), through the library as a user drives it.</summary>
public class ConditionalRunTests
{
    private const string Yaml = """
        seed: 5
        oracle: point-sets
        data: { name: point-sets, train_size: 256, validation_size: 200, seed: 1, validation_seed: 2 }
        model: { hidden: 32, blocks: 1, time_embedding: 16, timesteps: 50 }
        train: { iterations: 60, batch_size: 128, learning_rate: 2.0e-3, checkpoint_every: 30 }
        sampler: { steps: 6, churn: 10, eta: 1, batch_size: 300 }
        evaluate: { samples: 300, mmd_samples: 100, elbo_noise_draws: 2 }
        genneg: { per_class: 30, min_per_class: 10, draw_batch_size: 200, max_draws: 20000, classifier: { iterations: 20, batch_size: 64, checkpoint_every: 10 } }
        distill: { iterations: 10, batch_size: 128, checkpoint_every: 10 }
        """;

    [Theory]
    [InlineData("edm", "heun")]
    [InlineData("ddpm", "ddim")]
    public void Sets_of_points_with_a_condition_run_through_train_iterate_distill_sample_and_evaluate_with_both_heads(string formalism, string sampler)
    {
        using var folder = new TempFolder();
        var run = folder.Combine("run");
        var registries = Registries.CreateDefault();
        registries.DataSets.Register(new PointSetsDataSet());
        registries.Oracles.Register("point-sets", () => new PointSetsOracle());
        var loggers = NullLoggerFactory.Instance;
        var config = TestConfig.Parse(Yaml, [$"model.formalism={formalism}", $"sampler.name={sampler}"]);

        new BaselineTraining(loggers, registries).Run(new BaselineTrainingRequest(config, run, Resume: false));
        var iteration = new GenNegIteration(loggers, registries);
        var byElement = iteration.Run(new IterationRequest(run));
        var bySample = iteration.Run(new IterationRequest(run, ["genneg.head=by_sample"]));
        var (distilled, _) = new Distillation(loggers, registries).Run(new DistillationRequest(run));
        var csv = folder.Combine("sets.csv");
        var png = folder.Combine("sets.png");
        var sampled = new SampleExport(NullLogger<SampleExport>.Instance, registries).Run(new SampleRequest(run, 150, csv, png, Stage: "genneg-2"));
        var metrics = new Evaluation(NullLogger<Evaluation>.Instance, registries).Run(new EvaluationRequest(run, "genneg-2"));

        var manifest = RunFolder.Open(run).LoadManifest();
        Assert.Equal(RunManifest.CurrentFormat, manifest.Format);
        Assert.Equal([3L, 2], manifest.Data!.SampleShape);
        Assert.Equal(["parity [1]"], manifest.Data.Conditions);
        Assert.Equal([3L], manifest.Data.ElementShape);
        Assert.Equal([ClassifierHead.ByElement, ClassifierHead.BySample], manifest.Find("genneg-2")!.Classifiers.Select(c => c.Head));
        Assert.Equal(byElement.Classifier, manifest.Find("genneg-2")!.Classifiers[0]);
        Assert.Equal("distilled-1", distilled.Name);
        Assert.Equal("genneg-2", bySample.Stage.Name);

        // The synthetic set stores each set's condition and its points' labels: every negative has an invalid point.
        using (var generator = new Generator(0))
        using (var set = SyntheticSet.Load(Path.Combine(run, "genneg-1", "draws.bin"), generator))
        {
            Assert.Equal([set.Negatives.Count, 1], set.Negatives.Condition["parity"].shape);
            Assert.False(set.Negatives.ElementValid.all(1).any().item<bool>());
            Assert.True(set.Positives.ElementValid.all().item<bool>());
        }

        // Per-sample, per-element and per-reason rates, consistent with each other and with the saved samples.
        Assert.NotNull(metrics.ElementInfractionRate);
        var element = metrics.ElementInfractionRate!.Value;
        Assert.InRange(metrics.InfractionRate, element, 3 * element);
        Assert.Equal(["empty_cell", "off_board"], metrics.InfractionsByReason!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(element, metrics.InfractionsByReason.Values.Sum(r => r.Elements), 9);
        var rows = File.ReadAllLines(Path.Combine(run, EvaluationSamples.CsvFile("genneg-2")));
        Assert.Equal("x0,x1,x2,x3,x4,x5,valid", rows[0]);
        Assert.Equal(metrics.InfractionRate, rows.Skip(1).Count(r => r.EndsWith(",0", StringComparison.Ordinal)) / 300.0, 9);

        Assert.Equal(151, File.ReadAllLines(csv).Length);
        Assert.Equal(sampled.InfractionRate, File.ReadAllLines(csv).Skip(1).Count(r => r.EndsWith(",0", StringComparison.Ordinal)) / 150.0, 9);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);
    }
}
