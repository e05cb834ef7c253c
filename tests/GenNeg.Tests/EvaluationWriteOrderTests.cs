using GenNeg.Workflows;
using static GenNeg.Tests.ReliabilityTests;

namespace GenNeg.Tests;

/// <summary>An evaluation whose figures cannot be recorded keeps the stage's previous samples, which match the previous figures.</summary>
public class EvaluationWriteOrderTests
{
    [Fact]
    public void A_failed_metrics_write_keeps_the_previous_evaluation_samples()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var first = ReliabilityTests.Cli("evaluate", "--run", run);
        Assert.True(first.Code == 0, first.Error);
        var csv = Path.Combine(run, EvaluationSamples.CsvFile("baseline"));
        var bin = Path.Combine(run, EvaluationSamples.TensorFile("baseline"));
        var csvBefore = File.ReadAllBytes(csv);
        var binBefore = File.ReadAllBytes(bin);
        // metrics.json cannot be replaced: a directory stands in its place.
        var metrics = Path.Combine(run, "metrics.json");
        File.Delete(metrics);
        Directory.CreateDirectory(metrics);

        var second = ReliabilityTests.Cli("evaluate", "--run", run, "--samples", "100");
        Assert.Equal(2, second.Code);
        Assert.StartsWith($"error: cannot write '{metrics}': ", ErrorLine(second.Error));
        Assert.Equal(csvBefore, File.ReadAllBytes(csv));
        Assert.Equal(binBefore, File.ReadAllBytes(bin));
        Assert.Equal(["evaluation-samples.bin", "evaluation-samples.csv"],
            Directory.EnumerateFileSystemEntries(Path.Combine(run, "baseline"), "evaluation*").Select(Path.GetFileName).Order());
        Assert.False(Directory.Exists(Path.Combine(run, "baseline", ".evaluation-new")));
    }
}
