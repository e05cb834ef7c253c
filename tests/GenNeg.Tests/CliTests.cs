using System.Text.Json;
using GenNeg.Cli;

namespace GenNeg.Tests;

public class CliTests
{
    internal static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = GenNegCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static void AssertOneLineError(string[] args, string expected)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(2, code);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Equal("error: " + expected, lines[0].TrimEnd());
    }

    [Fact]
    public void Help_lists_the_commands_and_describes_every_option()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        foreach (var command in new[] { "train-baseline", "iterate", "distill", "rescale", "pipeline", "sample", "evaluate", "stages" }) Assert.Contains(command, output);

        var train = Run("train-baseline", "--help").Output;
        Assert.Contains("--resume", train);
        Assert.Contains("Continue an interrupted run", train);
        Assert.Contains("--set", train);
        Assert.Contains("Override a config key", train);
        var iterate = Run("iterate", "--help").Output;
        Assert.Contains("--per-class", iterate);
        Assert.Contains("Oracle that labels samples", iterate);
        var sample = Run("sample", "--help").Output;
        Assert.Contains("PNG picture of the samples", sample);
        Assert.Contains("--device", sample);
        Assert.Contains("Number of samples", sample);
    }

    [Fact]
    public void Unknown_options_are_a_usage_error()
    {
        var (code, _, error) = Run("sample", "--run", "x", "--bogus");
        Assert.Equal(2, code);
        Assert.StartsWith("error: Unrecognized command or argument '--bogus'", error);
    }

    [Fact]
    public void Bad_inputs_get_one_line_errors()
    {
        using var folder = new TempFolder();
        var run = folder.Combine("run");
        var config = TinyRun.WriteConfig(folder);
        var malformed = folder.Combine("bad.yaml");
        File.WriteAllText(malformed, "train: [1, 2\n");

        AssertOneLineError(["train-baseline", "--config", folder.Combine("missing.yaml"), "--run", run],
            $"config file '{folder.Combine("missing.yaml")}' not found");
        AssertOneLineError(["train-baseline", "--config", malformed, "--run", run],
            "bad.yaml: malformed YAML at line 2, column 1: While parsing a flow sequence, did not find expected ',' or ']'.");
        AssertOneLineError(["train-baseline", "--config", config, "--run", run, "--set", "train.iteration=5"],
            "unknown config key 'train.iteration' (did you mean 'train.iterations'?)");
        AssertOneLineError(["train-baseline", "--config", config, "--run", run, "--set", "train.iterations=lots"],
            "config key 'train.iterations' must be a whole number, got 'lots'");
        AssertOneLineError(["train-baseline", "--config", config, "--run", run, "--set", "oracle=ring"],
            "unknown oracle 'ring'; known oracles: checkerboard, external, ground_penetration, traffic");
        AssertOneLineError(["train-baseline", "--run", run],
            "--config is required for a new run (with --resume the run's own config.yaml is used)");
        AssertOneLineError(["evaluate", "--run", folder.Combine("nowhere")],
            $"run folder '{folder.Combine("nowhere")}' does not exist");
        AssertOneLineError(["sample", "--run", folder.Path, "-n", "5"],
            $"run folder '{folder.Path}' has no config.yaml; is it a GenNeg run?");
        AssertOneLineError(["sample", "--run", run, "-n", "0"], "-n must be at least 1, got 0");
        AssertOneLineError(["sample", "--run", run, "-n", "5", "--out", folder.Combine("no", "such", "s.csv")],
            $"cannot write '{folder.Combine("no", "such", "s.csv")}': folder '{folder.Combine("no", "such")}' does not exist");

        // A run folder whose training never finished has no stage to sample.
        Directory.CreateDirectory(run);
        File.Copy(config, Path.Combine(run, "config.yaml"));
        AssertOneLineError(["sample", "--run", run, "-n", "5"], $"run folder '{run}' has no trained model yet; run train-baseline first");
        Assert.False(File.Exists(Path.Combine(run, "manifest.json")));
    }

    [Fact]
    public void Train_sample_evaluate_end_to_end_on_a_tiny_budget()
    {
        using var folder = new TempFolder();
        var run = folder.Combine("runs", "tiny");
        var config = TinyRun.WriteConfig(folder);

        var train = Run("train-baseline", "--config", config, "--run", run, "--set", "train.iterations=40");
        Assert.True(train.Code == 0, train.Error);
        Assert.Contains("iterations: 40", File.ReadAllText(Path.Combine(run, "config.yaml")));
        Assert.True(File.Exists(Path.Combine(run, "log.txt")));

        var csv = folder.Combine("samples.csv");
        var png = folder.Combine("samples.png");
        var sample = Run("sample", "--run", run, "-n", "300", "--out", csv, "--plot", png);
        Assert.True(sample.Code == 0, sample.Error);
        var rows = File.ReadAllLines(csv);
        Assert.Equal("x0,x1,valid", rows[0]);
        Assert.Equal(301, rows.Length);
        Assert.All(rows.Skip(1), row => Assert.Matches(@"^-?[\d.E+-]+,-?[\d.E+-]+,[01]$", row));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);

        var evaluate = Run("evaluate", "--run", run, "--json");
        Assert.True(evaluate.Code == 0, evaluate.Error);
        using var json = JsonDocument.Parse(evaluate.Output);
        var root = json.RootElement;
        foreach (var key in new[] { "infraction_rate", "mmd", "elbo", "samples", "sampling_steps", "seconds" })
            Assert.True(root.TryGetProperty(key, out _), $"missing {key}");
        Assert.Equal(500, root.GetProperty("samples").GetInt64());
        Assert.Equal(8, root.GetProperty("sampling_steps").GetInt32());
        Assert.Equal(Recount.InfractionRate(run, root.GetProperty("stage").GetString()!), root.GetProperty("infraction_rate").GetDouble(), 12);

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        Assert.Equal(root.GetProperty("mmd").GetDouble(), metrics.RootElement.GetProperty("baseline").GetProperty("mmd").GetDouble());
        // The checkerboard has no realism features, so its figures keep their keys.
        Assert.False(metrics.RootElement.GetProperty("baseline").TryGetProperty("realism", out _));

        // Same seed, same numbers.
        var again = Run("evaluate", "--run", run, "--json");
        using var againJson = JsonDocument.Parse(again.Output);
        Assert.Equal(root.GetProperty("infraction_rate").GetDouble(), againJson.RootElement.GetProperty("infraction_rate").GetDouble());
        Assert.Equal(root.GetProperty("elbo").GetDouble(), againJson.RootElement.GetProperty("elbo").GetDouble());
    }
}
