using GenNeg.Runs;
using GenNeg.Workflows;
using static GenNeg.Tests.ReliabilityTests;

namespace GenNeg.Tests;

/// <summary>
/// A command refused for its inputs (oracle, device, damaged model) leaves no half-made stage or run folder; an
/// unfinished iteration that keeps being refused names the way out.
/// </summary>
public class RefusedCommandTests
{
    /// <summary>A device this machine does not have (no machine has 100 CUDA devices).</summary>
    private const string MissingDevice = "cuda:99";

    private static void DamageByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = Math.Min(offset, file.Length - 1);
        var value = file.ReadByte();
        file.Position--;
        file.WriteByte((byte)(value ^ 0x5A));
    }

    [Fact]
    public void A_refused_iteration_draw_or_distillation_leaves_no_stage_folder()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        RecordFakeIteration(run);
        var next = Path.Combine(run, "genneg-2");
        var distilled = Path.Combine(run, "distilled-1");

        foreach (var command in new[]
        {
            new[] { "iterate", "--run", run, "--oracle", "traffic" },
            ["iterate", "--run", run, "--device", MissingDevice],
            ["draw", "--run", run, "--shard", "0", "--shards", "2", "--device", MissingDevice],
            ["distill", "--run", run, "--device", MissingDevice],
        })
        {
            var result = ReliabilityTests.Cli(command);
            Assert.Equal(2, result.Code);
            ErrorLine(result.Error);
            Assert.False(Directory.Exists(next), $"{string.Join(' ', command)} left genneg-2");
            Assert.False(Directory.Exists(distilled), $"{string.Join(' ', command)} left distilled-1");
        }

        // The same for a damaged model file: refused, naming it, before anything is made.
        DamageByte(Path.Combine(run, BaselineTraining.DenoiserFile), 3000);
        foreach (var command in new[] { new[] { "iterate", "--run", run }, ["draw", "--run", run, "--shard", "0", "--shards", "2"], ["distill", "--run", run] })
        {
            var result = ReliabilityTests.Cli(command);
            Assert.Equal(2, result.Code);
            Assert.Contains("denoiser.bin' is damaged", ErrorLine(result.Error));
            Assert.False(Directory.Exists(next), $"{string.Join(' ', command)} left genneg-2");
            Assert.False(Directory.Exists(distilled), $"{string.Join(' ', command)} left distilled-1");
        }
    }

    [Fact]
    public void A_new_run_refused_for_its_device_leaves_no_folder()
    {
        using var folder = new TempFolder();
        var run = folder.Combine("new-run");
        var refused = ReliabilityTests.Cli("train-baseline", "--config", TinyRun.WriteConfig(folder, Yaml), "--run", run, "--device", MissingDevice);
        Assert.Equal(2, refused.Code);
        Assert.Contains(MissingDevice, ErrorLine(refused.Error));
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void An_unfinished_iteration_that_is_refused_names_the_discard_command()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        // An iteration folder an earlier attempt left with an oracle that cannot label this data.
        IterationFolder.Prepare(RunFolder.Open(run), new IterationRequest(run, ["oracle=traffic"]), Registries.CreateDefault());

        var resumed = ReliabilityTests.Cli("iterate", "--run", run);
        Assert.Equal(2, resumed.Code);
        Assert.EndsWith($"to start it afresh, discard it with: genneg iterate --run {run} --discard", ErrorLine(resumed.Error));

        Assert.Equal(0, ReliabilityTests.Cli("iterate", "--run", run, "--discard").Code);
        Assert.False(Directory.Exists(Path.Combine(run, "genneg-1")));
    }
}
