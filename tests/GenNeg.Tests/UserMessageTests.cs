using GenNeg.Runs;
using static GenNeg.Tests.ReliabilityTests;

namespace GenNeg.Tests;

/// <summary>Messages that name what the user knows: the file asked for, the work there is to do.</summary>
public class UserMessageTests
{
    [Fact]
    public void A_failed_write_names_the_file_asked_for_not_the_temporary_it_went_through()
    {
        using var folder = new TempFolder();
        var target = folder.Combine("figures.json");
        // A folder where the temporary file would go makes the write fail the way a refused one does.
        Directory.CreateDirectory(AtomicFile.TemporaryPath(target));
        var error = Assert.Throws<GenNegException>(() => AtomicFile.WriteAllText(target, "{}")).Message;
        Assert.StartsWith($"cannot write '{target}': ", error);
        Assert.DoesNotContain(".tmp", error);
    }

    [Fact]
    public void Resuming_a_finished_baseline_says_there_is_nothing_to_train()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var again = ReliabilityTests.Cli("train-baseline", "--run", run, "--resume");
        Assert.True(again.Code == 0, again.Error);
        Assert.Contains("Nothing to train: the checkpoint already holds all", again.Error + again.Output);
        Assert.DoesNotContain("final loss NaN", again.Error + again.Output);
    }
}
