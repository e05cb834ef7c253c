using GenNeg.Configuration;
using GenNeg.Pipelines;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging.Abstractions;
using RingDomain.Ring;
using static TorchSharp.torch;

namespace GenNeg.Tests;

/// <summary>The ring domain of samples/RingDomain: a data set, oracle and keys added by registry lines only.</summary>
public class RingDomainTests
{
    private const string Yaml = """
        seed: 3
        oracle: outside_gap
        data: { name: ring, train_size: 256, validation_size: 300, ring: { radius: 2, thickness: 0.1, gap_degrees: 90 } }
        model: { hidden: 32, blocks: 1, time_embedding: 16 }
        train: { iterations: 60, batch_size: 256, learning_rate: 2.0e-3, checkpoint_every: 20 }
        sampler: { steps: 8, batch_size: 400 }
        evaluate: { samples: 500, mmd_samples: 200, elbo_noise_draws: 2 }
        genneg: { iterations: 1, per_class: 40, min_per_class: 10, draw_batch_size: 200, max_draws: 20000, classifier: { iterations: 30, batch_size: 128, checkpoint_every: 10 } }
        distill: { iterations: 20, batch_size: 256, checkpoint_every: 10 }
        report: { latency_batch_size: 64 }
        """;

    private static readonly Registries WithRing = Registries.CreateDefault().AddRing();

    [Fact]
    public void The_oracle_refuses_exactly_the_angles_inside_the_gap()
    {
        double[] degrees = [0, 29.9, -29.9, 30.1, -30.1, 90, 180, -179];
        using var points = tensor(degrees.SelectMany(d => new[] { (float)(2 * Math.Cos(d * Math.PI / 180)), (float)(2 * Math.Sin(d * Math.PI / 180)) }).ToArray()).reshape(-1, 2);
        using var valid = new GapOracle(60).IsValid(points);
        Assert.Equal([false, false, false, true, true, true, true, true], valid.data<bool>().ToArray());
    }

    [Fact]
    public void The_ring_keys_are_validated_written_and_documented_like_built_in_ones()
    {
        var schema = WithRing.ConfigSchema;
        var config = ConfigLoader.Parse(Yaml, schema);
        Assert.Equal(90, config.Data.OptionsAs<RingDataConfig>().GapDegrees);
        Assert.Contains("  ring:\n    radius: 2\n    thickness: 0.1\n    gap_degrees: 90\n", ConfigLoader.ToYaml(config));
        Assert.Equal("config key 'data.ring.gap_degrees' must be in [0, 360) degrees, got 360",
            Assert.Throws<GenNegException>(() => ConfigLoader.Parse(Yaml, schema, ["data.ring.gap_degrees=360"])).Message);
        Assert.Equal("config key 'data.ring.thickness' (3) must be below data.ring.radius (2), or the ring fills its centre",
            Assert.Throws<GenNegException>(() => ConfigLoader.Parse(Yaml, schema, ["data.ring.thickness=3"])).Message);
        var reference = ConfigReference.Markdown(schema, WithRing.ConfigChoices());
        Assert.Contains("| `data.ring.gap_degrees` | number | `60` | in [0, 360) degrees | Width of the forbidden gap in degrees, centred on angle 0: no training point lies in it. |", reference);
        Assert.Contains("ring", reference[reference.IndexOf("`data.name`", StringComparison.Ordinal)..].Split('\n')[0]);
    }

    [Fact]
    public void Training_points_avoid_the_gap_and_the_pipeline_runs_on_the_ring()
    {
        using var folder = new TempFolder();
        var config = ConfigLoader.Parse(Yaml, WithRing.ConfigSchema);
        using (var experiment = Experiment.Open(config, WithRing))
        {
            using var valid = experiment.Oracle.IsValid(experiment.Data.Train);
            Assert.True(valid.all().item<bool>());
            using var radius = experiment.Data.Train.norm(1);
            Assert.InRange(radius.mean().item<float>(), 1.95, 2.05);
        }
        var (report, _) = new Pipeline(NullLoggerFactory.Instance, WithRing).Run(new PipelineRequest(config, folder.Combine("run")));
        Assert.Equal(["baseline", "genneg-1", "distilled-1"], report.Rows.Select(r => r.Stage).ToArray());
        Assert.All(report.Rows, row => Assert.InRange(row.InfractionRate, 0, 1));
        Assert.Contains("gap_degrees: 90", File.ReadAllText(folder.Combine("run/config.yaml")));
    }
}
