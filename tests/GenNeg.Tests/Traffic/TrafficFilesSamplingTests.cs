using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Domains.Traffic;
using GenNeg.Domains.Traffic.Export;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Guidance;
using GenNeg.Networks;
using GenNeg.Workflows;
using static TorchSharp.torch;

namespace GenNeg.Tests.Traffic;

/// <summary>Padded traffic scenes from files in guidance and in genneg sample: padding is never guided nor written as a vehicle.</summary>
public class TrafficFilesSamplingTests
{
    private const string Header = TrafficTestWorlds.SceneFileHeader;

    private const string Road = TrafficTestWorlds.StraightRoadGeoJson;

    [Fact]
    public void Guidance_through_the_agent_transformer_is_exactly_zero_on_padded_rows()
    {
        using var generator = new Generator(5);
        var (data, builder) = TrafficTestWorlds.PaddedScenesModel(generator);
        using var ownedData = data;
        var condition = data.TrainCondition;
        var mask = condition[TrafficOracle.AgentMaskKey];
        using var denoiser = builder.CreateDenoiser(1);
        using var byScene = builder.CreateClassifier(2, ClassifierHead.BySample);
        using var byAgent = builder.CreateClassifier(3, ClassifierHead.ByElement);
        foreach (var module in new nn.Module[] { denoiser, byScene, byAgent })
            using (no_grad())
                foreach (var parameter in module.parameters())
                    if (parameter.count_nonzero().item<long>() == 0) parameter.normal_(0, 0.2, generator);
        using var sigma = tensor(new[] { 0.3f, 0.6f });
        var padding = (1 - ElementMasks.Expand(mask, data.Train)).to(ScalarType.Float32);
        foreach (var head in new INoiseConditionedClassifier[] { byScene, byAgent })
        {
            var guided = new GuidedDenoiser(denoiser, [head], scale: 2, elementMask: c => c[TrafficOracle.AgentMaskKey]);
            var gradient = guided.LogValidGradient(data.Train, sigma, condition);
            Assert.Equal(0f, (gradient * padding).abs().max().item<float>());
            Assert.True((gradient * (1 - padding)).abs().sum().item<float>() > 0, "the real rows are guided");
            Assert.Equal(0f, ((guided.Denoise(data.Train, sigma, condition) - denoiser.Denoise(data.Train, sigma, condition)) * padding).abs().max().item<float>());
            // Moving the padded rows leaves the real rows' guidance as it was.
            var moved = data.Train.clone();
            moved[0, 2] = tensor(new float[] { 5, -5, 3, 3, 0, 1, 9 });
            moved[1, 1..] = full([2, 7], -3f);
            Assert.True(allclose(gradient, guided.LogValidGradient(moved, sigma, condition), rtol: 0, atol: 1e-6));
        }
    }

    [Fact]
    public void Sample_takes_each_scenes_vehicles_from_its_condition_or_from_agents_and_writes_no_padded_rows()
    {
        using var folder = new TempFolder();
        var scenes = folder.Combine("scenes.csv");
        File.WriteAllLines(scenes, new[]
        {
            "train,0,0,0,-10,0,4.5,1.8,0,5", "train,0,0,1,10,0,4.5,1.8,0,5",
            "train,1,0,0,-20,3,4,1.8,3.1,2", "train,1,0,1,0,-3,4.5,2,0,0", "train,1,0,2,20,3,5,1.9,0.1,8",
            "validation,0,0,0,0,0,4.5,1.8,0,3",
            "validation,1,0,0,-12,2,4.5,1.8,0,3", "validation,1,0,1,12,-2,4.2,1.7,3.1,4",
            "validation,2,0,0,6,-3,4.5,1.8,0,3",
        }.Prepend(Header));
        File.WriteAllText(folder.Combine("maps.geojson"), Road);
        var config = folder.Combine("files.yaml");
        File.WriteAllText(config, $"""
            seed: 3
            oracle: traffic
            data: {"{"} name: traffic_files, validation_size: 3, traffic_files: {"{"} scenes: '{scenes}', max_agents: 3, raster_resolution: 2 {"}"} {"}"}
            model: {"{"} backbone: agent_transformer, hidden: 16, heads: 2, blocks: 1, time_embedding: 8, formalism: ddpm, timesteps: 20 {"}"}
            train: {"{"} iterations: 4, batch_size: 2, checkpoint_every: 2 {"}"}
            sampler: {"{"} name: ancestral, steps: 4, batch_size: 8 {"}"}
            evaluate: {"{"} samples: 8, mmd_samples: 3, elbo_noise_draws: 1 {"}"}
            """);
        var run = folder.Combine("run");
        var train = ReliabilityTests.Cli("train-baseline", "-c", config, "-r", run);
        Assert.True(train.Code == 0, train.Error);

        // Each scene as many vehicles as the held-out scene it is drawn under (1 or 2): never the padded third row.
        var own = ReliabilityTests.Cli("sample", "-r", run, "-n", "40", "-o", folder.Combine("own.csv"));
        Assert.True(own.Code == 0, own.Error);
        var counts = TrafficSceneCsv.Read(folder.Combine("own.csv")).GroupBy(r => r.Scene).Select(g => g.Count()).ToArray();
        Assert.Equal(40, counts.Length);
        Assert.All(counts, c => Assert.InRange(c, 1, 2));
        Assert.Contains(1, counts);
        Assert.Contains(2, counts);

        var three = ReliabilityTests.Cli("sample", "-r", run, "-n", "6", "--agents", "3", "-o", folder.Combine("three.csv"));
        Assert.True(three.Code == 0, three.Error);
        var rows = TrafficSceneCsv.Read(folder.Combine("three.csv"));
        Assert.Equal(18, rows.Count);
        Assert.All(rows.GroupBy(r => r.Scene), g => Assert.Equal([0, 1, 2], g.Select(r => r.Agent).Order().ToArray()));
        var one = ReliabilityTests.Cli("sample", "-r", run, "-n", "6", "--agents", "1", "-o", folder.Combine("one.csv"));
        Assert.True(one.Code == 0, one.Error);
        Assert.All(TrafficSceneCsv.Read(folder.Combine("one.csv")), r => Assert.Equal(0, r.Agent));
        Assert.Equal(6, TrafficSceneCsv.Read(folder.Combine("one.csv")).Count);

        var tooMany = ReliabilityTests.Cli("sample", "-r", run, "-n", "6", "--agents", "4", "-o", folder.Combine("four.csv"));
        Assert.NotEqual(0, tooMany.Code);
        Assert.Equal("error: --agents must lie between 1 and 3 (the data set's elements per sample, its max_agents), got 4", ReliabilityTests.ErrorLine(tooMany.Error));
        Assert.False(File.Exists(folder.Combine("four.csv")));

        // The evaluation of the padded run measures too (the bound on real vehicles, the MMD with padding zeroed).
        var evaluate = ReliabilityTests.Cli("evaluate", "-r", run, "--json");
        Assert.True(evaluate.Code == 0, evaluate.Error);
        using var json = System.Text.Json.JsonDocument.Parse(evaluate.Output);
        Assert.True(double.IsFinite(json.RootElement.GetProperty("elbo").GetDouble()));
    }
}
