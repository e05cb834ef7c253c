using System.Globalization;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Formalisms;
using GenNeg.Domains.Traffic;
using GenNeg.Domains.Traffic.Export;
using GenNeg.Domains.Traffic.Files;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Metrics;
using GenNeg.Oracles;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace GenNeg.Tests.Traffic;

/// <summary>Hand-written scene files: padding and its mask, crowded and infracting scenes, and malformed files.</summary>
public class TrafficFilesPaddingTests
{
    private const string Header = TrafficTestWorlds.SceneFileHeader;

    private const string Road = TrafficTestWorlds.StraightRoadGeoJson;

    /// <summary>Train scene 0: two vehicles; train scene 1: three; validation scene 0: one. All on the road, apart.</summary>
    private static readonly string[] Rows =
    [
        "train,0,0,0,-10,0,4.5,1.8,0,5", "train,0,0,1,10,0,4.5,1.8,0,5",
        "train,1,0,0,-20,3,4,1.8,3.1,2", "train,1,0,1,0,-3,4.5,2,0,0", "train,1,0,2,20,3,5,1.9,0.1,8",
        "validation,0,0,0,0,0,4.5,1.8,0,3",
    ];

    private static (string Scenes, DataConfig Config) Files(TempFolder folder, IEnumerable<string> rows, TrafficFilesConfig? options = null, string maps = Road, string header = Header)
    {
        var scenes = folder.Combine("scenes.csv");
        File.WriteAllLines(scenes, rows.Prepend(header));
        File.WriteAllText(folder.Combine("maps.geojson"), maps);
        return (scenes, new DataConfig
        {
            Name = TrafficFilesDataSet.DataSetName, TrainSize = 1, ValidationSize = 1,
            Options = (options ?? new TrafficFilesConfig { MaxAgents = 3 }) with { Scenes = scenes },
        });
    }

    [Fact]
    public void Scenes_with_fewer_vehicles_are_padded_with_zeros_and_masked()
    {
        using var folder = new TempFolder();
        var (_, config) = Files(folder, Rows);
        var dataSet = new TrafficFilesDataSet();
        using var data = dataSet.Load(config);
        Assert.Equal([2L, 3, 7], data.Train.shape);
        Assert.Equal([1L, 3, 7], data.Validation.shape);
        Assert.Equal([true, true, false, true, true, true], data.TrainCondition[TrafficOracle.AgentMaskKey].data<bool>().ToArray());
        Assert.Equal([true, false, false], data.ValidationCondition[TrafficOracle.AgentMaskKey].data<bool>().ToArray());
        Assert.Equal(0, data.Train[0, 2].abs().sum().item<float>());
        Assert.Equal([3L], data.ElementShape);
        using var mask = data.PaddingMask(data.TrainCondition);
        Assert.NotNull(mask);
        // The scaling is fitted on the five real training vehicles: their mean x is 0 m, their mean length 4.5 m.
        var world = (TrafficWorld)data.World!;
        Assert.Equal(0, world.Scaling.Mean[0], 1e-5);
        Assert.Equal(4.5, world.Scaling.Mean[2], 1e-5);
        Assert.Equal(2, dataSet.LastSummary!.Padded);

        // Exported, the padding rows are no vehicles: only the five real ones are written.
        var path = folder.Combine("out", "scenes.csv");
        Directory.CreateDirectory(folder.Combine("out"));
        var verdict = new TrafficOracle(world).Judge(data.Train, data.TrainCondition);
        dataSet.WriteSamples(data, IDataSet.Same("train", 2), data.Train, data.TrainCondition, verdict, path);
        var written = TrafficSceneCsv.Read(path);
        Assert.Equal(5, written.Count);
        Assert.Equal([0, 1, 0, 1, 2], written.Select(r => r.Agent));
    }

    [Fact]
    public void Rates_count_real_vehicles_only_even_where_a_padded_row_would_infract()
    {
        using var folder = new TempFolder();
        var (_, config) = Files(folder, Rows);
        using var data = new TrafficFilesDataSet().Load(config);
        var world = (TrafficWorld)data.World!;
        // Scene: one vehicle on the road, one off it (y = 20), and a padded row also off the road.
        using var metres = tensor(new float[] { 0, 0, 4.5f, 1.8f, 1, 0, 0, 10, 20, 4.5f, 1.8f, 1, 0, 0, -10, 20, 4.5f, 1.8f, 1, 0, 0 }).reshape(1, 3, 7);
        using var present = tensor(new[] { true, true, false }).reshape(1, 3);
        var verdict = new TrafficOracle(world).JudgeMetres(metres, tensor(new long[] { 0 }), present);
        Assert.Equal([true, false, true], verdict.Valid.data<bool>().ToArray());
        var rates = InfractionRates.Of(verdict, present);
        Assert.Equal(0.5, rates.Elements);
        Assert.Equal(0.5, rates.Reasons[TrafficOracle.Offroad].Elements);
        Assert.Equal(1.0, rates.Samples);
        var overall = VerdictRate.Of(verdict, present)[0];
        Assert.Equal((0.5, 2L), (overall.PerElement, overall.Elements));
        // Without the mask the padded row would dilute the rate to one in three.
        Assert.Equal(1.0 / 3, InfractionRates.Of(verdict).Elements!.Value, 1e-12);
    }

    [Fact]
    public void The_denoising_loss_averages_over_real_elements_only()
    {
        using var loss = tensor(new float[] { 1, 2, 3, 4, 100, 200, 5, 6, 7, 8, 300, 400 }).reshape(2, 3, 2);
        using var mask = tensor(new[] { true, true, false, true, true, false });
        using var mean = DenoisingLoss.Mean(loss, mask.reshape(2, 3));
        Assert.Equal((1 + 2 + 3 + 4 + 5 + 6 + 7 + 8) / 8.0, mean.item<float>(), 1e-5);
        using var plain = DenoisingLoss.Mean(loss, null);
        Assert.Equal(loss.mean().item<float>(), plain.item<float>());
    }

    [Fact]
    public void Crowded_scenes_are_cropped_to_the_vehicles_nearest_the_centre_or_dropped()
    {
        using var folder = new TempFolder();
        var (_, cropConfig) = Files(folder, Rows, new TrafficFilesConfig { MaxAgents = 2 });
        var dataSet = new TrafficFilesDataSet();
        using (var cropped = dataSet.Load(cropConfig))
        {
            Assert.Equal((1, 0), (dataSet.LastSummary!.Cropped, dataSet.LastSummary.DroppedCrowded));
            using var metres = ((TrafficWorld)cropped.World!).Scaling.Denormalise(cropped.Train[1]);
            // Agent 1 at (0, -3) is nearest the centre; agents 0 and 2 at (-20, 3) and (20, 3) tie, and the lower agent number wins.
            Assert.Equal([-20f, 0f], metres[.., 0].data<float>().ToArray().Select(v => MathF.Round(v, 3)));
        }
        var (_, dropConfig) = Files(folder, Rows, new TrafficFilesConfig { MaxAgents = 2, CrowdedScenes = TrafficFilesConfig.Drop });
        using var dropped = dataSet.Load(dropConfig);
        Assert.Equal((0, 1), (dataSet.LastSummary!.Cropped, dataSet.LastSummary.DroppedCrowded));
        Assert.Equal(1, dropped.Train.shape[0]);
    }

    [Fact]
    public void Scenes_that_infract_as_read_are_counted_by_reason_and_kept_or_dropped()
    {
        using var folder = new TempFolder();
        // Train scene 2: two overlapping vehicles, one of them also off the road.
        string[] rows = [.. Rows, "train,2,0,0,0,7.5,4.5,1.8,0,0", "train,2,0,1,1,7,4.5,1.8,0,0"];
        var dataSet = new TrafficFilesDataSet();
        using (var kept = dataSet.Load(Files(folder, rows).Config))
        {
            Assert.Equal(3, kept.Train.shape[0]);
            Assert.Equal((1, 1, 0), (dataSet.LastSummary!.Infracting[TrafficOracle.Collision], dataSet.LastSummary.Infracting[TrafficOracle.Offroad], dataSet.LastSummary.DroppedInfracting));
        }
        using var dropped = dataSet.Load(Files(folder, rows, new TrafficFilesConfig { MaxAgents = 3, InfractingScenes = TrafficFilesConfig.Drop }).Config);
        Assert.Equal(2, dropped.Train.shape[0]);
        Assert.Equal(1, dataSet.LastSummary!.DroppedInfracting);
    }

    public static TheoryData<string, string, string, string> Malformed => new()
    {
        { "missing column", Header.Replace(",width", "", StringComparison.Ordinal), Road, "line 1: the header has no column 'width'" },
        { "unknown map", Header, Road, "line 2: map '7' is not in" },
        { "not a number", Header, Road, "line 4: column 'x' holds 'left', not a number" },
        { "NaN", Header, Road, "line 4: column 'speed' holds NaN, not a finite number" },
        { "bow tie", Header, Road.Replace("[[-32,-8],[32,-8],[32,8],[-32,8],[-32,-8]]", "[[-32,-8],[32,8],[32,-8],[-32,8],[-32,-8]]", StringComparison.Ordinal), "feature 0 (map 0): invalid polygon: Self-intersection" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_file_is_refused_with_one_line_naming_the_file_the_row_and_the_problem(string problem, string header, string maps, string expected)
    {
        using var folder = new TempFolder();
        var rows = problem switch
        {
            "missing column" => Rows.Select(r => string.Join(',', r.Split(',').Where((_, i) => i != 7))).ToArray(),
            "unknown map" => Rows.Select((r, i) => i < 2 ? "train,0,7" + r[9..] : r).ToArray(),
            "not a number" => Rows.Select((r, i) => i == 2 ? r.Replace("-20,", "left,", StringComparison.Ordinal) : r).ToArray(),
            "NaN" => Rows.Select((r, i) => i == 2 ? r[..r.LastIndexOf(',')] + ",NaN" : r).ToArray(),
            _ => Rows,
        };
        var (scenes, config) = Files(folder, rows, maps: maps, header: header);
        var error = Assert.ThrowsAny<GenNegException>(() => new TrafficFilesDataSet().Load(config));
        Assert.Contains(expected, error.Message);
        Assert.Contains(problem == "bow tie" ? "maps.geojson" : scenes, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Headings_in_degrees_draw_a_warning()
    {
        using var folder = new TempFolder();
        var logger = new ListLogger();
        var rows = Rows.Select(r => { var f = r.Split(','); f[8] = (double.Parse(f[8], CultureInfo.InvariantCulture) * 180 / Math.PI + 90).ToString(CultureInfo.InvariantCulture); return string.Join(',', f); });
        using var data = new TrafficFilesDataSet(() => logger).Load(Files(folder, rows).Config);
        Assert.Contains(logger.Messages, m => m.Level == LogLevel.Warning && m.Text.Contains("degrees", StringComparison.Ordinal));
        Assert.Contains(logger.Messages, m => m.Level == LogLevel.Information && m.Text.Contains("2 padded to 3 vehicles", StringComparison.Ordinal));
        var quiet = new ListLogger();
        using var radians = new TrafficFilesDataSet(() => quiet).Load(Files(folder, Rows).Config);
        Assert.DoesNotContain(quiet.Messages, m => m.Level == LogLevel.Warning);
    }

    [Fact]
    public void The_agent_transformer_never_attends_to_padding()
    {
        using var generator = new Generator(3);
        var (data, builder) = TrafficTestWorlds.PaddedScenesModel(generator);
        using var ownedData = data;
        var condition = data.TrainCondition;
        var mask = condition[TrafficOracle.AgentMaskKey];
        var maps = condition[TrafficDataSet.MapKey];
        using var denoiser = builder.CreateDenoiser(1);
        using var byScene = builder.CreateClassifier(2, GenNeg.Networks.ClassifierHead.BySample);
        foreach (var module in new TorchSharp.torch.nn.Module[] { denoiser, byScene })
            using (no_grad())
                foreach (var parameter in module.parameters())
                    if (parameter.count_nonzero().item<long>() == 0) parameter.normal_(0, 0.2, generator);
        var x = data.Train;
        // The padded rows moved anywhere: the real agents' outputs and the scene's logit stay the same.
        var moved = x.clone();
        moved[0, 2] = tensor(new float[] { 5, -5, 3, 3, 0, 1, 9 });
        moved[1, 1] = tensor(new float[] { -4, 4, 2, 1, 1, 0, -3 });
        using var sigma = tensor(new[] { 0.8f, 1.5f });
        var before = denoiser.Denoise(x, sigma, data.TrainCondition);
        var after = denoiser.Denoise(moved, sigma, data.TrainCondition);
        var real = mask.unsqueeze(-1);
        Assert.True(allclose(before * real, after * real, rtol: 0, atol: 1e-5), "a real agent's output depends on padding");
        Assert.True(allclose(byScene.Logit(x, sigma, data.TrainCondition), byScene.Logit(moved, sigma, data.TrainCondition), rtol: 0, atol: 1e-5));
        // Without the mask the padding is attended to (the test can tell).
        var unmasked = Condition.Of(TrafficDataSet.MapKey, maps);
        Assert.False(allclose(denoiser.Denoise(x, sigma, unmasked) * real, denoiser.Denoise(moved, sigma, unmasked) * real, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Data_preview_reads_the_files_and_logs_the_summary_and_a_bad_file_is_one_error_line()
    {
        using var folder = new TempFolder();
        string[] rows = [.. Rows, "validation,1,0,0,10,-3,4.5,1.8,0,3"];
        var (scenes, _) = Files(folder, rows);
        var config = folder.Combine("files.yaml");
        File.WriteAllText(config, $"oracle: traffic\nevaluate: {{ mmd_samples: 2 }}\ndata: {{ name: traffic_files, validation_size: 2, traffic_files: {{ scenes: '{scenes}', max_agents: 3 }} }}\n");
        var (code, _, error) = ReliabilityTests.Cli("data", "preview", "-c", config, "-o", folder.Combine("preview.png"));
        Assert.True(code == 0, error);
        Assert.Contains("Read 2 training and 2 held-out scenes (7 vehicles on 1 maps)", error);
        Assert.True(new FileInfo(folder.Combine("preview.png")).Length > 1000);

        File.WriteAllLines(scenes, rows.Select((r, i) => i == 3 ? r.Replace(",4.5,2,", ",4.5,wide,", StringComparison.Ordinal) : r).Prepend(Header));
        var (badCode, _, badError) = ReliabilityTests.Cli("data", "preview", "-c", config, "-o", folder.Combine("bad.png"));
        Assert.NotEqual(0, badCode);
        Assert.Equal($"error: '{scenes}' line 5: column 'width' holds 'wide', not a number", ReliabilityTests.ErrorLine(badError));
        Assert.False(File.Exists(folder.Combine("bad.png")));
    }

    [Fact]
    public void Config_keys_are_checked_at_load()
    {
        var yaml = "data: { name: traffic_files, traffic_files: { scenes: s.csv, crowded_scenes: trim } }\noracle: traffic\n";
        var error = Assert.ThrowsAny<GenNegException>(() => TestConfig.Parse(yaml));
        Assert.Contains("data.traffic_files.crowded_scenes", error.Message);
        var missing = Assert.ThrowsAny<GenNegException>(() => TestConfig.Parse("data: { name: traffic_files }\noracle: traffic\n"));
        Assert.Contains("data.traffic_files.scenes", missing.Message);
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Text)> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add((logLevel, formatter(state, exception)));
    }
}
