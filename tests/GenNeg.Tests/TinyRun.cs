namespace GenNeg.Tests;

/// <summary>A config small enough that a whole train -> sample -> evaluate cycle takes seconds.</summary>
internal static class TinyRun
{
    public const string Yaml = """
        seed: 3
        oracle: checkerboard
        data: { name: checkerboard, train_size: 256, validation_size: 300, seed: 1, validation_seed: 2 }
        model: { hidden: 32, blocks: 1, time_embedding: 16 }
        train: { iterations: 60, batch_size: 256, learning_rate: 2.0e-3, learning_rate_decay: 0.2, ema_decay: 0.9, checkpoint_every: 20 }
        sampler: { steps: 8, churn: 10, batch_size: 400 }
        evaluate: { samples: 500, mmd_samples: 200, elbo_noise_draws: 2 }
        """;

    /// <summary>The tiny run with one Gen-neG iteration and a distillation: the whole pipeline in seconds.</summary>
    public const string PipelineYaml = Yaml + """

        genneg: { iterations: 1, per_class: 40, min_per_class: 10, draw_batch_size: 200, max_draws: 20000, classifier: { iterations: 30, batch_size: 128, checkpoint_every: 10 } }
        distill: { iterations: 20, batch_size: 256, learning_rate: 1.0e-3, ema_decay: 0.9, checkpoint_every: 10 }
        report: { latency_batch_size: 64 }
        """;

    public static string WriteConfig(TempFolder folder, string yaml = Yaml)
    {
        var path = folder.Combine("tiny.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
