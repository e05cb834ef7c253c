using GenNeg.Runs;

namespace GenNeg.Tests;

public class ImportanceIterationTests
{
    private const string TinyGenneg =
        "genneg: { per_class: 40, min_per_class: 10, draw_batch_size: 200, max_draws: 20000, classifier: { iterations: 30, batch_size: 128, learning_rate: 3.0e-3, checkpoint_every: 10 } }\n";

    private static (int Code, string Output, string Error) Cli(params string[] args) => ReliabilityTests.Cli(args);

    private static string Succeeds(params string[] args)
    {
        var (code, output, error) = Cli(args);
        Assert.True(code == 0, error);
        return output + error;
    }

    private static string TrainTinyBaseline(TempFolder folder, params string[] overrides)
    {
        var config = TinyRun.WriteConfig(folder, TinyRun.Yaml + "\n" + TinyGenneg);
        var run = folder.Combine("run");
        Succeeds(["train-baseline", "--config", config, "--run", run, "--set", "train.iterations=40", .. overrides.SelectMany(o => new[] { "--set", o })]);
        return run;
    }

    [Fact]
    public void Iterate_with_sis_draws_a_weighted_balanced_set_from_the_baseline_towards_the_stack_and_records_it()
    {
        using var folder = new TempFolder();
        var run = TrainTinyBaseline(folder);
        // genneg.sis.classifier_iterations sets the classifier's steps for SIS sets only.
        var printed = Succeeds("iterate", "--run", run, "--set", "genneg.sis.classifier_iterations=50");
        Assert.Contains("Trained 30 steps", printed);
        printed = Succeeds("iterate", "--run", run, "--draw", "sis", "--set", "genneg.sis.min_ess_fraction=1", "--set", "genneg.sis.classifier_iterations=50");
        Assert.Contains("Classifier trained 50 steps on the weighted set (genneg.sis.classifier_iterations)", printed);
        Assert.Contains("Trained 50 steps", printed);

        Assert.Contains("genneg-2: drawn by sequential importance sampling from baseline with euler_maruyama over 8 steps", printed);
        Assert.Contains("warning: genneg-2: the valid class's effective sample size", printed);
        var stage = RunFolder.Open(run).LoadManifest().Find("genneg-2")!;
        var classifier = stage.Classifiers[1];
        var sis = Assert.IsType<ImportanceDrawingRecord>(classifier.Importance);
        Assert.Equal(("baseline", "euler_maruyama", 8), (sis.Proposal, sis.Sampler, sis.Steps));
        Assert.Equal((40L, 40L), (classifier.TrainPositives, classifier.TrainNegatives));
        Assert.InRange(sis.PositiveEss, 1, 40);
        Assert.InRange(sis.NegativeEss, 1, 40);
        Assert.True(sis.PositiveEss < 40, "the stack and the baseline differ, so the weights do");
        Assert.InRange(classifier.Alpha, 0, 1);
        Assert.Null(stage.Classifiers[0].Importance);
        Assert.Contains("draw: sis", File.ReadAllText(Path.Combine(run, "genneg-2/config.yaml")));

        // The drawing table and picture: one row per iteration, each with its method, counts and ESS.
        var plot = folder.Combine("drawing.png");
        var table = Succeeds("stages", "--run", run, "--compare", run, "--plot", plot);
        Assert.Contains($"| run | 1 | standard | {stage.Classifiers[0].Drawn:N0} | 40 + 40 | - / - |", table);
        Assert.Contains($"| run | 2 | sis from baseline (euler_maruyama, 8 steps) | {classifier.Drawn:N0} | 40 + 40 | {sis.PositiveEss:N0} / {sis.NegativeEss:N0} |", table);
        Assert.Contains($"| {classifier.Alpha:F4} | {classifier.DrawSeconds:F0} | {classifier.TrainSeconds:F0} | ", table);   // drawing, then training time
        Assert.Equal(4, table.Split('\n').Count(line => System.Text.RegularExpressions.Regex.IsMatch(line, @"^\| run \| \d")));   // 2 iterations x 2 runs
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(plot)[..4]);
        var (code, _, error) = Cli("stages", "--run", run, "--compare", folder.Combine("missing"));
        Assert.NotEqual(0, code);
        Assert.Contains("missing", error);
        Assert.DoesNotContain("   at ", error);

        // The evaluation's own Heun sampler, on its churned points, draws when asked.
        printed = Succeeds("iterate", "--run", run, "--draw", "sis", "--set", "genneg.sis.sampler=heun");
        Assert.Contains("genneg-3: drawn by sequential importance sampling from baseline with heun over 8 steps", printed);
        var heun = RunFolder.Open(run).LoadManifest().Find("genneg-3")!.Classifiers[2].Importance!;
        Assert.Equal(("baseline", "heun", 8), (heun.Proposal, heun.Sampler, heun.Steps));
        Assert.True(heun.PositiveEss < 40, "the stack and the baseline differ, so the weights do");
    }

    [Fact]
    public void Sis_on_ddpm_with_the_model_as_its_own_proposal_gives_equal_weights_and_the_plain_valid_rate()
    {
        using var folder = new TempFolder();
        var run = TrainTinyBaseline(folder, "model.formalism=ddpm", "model.timesteps=50", "sampler.name=ddim", "sampler.steps=10");
        var printed = Succeeds("iterate", "--run", run, "--draw", "sis", "--proposal", "current", "--set", "genneg.sis.proposal_guidance_scale=0");

        Assert.Contains("from current with ancestral over 10 steps", printed);
        Assert.DoesNotContain("warning:", printed);
        var classifier = RunFolder.Open(run).LoadManifest().Find("genneg-1")!.Classifiers[0];
        var sis = classifier.Importance!;
        // Proposal = target: every weight is 1, so each class's ESS is its size and alpha is the plain valid fraction.
        Assert.Equal(40, sis.PositiveEss, 9);
        Assert.Equal(40, sis.NegativeEss, 9);
        Assert.Equal((double)classifier.PositivesDrawn / classifier.Drawn, classifier.Alpha, 12);
    }

    [Fact]
    public void Sis_refuses_an_unknown_proposal_before_any_work_and_sharded_drawing_clearly()
    {
        using var folder = new TempFolder();
        var run = TrainTinyBaseline(folder);

        var (code, _, error) = Cli("iterate", "--run", run, "--draw", "sis", "--proposal", "genneg-7");
        Assert.Equal(2, code);
        Assert.Contains("error: config key 'genneg.sis.proposal': run folder", error);
        Assert.Contains("has no stage 'genneg-7'", error);
        Assert.False(Directory.Exists(Path.Combine(run, "genneg-1")));

        (code, _, error) = Cli("iterate", "--run", run, "--draw", "importance");
        Assert.Equal(2, code);
        Assert.Contains("config key 'genneg.draw' must be one of standard, sis", error);

        (code, _, error) = Cli("iterate", "--run", run, "--draw", "sis", "--set", "genneg.ablation=imbalanced");
        Assert.Equal(2, code);
        Assert.Contains("draws balanced sets only", error);

        (code, _, error) = Cli("draw", "--run", run, "--shard", "0", "--shards", "2", "--set", "genneg.draw=sis");
        Assert.Equal(2, code);
        Assert.Contains("error: genneg draw shards only the standard drawing", error);
    }
}
