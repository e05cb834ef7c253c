using GenNeg.Runtime;
using GenNeg.Tests.Traffic;

namespace GenNeg.Tests;

/// <summary>
/// Sizes that cannot fit are refused in one line, before anything is allocated, naming the key to change. Each test caps
/// the memory it may see at a few megabytes, so the refused sizes are small enough that a missing refusal costs little.
/// </summary>
public class MemoryRefusalTests
{
    private const double Megabyte = 1e6;

    private static (int Code, string Output, string Error) Cli(params string[] args) => ReliabilityTests.Cli(args);

    private static string Refusal((int Code, string Output, string Error) result)
    {
        Assert.Equal(2, result.Code);
        return ReliabilityTests.ErrorLine(result.Error);
    }

    private static (int, string, string) Preview(TempFolder folder, string yaml, params string[] overrides) =>
        Cli(["data", "preview", "-c", TinyRun.WriteConfig(folder, yaml), "-o", folder.Combine("preview.png"), .. overrides.SelectMany(o => new[] { "--set", o })]);

    [Theory]
    [InlineData(100_000_000)]
    [InlineData(2_000_000_000)]
    public void Traffic_scene_counts_beyond_memory_are_refused_not_overflowed(int scenes)
    {
        using var folder = new TempFolder();
        using var cap = MemoryBudget.CapAt(1e9);
        var line = Refusal(Preview(folder, TrafficCliTests.TinyTraffic, $"data.train_size={scenes}"));
        Assert.Matches($@"^error: the traffic data set \({scenes:N0} \+ 20 scenes with a 128 x 128 map raster each, 10 maps\) needs at least .* of memory, " +
            @"more than the 1 GB available; lower data\.train_size or raise data\.traffic\.raster_resolution$", line);
        Assert.False(File.Exists(folder.Combine("preview.png")));
    }

    [Fact]
    public void Traffic_scenes_that_need_more_than_the_memory_are_refused_before_generating()
    {
        using var folder = new TempFolder();
        using var cap = MemoryBudget.CapAt(10 * Megabyte);
        var line = Refusal(Preview(folder, TrafficCliTests.TinyTraffic, "data.train_size=500"));
        Assert.Matches(@"^error: the traffic data set \(500 \+ 20 scenes with a 128 x 128 map raster each, 10 maps\) needs at least 1\d\.\d MB of memory, " +
            @"more than the 10 MB available; lower data\.train_size or raise data\.traffic\.raster_resolution$", line);
        Assert.False(File.Exists(folder.Combine("preview.png")));
    }

    [Fact]
    public void Fine_map_rasters_are_refused_naming_the_resolution()
    {
        using var folder = new TempFolder();
        using var cap = MemoryBudget.CapAt(20 * Megabyte);
        var line = Refusal(Preview(folder, TrafficCliTests.TinyTraffic, "data.train_size=5", "data.validation_size=5", "evaluate.mmd_samples=5",
            "data.traffic.raster_resolution=0.05"));
        Assert.Matches(@"^error: the traffic data set \(5 \+ 5 scenes with a 1280 x 1280 map raster each, 10 maps\) needs at least .* of memory, more than the .* available; " +
            @"lower data\.traffic\.train_maps or raise data\.traffic\.raster_resolution$", line);
    }

    [Theory]
    [InlineData("train", "data.train_size=20", "data.traffic.train_maps=21")]
    [InlineData("validation", "data.validation_size=4", "data.traffic.validation_maps=5")]
    public void Maps_that_no_scene_would_use_are_refused(string split, string size, string maps)
    {
        using var folder = new TempFolder();
        var line = Refusal(Preview(folder, TrafficCliTests.TinyTraffic, size, maps, "evaluate.mmd_samples=4"));
        var (mapCount, sceneCount) = split == "train" ? (21, 20) : (5, 4);
        Assert.Equal($"error: config key 'data.traffic.{split}_maps' ({mapCount}) exceeds data.{split}_size ({sceneCount}): scene i lies on map i mod maps, " +
            $"so the maps past the {sceneCount}th would never be used; lower data.traffic.{split}_maps", line);
    }

    [Fact]
    public void A_training_batch_beyond_memory_is_refused_before_the_run_folder_is_made()
    {
        using var folder = new TempFolder();
        var run = folder.Combine("run");
        using var cap = MemoryBudget.CapAt(50 * Megabyte);
        var line = Refusal(Cli("train-baseline", "-c", TinyRun.WriteConfig(folder), "-r", run, "--set", "train.batch_size=200000", "--set", "train.iterations=1"));
        Assert.Matches(@"^error: a batch of 200,000 samples \(train\.batch_size\) needs at least 102\.4 MB of memory, more than the 50 MB available; lower train\.batch_size$", line);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void A_training_set_beyond_memory_is_refused_before_the_run_folder_is_made()
    {
        using var folder = new TempFolder();
        var run = folder.Combine("run");
        using var cap = MemoryBudget.CapAt(10 * Megabyte);
        var line = Refusal(Cli("train-baseline", "-c", TinyRun.WriteConfig(folder), "-r", run, "--set", "data.train_size=1000000", "--set", "train.iterations=1"));
        Assert.Matches(@"^error: the checkerboard data set \(1,000,000 \+ 300 points\) needs at least .* of memory, more than the .* available; lower data\.train_size$", line);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void A_time_embedding_beyond_memory_is_named_rather_than_the_width()
    {
        using var folder = new TempFolder();
        using var cap = MemoryBudget.CapAt(1e9);
        var line = Refusal(Cli("train-baseline", "-c", TinyRun.WriteConfig(folder), "-r", folder.Combine("run"), "--set", "model.time_embedding=2000000000"));
        Assert.Matches(@"^error: a model with model\.time_embedding = 2,000,000,000 and model\.hidden = 32 needs at least .* of memory, more than the 1 GB available; " +
            @"lower model\.time_embedding$", line);
    }

    [Fact]
    public void Evaluation_samples_that_cannot_be_kept_are_refused_before_sampling()
    {
        using var folder = new TempFolder();
        var run = ReliabilityTests.TrainedRun(folder);
        var before = Directory.GetFiles(run, "*", SearchOption.AllDirectories).Order().ToArray();
        using (MemoryBudget.CapAt(2 * Megabyte))
        {
            var line = Refusal(Cli("evaluate", "-r", run, "--samples", "200000"));
            Assert.Matches(@"^error: keeping 200,000 samples in memory needs at least .* of memory, more than the .* available; lower --samples \(or evaluate\.samples\)$", line);
        }
        Assert.Equal(before, Directory.GetFiles(run, "*", SearchOption.AllDirectories).Order().ToArray());
    }
}
