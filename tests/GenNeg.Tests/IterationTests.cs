using System.Text.Json;
using GenNeg.Cli;
using GenNeg.Oracles;
using GenNeg.Runs;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace GenNeg.Tests;

public class IterationTests
{
    private const string TinyGenneg =
        "genneg: { per_class: 40, min_per_class: 10, draw_batch_size: 200, max_draws: 20000, classifier: { iterations: 30, batch_size: 128, learning_rate: 3.0e-3, checkpoint_every: 10 } }\n";

    private static int Cli(params string[] args)
    {
        var error = new StringWriter();
        var code = GenNegCli.Run(args, new StringWriter(), error);
        Assert.True(code == 0, error.ToString());
        return code;
    }

    private static string TrainTinyBaseline(TempFolder folder)
    {
        var config = TinyRun.WriteConfig(folder, TinyRun.Yaml + "\n" + TinyGenneg);
        var run = folder.Combine("run");
        Cli("train-baseline", "--config", config, "--run", run, "--set", "train.iterations=40");
        return run;
    }

    [Fact]
    public void Iterate_adds_stacked_stages_end_to_end_on_a_tiny_budget()
    {
        using var folder = new TempFolder();
        var run = TrainTinyBaseline(folder);
        Cli("evaluate", "--run", run, "--stage", "baseline");

        Cli("iterate", "--run", run, "--oracle", "checkerboard");
        Cli("iterate", "--run", run, "--per-class", "30");

        var manifest = RunFolder.Open(run).LoadManifest();
        Assert.Equal(["baseline", "genneg-1", "genneg-2"], manifest.Stages.Select(s => s.Name));
        var second = manifest.Find("genneg-2")!;
        Assert.Equal(2, second.Classifiers.Count);
        Assert.Equal("baseline/denoiser.bin", second.Denoiser);
        var first = second.Classifiers[0];
        Assert.Equal(manifest.Find("genneg-1")!.Classifiers[0], first);
        Assert.Equal(40, first.TrainPositives);
        Assert.Equal(40, first.TrainNegatives);
        Assert.Equal(30, second.Classifiers[1].TrainNegatives);
        // alpha estimates the baseline's valid rate from all the draws; the baseline's evaluation estimates it from its
        // own samples: the two agree within four standard errors.
        var baselineRate = 1 - StageMetrics.Recorded(RunFolder.Open(run))["baseline"].InfractionRate;
        Assert.Equal(baselineRate, first.Alpha, 4 * Math.Sqrt(baselineRate * (1 - baselineRate) * (1.0 / first.Drawn + 1.0 / 500)));
        foreach (var file in new[] { "genneg-1/draws.bin", "genneg-1/classifier.bin", "genneg-1/config.yaml", "genneg-2/classifier.bin" })
            Assert.True(File.Exists(Path.Combine(run, file)), file);
        Assert.Contains("per_class: 30", File.ReadAllText(Path.Combine(run, "genneg-2/config.yaml")));

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        Assert.Equal(2, metrics.RootElement.GetProperty("genneg-2").GetProperty("classifiers").GetInt32());

        // Every command reads the stack from the manifest; --stage picks an earlier one.
        var csv = folder.Combine("s.csv");
        Cli("sample", "--run", run, "-n", "50", "--out", csv, "--stage", "genneg-1");
        Assert.Equal(51, File.ReadAllLines(csv).Length);
        Cli("evaluate", "--run", run, "--stage", "baseline", "--samples", "100");

        var listing = new StringWriter();
        Assert.Equal(0, GenNegCli.Run(["stages", "--run", run], listing, new StringWriter()));
        var lines = listing.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("genneg-2", lines[2]);
        Assert.Contains($"alphas {first.Alpha:F4}, ", lines[2]);
        Assert.Contains("infraction rate", lines[2]);
    }

    [Fact]
    public void One_iteration_on_a_tiny_budget_lowers_the_infraction_rate_beyond_chance()
    {
        using var folder = new TempFolder();
        var config = TinyRun.WriteConfig(folder, TinyRun.Yaml + "\n" +
            "genneg: { per_class: 300, min_per_class: 10, draw_batch_size: 1000, max_draws: 50000, classifier: { iterations: 300, batch_size: 256, learning_rate: 3.0e-3, checkpoint_every: 100 } }\n");
        var run = folder.Combine("run");
        Cli("train-baseline", "--config", config, "--run", run, "--set", "train.iterations=300", "--set", "evaluate.samples=4000");
        var registries = Registries.CreateDefault();
        var before = new Evaluation(NullLogger<Evaluation>.Instance, registries).Run(new EvaluationRequest(run, "baseline"));
        var after = new GenNegIteration(NullLoggerFactory.Instance, registries).Run(new IterationRequest(run)).Metrics;

        // Two independent estimates from 4,000 samples each: the drop must exceed four standard errors of the difference.
        static double Variance(double p, long n) => p * (1 - p) / n;
        var standardError = Math.Sqrt(Variance(before.InfractionRate, before.Samples) + Variance(after.InfractionRate, after.Samples));
        Assert.True(before.InfractionRate - after.InfractionRate > 4 * standardError,
            $"infraction rate {before.InfractionRate:P2} -> {after.InfractionRate:P2} (standard error of the difference {standardError:P2})");
    }

    [Fact]
    public void Iteration_stops_with_a_message_when_the_model_never_makes_an_infraction()
    {
        using var folder = new TempFolder();
        var run = TrainTinyBaseline(folder);
        var registries = Registries.CreateDefault();
        registries.Oracles.Register("always-valid", () => new AlwaysValid());
        var iteration = new GenNegIteration(NullLoggerFactory.Instance, registries);

        var error = Assert.Throws<GenNegException>(() =>
            iteration.Run(new IterationRequest(run, ["oracle=always-valid", "genneg.max_draws=400"])));
        Assert.Equal("drew 400 samples and found 400 valid and 0 invalid, short of 10 of each: the model almost never produces " +
                     "the rarer class; raise genneg.max_draws or lower genneg.min_per_class", error.Message);
        Assert.Equal(["baseline"], RunFolder.Open(run).LoadManifest().Stages.Select(s => s.Name));
        // The time spent drawing is kept for the resumed iteration, which records the whole drawing time.
        var state = File.ReadAllText(Path.Combine(run, "genneg-1", "iteration.json"));
        var earlier = System.Text.Json.JsonDocument.Parse(state).RootElement.GetProperty("earlier_draw_seconds").GetDouble();
        Assert.True(earlier > 0, state);
    }

    [Fact]
    public void Ablations_and_the_time_independent_classifier_run()
    {
        using var folder = new TempFolder();
        var run = TrainTinyBaseline(folder);
        Cli("iterate", "--run", run, "--set", "genneg.ablation=imbalanced");
        Cli("iterate", "--run", run, "--stage", "baseline", "--set", "genneg.ablation=no_importance_weights", "--set", "genneg.time_independent=true");
        var manifest = RunFolder.Open(run).LoadManifest();
        var imbalanced = manifest.Find("genneg-1")!.Classifiers.Single();
        Assert.Equal("imbalanced", imbalanced.Ablation);
        Assert.Equal(80, imbalanced.Drawn);
        Assert.Equal(80, imbalanced.TrainPositives + imbalanced.TrainNegatives);
        var timeIndependent = manifest.Find("genneg-2")!.Classifiers.Single();   // built on the baseline, not on genneg-1
        Assert.True(timeIndependent.TimeIndependent);
        Assert.Equal("no_importance_weights", timeIndependent.Ablation);
    }

    [Fact]
    public void Ddpm_runs_take_the_time_independent_ablation_and_the_sample_command()
    {
        using var folder = new TempFolder();
        var config = TinyRun.WriteConfig(folder, TinyRun.Yaml + "\n" + TinyGenneg);
        var run = folder.Combine("run");
        Cli("train-baseline", "--config", config, "--run", run, "--set", "train.iterations=40",
            "--set", "model.formalism=ddpm", "--set", "model.timesteps=100", "--set", "sampler.name=ancestral");
        Cli("iterate", "--run", run, "--set", "genneg.time_independent=true");
        Assert.True(RunFolder.Open(run).LoadManifest().Find("genneg-1")!.Classifiers.Single().TimeIndependent);

        var samples = folder.Combine("samples.csv");
        Cli("sample", "--run", run, "-n", "50", "--out", samples);
        var rows = File.ReadAllLines(samples);
        Assert.Equal(51, rows.Length);
        Assert.All(rows.Skip(1), row => Assert.All(row.Split(',')[..2], v => Assert.True(double.IsFinite(double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)))));
    }

    [Theory]
    [InlineData("edm")]
    [InlineData("ddpm")]
    public void Dlsm_classifiers_train_and_every_stage_gets_an_exact_nll_on_request(string formalism)
    {
        using var folder = new TempFolder();
        var config = TinyRun.WriteConfig(folder, TinyRun.Yaml + "\n" + TinyGenneg);
        var run = folder.Combine("run");
        var ddpm = formalism == "ddpm" ? new[] { "--set", "model.formalism=ddpm", "--set", "model.timesteps=100", "--set", "sampler.name=ancestral" } : [];
        Cli(["train-baseline", "--config", config, "--run", run, "--set", "train.iterations=40", .. ddpm]);
        var exact = new[] { "--set", "evaluate.likelihood=exact", "--set", "evaluate.likelihood_samples=20", "--set", "evaluate.ode_solver=fixed",
            "--set", "evaluate.ode_steps=4" };
        Cli(["iterate", "--run", run, "--set", "genneg.classifier.loss=dlsm", .. exact]);
        Cli(["iterate", "--run", run, "--set", "genneg.classifier.loss=dlsm_ce", "--set", "genneg.classifier.cross_entropy_weight=0.5", .. exact]);
        Assert.Contains("loss: dlsm_ce", File.ReadAllText(Path.Combine(run, "genneg-2/config.yaml")));
        // Iterations measure the bound only; evaluate adds the exact NLL on request, with each stage's own settings.
        using (var bound = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json"))))
            Assert.False(bound.RootElement.GetProperty("genneg-2").TryGetProperty("exact_nll", out _));
        foreach (var stage in new[] { "genneg-1", "genneg-2" })
            Cli("evaluate", "--run", run, "--stage", stage, "--samples", "100");
        Cli("evaluate", "--run", run, "--stage", "baseline", "--samples", "100", "--likelihood", "exact");

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        foreach (var stage in new[] { "genneg-1", "genneg-2" })
        {
            var nll = metrics.RootElement.GetProperty(stage).GetProperty("exact_nll");
            Assert.True(double.IsFinite(nll.GetProperty("nats").GetDouble()), stage);
            Assert.Equal(20, nll.GetProperty("examples").GetInt64());
            Assert.Equal(1 + 6 * 4, nll.GetProperty("evaluations_per_example").GetDouble());
            Assert.Equal("exact", nll.GetProperty("divergence").GetString());
        }
        // evaluate --likelihood exact on the run's own settings: the adaptive solver on the whole (300-point) held-out set.
        var baseline = metrics.RootElement.GetProperty("baseline").GetProperty("exact_nll");
        Assert.Equal(300, baseline.GetProperty("examples").GetInt64());
        Assert.True(baseline.GetProperty("evaluations_per_example").GetDouble() > 1 + 6 * 4);
    }

    private sealed class AlwaysValid : IOracle
    {
        public string Name => "always-valid";
        public Tensor IsValid(Tensor samples) => ones(samples.shape[0], dtype: ScalarType.Bool);
    }
}
