using GenNeg.Runs;
using GenNeg.Workflows;
using static GenNeg.Tests.ReliabilityTests;

namespace GenNeg.Tests;

/// <summary>
/// Files a resume reads (training checkpoints, the synthetic set) carry a checksum: a changed byte is refused in one
/// line naming the file and what to do, never resumed from; files written before checksums existed still load.
/// </summary>
public class CheckpointIntegrityTests
{
    private static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = Math.Min(offset, file.Length - 1);
        var value = file.ReadByte();
        file.Position--;
        file.WriteByte((byte)(value ^ 0x01));
    }

    [Fact]
    public void A_damaged_training_checkpoint_is_refused_naming_it()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var checkpoint = Path.Combine(run, BaselineTraining.CheckpointFile);
        FlipByte(checkpoint, 3000);

        var resume = ReliabilityTests.Cli("train-baseline", "--run", run, "--resume");
        Assert.Equal(2, resume.Code);
        Assert.Equal($"error: '{checkpoint}' is damaged: its contents do not match its checksum; delete it to train from the start " +
            "(the last finished stage is not affected)", ErrorLine(resume.Error));
    }

    [Fact]
    public void A_checkpoint_written_without_a_checksum_still_resumes()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var checkpoint = Path.Combine(run, BaselineTraining.CheckpointFile);
        // Earlier versions wrote the same contents without the trailer.
        using (var file = new FileStream(checkpoint, FileMode.Open, FileAccess.ReadWrite)) file.SetLength(file.Length - FileChecksum.TrailerLength);

        var resume = ReliabilityTests.Cli("train-baseline", "--run", run, "--resume");
        Assert.True(resume.Code == 0, resume.Error);
    }

    [Fact]
    public void Damaged_draws_or_classifier_checkpoint_of_an_unfinished_iteration_are_refused_naming_them()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var manifest = Path.Combine(run, "manifest.json");
        var before = File.ReadAllText(manifest);
        var iterate = ReliabilityTests.Cli("iterate", "--run", run);
        Assert.True(iterate.Code == 0, iterate.Error);
        // The manifest as it was before the iteration finished: genneg-1 is unfinished again, its files left to resume from.
        File.WriteAllText(manifest, before);
        var draws = Path.Combine(run, "genneg-1", "draws.bin");
        var classifier = Path.Combine(run, "genneg-1", "classifier.ckpt");
        var intactDraws = File.ReadAllBytes(draws);

        FlipByte(draws, 3000);
        var damagedDraws = ReliabilityTests.Cli("iterate", "--run", run);
        Assert.Equal(2, damagedDraws.Code);
        Assert.Equal($"error: '{draws}' is damaged: its contents do not match its checksum; delete it to draw the set again, " +
            "or drop the whole iteration with genneg iterate --discard", ErrorLine(damagedDraws.Error));

        File.WriteAllBytes(draws, intactDraws);
        FlipByte(classifier, 3000);
        var damagedClassifier = ReliabilityTests.Cli("iterate", "--run", run);
        Assert.Equal(2, damagedClassifier.Code);
        Assert.StartsWith($"error: '{classifier}' is damaged: its contents do not match its checksum; delete it", ErrorLine(damagedClassifier.Error));
    }
}
