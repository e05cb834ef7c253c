using GenNeg.Runs;
using GenNeg.Workflows;

namespace GenNeg.Tests;

/// <summary>genneg compare: evaluated stages of several runs in one table and one picture.</summary>
public class CompareCommandTests
{
    private static (int Code, string Output, string Error) Cli(params string[] args) => ReliabilityTests.Cli(args);

    private static string Succeeds(params string[] args)
    {
        var (code, output, error) = Cli(args);
        Assert.True(code == 0, error);
        return output + error;
    }

    [Fact]
    public void Two_runs_side_by_side_give_one_row_each_with_their_recorded_figures_and_a_picture()
    {
        using var folder = new TempFolder();
        var config = TinyRun.WriteConfig(folder);
        var (short_, long_) = (folder.Combine("short"), folder.Combine("long"));
        Succeeds("train-baseline", "--config", config, "--run", short_, "--set", "train.iterations=20");
        Succeeds("train-baseline", "--config", config, "--run", long_, "--set", "train.iterations=60");
        Succeeds("evaluate", "--run", short_);
        Succeeds("evaluate", "--run", long_, "--stage", "baseline");

        var (markdown, plot) = (folder.Combine("table.md"), folder.Combine("table.png"));
        var printed = Succeeds("compare", "--entry", $"20 steps={short_}", "--entry", $"{long_}:baseline", "--markdown", markdown, "--plot", plot);
        var recorded = StageMetrics.Recorded(RunFolder.Open(short_))["baseline"];
        var rows = File.ReadAllLines(markdown);
        Assert.Equal(4, rows.Length);   // header, alignment, two entries
        Assert.StartsWith("| run | stage | infraction rate | elements | MMD | ELBO | samples |", rows[0]);
        Assert.Equal(FormattableString.Invariant(
            $"| 20 steps | baseline | {recorded.InfractionRate * 100:F2} % | - | {recorded.Mmd:0.00000} ± {recorded.MmdStandardError:0.00000} | {recorded.Elbo:F3} ± {recorded.ElboStandardError:F3} | 500 |"), rows[2]);
        Assert.StartsWith("| long | baseline |", rows[3]);   // the run folder's name when no label is given
        Assert.Contains(rows[3], printed);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(plot)[..4]);
    }

    [Fact]
    public void A_stage_without_figures_or_a_missing_run_is_one_line_naming_it_and_writes_nothing()
    {
        using var folder = new TempFolder();
        var run = folder.Combine("run");
        Succeeds("train-baseline", "--config", TinyRun.WriteConfig(folder), "--run", run, "--set", "train.iterations=20");
        var markdown = folder.Combine("table.md");

        var (code, _, error) = Cli("compare", "--entry", $"a={run}", "--markdown", markdown);
        Assert.NotEqual(0, code);
        Assert.Equal($"error: run folder '{run}' has no evaluated stage; run evaluate first", error.Trim());

        Succeeds("evaluate", "--run", run);
        (code, _, error) = Cli("compare", "--entry", $"a={run}:genneg-1", "--markdown", markdown);
        Assert.NotEqual(0, code);
        Assert.Equal($"error: run folder '{run}' has no figures for stage 'genneg-1'; evaluated: baseline", error.Trim());

        (code, _, error) = Cli("compare", "--entry", $"a={run}", "--entry", $"b={folder.Combine("missing")}", "--markdown", markdown);
        Assert.NotEqual(0, code);
        Assert.Contains("missing", error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(File.Exists(markdown));
    }
}
