using static GenNeg.Tests.ReliabilityTests;

namespace GenNeg.Tests;

/// <summary>Shard counts of 10,000 and more: their files are found by iterate, and more shards than blocks are warned about.</summary>
public class ShardCountTests
{
    [Fact]
    public void Shards_of_a_ten_thousand_way_split_are_merged_or_refused_as_missing_and_surplus_shards_are_warned_about()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var draw = ReliabilityTests.Cli("draw", "--run", run, "--shard", "0", "--shards", "10000");
        Assert.True(draw.Code == 0, draw.Error);
        Assert.True(File.Exists(Path.Combine(run, "genneg-1", "shards", "draws-0000-of-10000.bin")));
        Assert.Contains("warning: 10,000 shards share ", draw.Error);

        var iterate = ReliabilityTests.Cli("iterate", "--run", run);
        Assert.Equal(2, iterate.Code);
        Assert.StartsWith("error: shard 'genneg-1/shards/draws-0001-of-10000.bin' is missing; draw it with: genneg draw", ErrorLine(iterate.Error));
        Assert.False(File.Exists(Path.Combine(run, "genneg-1", "draws.bin")));
    }
}
