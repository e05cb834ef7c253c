using System.Text.Json;
using GenNeg.Benchmarks;
using GenNeg.Cli;
using GenNeg.Networks;

namespace GenNeg.Tests;

public class BenchmarkTests
{
    [Fact]
    public void Training_flops_count_every_weight_multiply_three_times_over()
    {
        var shape = new MlpShape(2, 2);
        using var network = new ResidualMlp(shape);
        var biases = network.parameters().Where(p => p.ndim == 1).Sum(p => p.numel());
        // Each weight is one multiply-add per sample: 2 FLOPs forward, 4 backward.
        Assert.Equal(6.0 * 1000 * (network.ParameterCount() - biases), Benchmark.TrainingStepFlops(shape, 1000));
        Assert.Equal(6.0 * 1000 * 492_544, Benchmark.TrainingStepFlops(shape, 1000));
    }

    [Fact]
    public void Bench_prints_every_figure_and_writes_json()
    {
        using var folder = new TempFolder();
        var json = folder.Combine("bench.json");
        var output = new StringWriter();
        var error = new StringWriter();
        var code = GenNegCli.Run(["bench", "--json", json, "--set", "sampler.batch_size=400", "--set", "sampler.steps=4",
                                  "--set", "train.batch_size=200", "--set", "genneg.classifier.batch_size=256", "--set", "model.hidden=64"], output, error);
        Assert.True(code == 0, error.ToString());
        foreach (var name in new[] { "matmul 2048x2048 float32", "baseline training, fraction of matmul rate", "sampler step, baseline + 2 classifiers",
                                     "sampler step, distilled", "drawing synthetic data", "peak resident memory" })
            Assert.Contains(name, output.ToString());
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        Assert.All(document.RootElement.EnumerateArray(), f => Assert.True(f.GetProperty("value").GetDouble() > 0, f.GetProperty("name").GetString()));
    }
}
