using GenNeg.Configuration;
using GenNeg.Domains.Motion;
using GenNeg.Pipelines;
using GenNeg.Runs;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging.Abstractions;

namespace GenNeg.Tests.Motion;

/// <summary>The whole method on generated motions, on a budget of seconds: baseline, one iteration with per-frame labels, distillation, report.</summary>
public class MotionPipelineTests
{
    private const string Yaml = """
        seed: 4
        oracle: ground_penetration
        data: { name: motion, train_size: 100, validation_size: 60, seed: 1, validation_seed: 2, motion: { frames: 8, mmd_frames_per_sample: 2 } }
        model: { formalism: ddpm, backbone: motion_transformer, hidden: 16, heads: 2, blocks: 1, time_embedding: 16, timesteps: 50, schedule: linear }
        train: { iterations: 200, batch_size: 32, learning_rate: 3.0e-3, checkpoint_every: 100 }
        sampler: { name: ddim, steps: 5, eta: 1, batch_size: 100 }
        evaluate: { samples: 100, mmd_samples: 40, mmd_bandwidths: [4, 8, 16], elbo_noise_draws: 2 }
        genneg: { iterations: 1, per_class: 20, min_per_class: 5, draw_batch_size: 100, max_draws: 5000, classifier: { iterations: 10, batch_size: 32, checkpoint_every: 5 } }
        distill: { iterations: 10, batch_size: 32, checkpoint_every: 5 }
        report: { latency_batch_size: 16 }
        """;

    /// <summary>
    /// A floor tolerance of 5 cm, so that the barely trained model's noisy motions come out both penetrating and not,
    /// as the iteration needs both classes.
    /// </summary>
    [Fact]
    public void Motions_run_through_the_pipeline_with_per_frame_labels()
    {
        using var folder = new TempFolder();
        var run = folder.Combine("run");
        var config = TestConfig.Parse(Yaml, ["data.motion.floor_tolerance=0.05"]);
        var (report, markdown) = new Pipeline(NullLoggerFactory.Instance, Registries.CreateDefault()).Run(new PipelineRequest(config, run));

        Assert.Equal(["baseline", "genneg-1", "distilled-1"], report.Rows.Select(r => r.Stage));
        Assert.Contains("| r-ELBO per example |", markdown);
        var manifest = RunFolder.Open(run).LoadManifest();
        Assert.Equal([8L, 66], manifest.Data!.SampleShape);
        Assert.Equal([8L], manifest.Data.ElementShape);
        Assert.Equal(["action [5]"], manifest.Data.Conditions);
        var metrics = StageMetrics.Recorded(RunFolder.Open(run));
        foreach (var stage in metrics.Values)
        {
            Assert.NotNull(stage.ElementInfractionRate);
            Assert.InRange(stage.InfractionRate, stage.ElementInfractionRate!.Value, 1);
            Assert.True(double.IsFinite(stage.Mmd) && double.IsFinite(stage.Elbo), $"{stage.Stage}: MMD {stage.Mmd}, r-ELBO {stage.Elbo}");
        }
        // The saved samples: one CSV row per frame, penetrating frames flagged as the recorded per-frame rate says.
        var rows = File.ReadAllLines(Path.Combine(run, EvaluationSamples.CsvFile("genneg-1")));
        Assert.StartsWith("split,sample,action,frame,penetrating,pelvis_x,pelvis_y,pelvis_z,", rows[0]);
        Assert.Equal(100 * 8 + 1, rows.Length);
        var penetrating = rows.Skip(1).Count(r => r.Split(',')[4] == "1") / 800.0;
        Assert.Equal(metrics["genneg-1"].ElementInfractionRate!.Value, penetrating, 9);
        Assert.True(File.Exists(Path.Combine(run, "report.md")));
    }

    [Fact]
    public void An_x0_predicting_model_trains_samples_and_is_evaluated()
    {
        using var folder = new TempFolder();
        var run = folder.Combine("run");
        var registries = Registries.CreateDefault();
        var config = TestConfig.Parse(Yaml, ["model.prediction=x0"]);
        new BaselineTraining(NullLoggerFactory.Instance, registries).Run(new BaselineTrainingRequest(config, run, Resume: false));
        var metrics = new Evaluation(NullLogger<Evaluation>.Instance, registries).Run(new EvaluationRequest(run, "baseline"));
        Assert.True(double.IsFinite(metrics.Mmd) && double.IsFinite(metrics.Elbo), $"MMD {metrics.Mmd}, r-ELBO {metrics.Elbo}");
        Assert.Equal("x0", TestConfig.Load(Path.Combine(run, "config.yaml")).Model.Prediction);
    }
}
