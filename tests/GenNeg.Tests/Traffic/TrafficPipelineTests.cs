using System.Text.Json;
using GenNeg.Configuration;
using GenNeg.Domains.Traffic;
using GenNeg.Domains.Traffic.Realism;
using GenNeg.Metrics;
using GenNeg.Pipelines;
using GenNeg.Reporting;
using GenNeg.Domains.Traffic.Export;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging.Abstractions;

namespace GenNeg.Tests.Traffic;

/// <summary>The traffic experiment end to end on a budget of seconds: the same pipeline as the checkerboard, nothing traffic-specific in it.</summary>
public class TrafficPipelineTests
{
    /// <summary>
    /// Two vehicles per scene, so that even a barely trained model draws some valid scenes for the balanced set; a tiny
    /// agent transformer, a DDPM with T = 100.
    /// </summary>
    internal const string TinyTraffic = """
        seed: 5
        oracle: traffic
        data:
          name: traffic
          train_size: 80
          validation_size: 40
          traffic: { train_maps: 5, validation_maps: 5, agents: 2, raster_resolution: 2.0 }
        model: { formalism: ddpm, backbone: agent_transformer, hidden: 16, heads: 2, blocks: 1, time_embedding: 16, timesteps: 100 }
        train: { iterations: 30, batch_size: 32, learning_rate: 2.0e-3, ema_decay: 0.9, checkpoint_every: 10 }
        sampler: { name: ddim, steps: 5, eta: 1, batch_size: 128 }
        evaluate: { samples: 128, mmd_samples: 32, elbo_noise_draws: 2 }
        genneg: { iterations: 1, guidance_max_sigma: 1.0, per_class: 16, min_per_class: 4, draw_batch_size: 128, max_draws: 12800, classifier: { iterations: 10, batch_size: 32, checkpoint_every: 5 } }
        distill: { iterations: 10, batch_size: 32, learning_rate: 1.0e-3, checkpoint_every: 5 }
        report: { latency_batch_size: 16 }
        """;

    [Fact]
    public void A_tiny_traffic_pipeline_runs_end_to_end_with_collision_and_offroad_in_its_report()
    {
        using var folder = new TempFolder();
        var config = TestConfig.Parse(TinyTraffic);
        var run = folder.Combine("run");
        var (report, markdown) = new Pipeline(NullLoggerFactory.Instance, Registries.CreateDefault()).Run(new PipelineRequest(config, run));

        Assert.Equal(["baseline", "genneg-1", "distilled-1"], report.Rows.Select(r => r.Stage));
        Assert.All(report.Rows, row =>
        {
            Assert.NotNull(row.ElementInfractionRate);
            Assert.Equal(["collision", "offroad"], row.InfractionsByReason!.Keys.Order());
            // A scene infracts when any vehicle does, so the per-scene rate bounds each reason's and the per-vehicle rate.
            Assert.All(row.InfractionsByReason.Values, rates => Assert.InRange(rates.Samples, 0, row.InfractionRate + 1e-12));
            Assert.InRange(row.ElementInfractionRate!.Value, 0, row.InfractionRate + 1e-12);
        });
        Assert.Equal(1, report.Rows[1].Classifiers);
        Assert.Equal(1.0, Runs.RunFolder.Open(run).Stage("genneg-1").GuidanceMaxSigma);
        Assert.Contains("| stage | any reason | collision | offroad |", markdown);
        foreach (var file in new[] { "report.md", "report.html", "report/baseline.png", "report/genneg-1.png", "report/distilled-1.png", "genneg-1/maps.geojson" })
            Assert.True(File.Exists(Path.Combine(run, file)), file);

        // Each stage's evaluation samples are written as scenes (one row per vehicle) beside the maps.
        var scenes = TrafficSceneCsv.Read(Path.Combine(run, "genneg-1", "evaluation-samples.csv"));
        Assert.Equal(128 * 2, scenes.Count);
        Assert.All(scenes, row => Assert.Equal("evaluation", row.Split));
        Assert.Equal(report.Rows[1].InfractionRate, scenes.GroupBy(r => r.Scene).Count(g => g.Any(r => r.Collision || r.Offroad)) / 128.0, 1e-12);

        // Every stage records the W1 of each realism feature in metrics.json, the same as measured again from its saved
        // samples (all 128 are kept) against the held-out scenes; the report shows them with the histograms.
        string[] features = [TrafficRealism.NearestGap, TrafficRealism.RoadEdgeDistance, TrafficRealism.LaneHeading, TrafficRealism.Speed, TrafficRealism.VehiclesPerLane];
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        var dataSet = new TrafficDataSet();
        using var data = dataSet.Load(config.Data);
        foreach (var row in report.Rows)
        {
            var recorded = metrics.RootElement.GetProperty(row.Stage).GetProperty("realism");
            Assert.Equal(features, recorded.EnumerateObject().Select(p => p.Name));
            using var saved = EvaluationSamples.Load(Runs.RunFolder.Open(run), row.Stage)!;
            var again = RealismDistances.Measure(dataSet, data, saved.Samples, saved.Condition);
            foreach (var feature in features)
            {
                Assert.Equal(again[feature], recorded.GetProperty(feature).GetDouble(), 9);
                Assert.Equal(again[feature], row.Realism![feature], 9);
                Assert.True(again[feature] > 0, $"{row.Stage} {feature}: a barely trained model matches the data exactly");
            }
            Assert.True(File.Exists(Path.Combine(run, RunReport.RealismFigure(row.Stage))), row.Stage);
        }
        Assert.Contains("| stage | W1 nearest\\_gap | W1 road\\_edge\\_distance |", markdown);
        Assert.Contains("W1 speed relative to baseline", markdown);
        Assert.Contains("<h2>Realism</h2>", File.ReadAllText(Path.Combine(run, "report.html")));
    }
}
