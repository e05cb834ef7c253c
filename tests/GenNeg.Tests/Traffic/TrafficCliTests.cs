using GenNeg.Cli;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Domains.Traffic;
using GenNeg.Domains.Traffic.Export;
using GenNeg.Oracles;
using static TorchSharp.torch;

namespace GenNeg.Tests.Traffic;

/// <summary>genneg data preview / export on both data sets, the traffic config keys, and the verdict's rates.</summary>
public class TrafficCliTests
{
    internal const string TinyTraffic = """
        oracle: traffic
        data:
          name: traffic
          train_size: 60
          validation_size: 20
          traffic: { train_maps: 5, validation_maps: 5 }
        evaluate: { mmd_samples: 20 }
        """;

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = GenNegCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void DataExportWritesBothSplitsToOneScenesFileWithTheMaps()
    {
        using var folder = new TempFolder();
        var config = TinyRun.WriteConfig(folder, TinyTraffic);
        var both = Run("data", "export", "--config", config, "--out", folder.Path);
        Assert.True(both.Code == 0, both.Error);
        Assert.Contains("infraction: 0.00 % of samples", both.Output);

        var rows = TrafficSceneCsv.Read(folder.Combine("scenes.csv"));
        Assert.Equal(60 * 12 + 20 * 12, rows.Count);
        Assert.Equal(["train", "validation"], rows.Select(r => r.Split).Distinct().ToArray());
        Assert.All(rows.Where(r => r.Split == "train"), r => Assert.InRange(r.Map, 0, 4));
        Assert.All(rows.Where(r => r.Split == "validation"), r => Assert.InRange(r.Map, 5, 9));
        // Scenes are numbered within their split, so held-out scene k lies on held-out map 5 + k mod 5.
        Assert.All(rows.Where(r => r.Split == "validation"), r => Assert.Equal(5 + r.Scene % 5, r.Map));
        Assert.Equal(10, TrafficMapGeoJson.Read(folder.Combine("maps.geojson")).Count);

        var jittered = Run("data", "export", "--config", config, "--out", folder.Path, "--split", "validation", "--jitter", "0.05");
        Assert.True(jittered.Code == 0, jittered.Error);
        Assert.DoesNotContain("infraction: 0.00 % of samples", jittered.Output);
        Assert.All(TrafficSceneCsv.Read(folder.Combine("scenes.csv")), r => Assert.Equal("validation", r.Split));
    }

    [Fact]
    public void DataPreviewDrawsTrafficScenesAndCheckerboardPoints()
    {
        using var folder = new TempFolder();
        var traffic = Run("data", "preview", "--config", TinyRun.WriteConfig(folder, TinyTraffic), "--out", folder.Combine("scenes.png"), "-n", "12");
        Assert.True(traffic.Code == 0, traffic.Error);
        Assert.Contains("12 samples", traffic.Output);
        // Where the realism features' values lie: the data set has them, the checkerboard has none.
        Assert.Matches(@"nearest_gap \(m\): least [0-9.]+, 5/25/50/75/95 % quantiles [0-9.]+, [0-9.]+, [0-9.]+, [0-9.]+, [0-9.]+, greatest [0-9.]+ \(144 values\)", traffic.Output);
        Assert.Contains("vehicles_per_lane: least 0,", traffic.Output);
        var checkerboard = Run("data", "preview", "--config", TinyRun.WriteConfig(folder), "--out", folder.Combine("points.png"), "--jitter", "0.5");
        Assert.True(checkerboard.Code == 0, checkerboard.Error);
        Assert.DoesNotContain("infraction: 0.00 %", checkerboard.Output);
        Assert.DoesNotContain("quantiles", checkerboard.Output);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(folder.Combine("points.png"))[..4]);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(folder.Combine("scenes.png"))[..4]);
    }

    [Fact]
    public void DataCommandsRejectBadInputInOneLine()
    {
        using var folder = new TempFolder();
        var config = TinyRun.WriteConfig(folder, TinyTraffic);
        var missing = Run("data", "export", "--config", config, "--out", folder.Combine("nowhere"));
        Assert.Equal((2, $"error: output folder '{folder.Combine("nowhere")}' does not exist\n"), (missing.Code, missing.Error));
        var split = Run("data", "preview", "--config", config, "--out", folder.Combine("x.png"), "--split", "test");
        Assert.Equal((2, "error: unknown split 'test'; use train, validation or all\n"), (split.Code, split.Error));
        Assert.False(File.Exists(folder.Combine("x.png")));
    }

    [Theory]
    [InlineData("data.traffic.agents=0", "config key 'data.traffic.agents' must be in [1, 24], got 0")]
    [InlineData("data.traffic.raster_resolution=0", "config key 'data.traffic.raster_resolution' must be in")]
    [InlineData("data.traffic.clearance=0.1", "config key 'data.traffic.clearance' must be in")]
    [InlineData("data.traffic.agnets=3", "data.traffic.agents")]
    public void TrafficKeysAreValidatedByName(string assignment, string expected) =>
        Assert.Contains(expected, Assert.Throws<GenNegException>(() => TestConfig.Parse(TinyTraffic, [assignment])).Message);

    [Fact]
    public void QuickTrafficConfigLoads()
    {
        var config = TestConfig.Load(Repository.File("configs/traffic-quick.yaml"));
        Assert.Equal(("traffic", "traffic", 12, "ddpm"), (config.Data.Name, config.Oracle, config.Data.OptionsAs<TrafficDataConfig>().Agents, config.Model.Formalism));
        Assert.Equal((8000, 8000, 0.2), (config.Data.TrainSize, config.Data.OptionsAs<TrafficDataConfig>().TrainMaps, config.Genneg.GuidanceMaxSigma ?? double.NaN));
    }

    [Fact]
    public void VerdictRatesCountScenesWithAnyInfractionAndVehicles()
    {
        // 2 scenes of 3 vehicles: scene 0 has one colliding pair, scene 1 one offroad vehicle that also collides.
        var collision = tensor(new[] { true, true, false, false, false, true }).reshape(2, 3);
        var offroad = tensor(new[] { false, false, false, false, false, true }).reshape(2, 3);
        var verdict = new OracleVerdict(collision.logical_or(offroad).logical_not(), new Dictionary<string, Tensor> { ["collision"] = collision, ["offroad"] = offroad });
        var rates = VerdictRate.Of(verdict);
        Assert.Equal(["infraction", "collision", "offroad"], rates.Select(r => r.Reason));
        Assert.Equal([1.0, 1.0, 0.5], rates.Select(r => r.PerSample));
        Assert.Equal([0.5, 0.5, 1.0 / 6], rates.Select(r => r.PerElement));
    }
}
