using GenNeg.Runs;
using static GenNeg.Tests.ReliabilityTests;

namespace GenNeg.Tests;

/// <summary>After training diverges, doing what the error says works: it never leads back to the same error or a refusal.</summary>
public class DivergenceAdviceTests
{
    /// <summary>A learning rate at which every training here diverges within its first steps.</summary>
    private const string HugeRate = "1e30";

    [Fact]
    public void After_a_new_run_diverges_the_same_command_with_a_lower_rate_trains_it()
    {
        using var folder = new TempFolder();
        var run = folder.Combine("run");
        var config = TinyRun.WriteConfig(folder, Yaml);
        var diverged = ReliabilityTests.Cli("train-baseline", "--config", config, "--run", run, "--set", "train.iterations=20", "--set", $"train.learning_rate={HugeRate}");
        Assert.Equal(2, diverged.Code);
        var line = ErrorLine(diverged.Error);
        Assert.StartsWith("error: training diverged at step ", line);
        Assert.EndsWith("and run train-baseline again with the same --run (this attempt's files were removed)", line);

        var again = ReliabilityTests.Cli("train-baseline", "--config", config, "--run", run, "--set", "train.iterations=20");
        Assert.True(again.Code == 0, again.Error);
        Assert.Equal("baseline", RunFolder.Open(run).LoadManifest().Latest.Name);
    }

    [Fact]
    public void After_a_distillation_diverges_distill_with_a_lower_rate_runs()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        // A trained classifier: an untrained one guides by nothing, and a student matching its teacher exactly never moves.
        Assert.Equal(0, ReliabilityTests.Cli("iterate", "--run", run).Code);
        string[] quick = ["--set", "distill.iterations=20", "--set", "distill.batch_size=64", "--set", "distill.checkpoint_every=10"];
        var diverged = ReliabilityTests.Cli(["distill", "--run", run, .. quick, "--set", $"distill.learning_rate={HugeRate}"]);
        Assert.True(diverged.Code == 2, diverged.Output + diverged.Error);
        var line = ErrorLine(diverged.Error);
        Assert.StartsWith("error: training diverged at step ", line);
        Assert.EndsWith("and run distill again (this attempt's folder 'distilled-1' was removed)", line);
        Assert.False(Directory.Exists(Path.Combine(run, "distilled-1")));

        var again = ReliabilityTests.Cli(["distill", "--run", run, .. quick]);
        Assert.True(again.Code == 0, again.Error);
        Assert.Equal("distilled-1", RunFolder.Open(run).LoadManifest().Latest.Name);
    }

    [Fact]
    public void After_a_classifier_diverges_the_discard_and_rate_it_names_run_the_iteration()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var diverged = ReliabilityTests.Cli("iterate", "--run", run, "--set", $"genneg.classifier.learning_rate={HugeRate}");
        Assert.Equal(2, diverged.Code);
        var line = ErrorLine(diverged.Error);
        Assert.StartsWith("error: training diverged at step ", line);
        Assert.Contains($"discard this iteration with: genneg iterate --run {run} --discard, then run iterate with a lower genneg.classifier.learning_rate", line);

        Assert.Equal(0, ReliabilityTests.Cli("iterate", "--run", run, "--discard").Code);
        var again = ReliabilityTests.Cli("iterate", "--run", run);
        Assert.True(again.Code == 0, again.Error);
        Assert.Equal("genneg-1", RunFolder.Open(run).LoadManifest().Latest.Name);
    }
}
