using System.Diagnostics;
using System.Text.Json;
using GenNeg.Benchmarks;
using GenNeg.Cli;
using GenNeg.Networks;

namespace GenNeg.Tests;

public class BenchmarkTests
{
    [Fact]
    public void Training_flops_count_every_weight_multiply_three_times_over_but_the_first_layers_input_gradients()
    {
        var shape = new MlpShape(2, 2);
        using var network = new ResidualMlp(shape);
        var biases = network.parameters().Where(p => p.ndim == 1).Sum(p => p.numel());
        // Each weight is one multiply-add per sample: 2 FLOPs forward, 2 for its gradient, 2 for its input's gradient,
        // except the input projection (2 x 256) and the embedding's first layer (128 x 256), whose inputs need none.
        const long firstLayers = 2 * 256 + 128 * 256;
        Assert.Equal(2.0 * 1000 * (3 * (network.ParameterCount() - biases) - firstLayers), Benchmark.TrainingStepFlops(shape, 1000));
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
        var figures = document.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("value").GetDouble());
        // Only the genneg program restarts itself with the settings; the test host has them only if started so.
        Assert.Equal(Runtime.ProcessSettings.Applied ? 1 : 0, figures["glibc allocator settings applied (1 = yes)"]);
        // The derived figures follow from the measured ones: the sampling rate from the step time (a Heun step makes two
        // evaluations, 4 steps make 7), the drawing ratio from the two rates.
        Assert.Equal(400 / (figures["sampler step, baseline (batch 400)"] / 2 / 1000 * 7), figures["sampling, baseline"], 6);
        var drawing = figures.Keys.Single(k => k.StartsWith("drawing synthetic data", StringComparison.Ordinal));
        Assert.Equal(figures[drawing] / figures["sampling as many, without the oracle and the data set"], figures["drawing rate / sampling rate"], 9);
    }

    [Fact]
    public async Task The_genneg_program_restarts_itself_with_the_allocator_settings()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TempFolder();
        var json = folder.Combine("bench.json");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { typeof(GenNegCli).Assembly.Location, "bench", "--json", json, "--set", "sampler.batch_size=400",
                                         "--set", "sampler.steps=4", "--set", "train.batch_size=200", "--set", "genneg.classifier.batch_size=256",
                                         "--set", "model.hidden=64" })
            start.ArgumentList.Add(argument);
        start.Environment.Remove("GLIBC_TUNABLES");
        start.Environment.Remove("GENNEG_ALLOCATOR_RESTARTED");
        start.Environment.Remove(Runtime.ProcessSettings.OptOutVariable);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await error);
        Assert.Matches(@"glibc allocator settings applied \(1 = yes\)\s+1\s", output);
        Assert.Matches($@"OpenMP spin count before a waiting thread sleeps\s+{Runtime.ProcessSettings.SpinCount}\s", output);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Contains(document.RootElement.EnumerateArray(), f => f.GetProperty("name").GetString()!.StartsWith("glibc") && f.GetProperty("value").GetDouble() == 1);
    }

    [Fact]
    public async Task Bench_times_the_training_loop_in_processes_at_once_and_a_spin_count_the_user_set_is_kept()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TempFolder();
        var json = folder.Combine("bench.json");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { typeof(GenNegCli).Assembly.Location, "bench", "--training-only", "--processes", "2", "--json", json,
                                         "--set", "train.batch_size=200", "--set", "model.hidden=64" })
            start.ArgumentList.Add(argument);
        start.Environment.Remove("GENNEG_ALLOCATOR_RESTARTED");
        start.Environment["GOMP_SPINCOUNT"] = "5000";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await error);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var figures = document.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("value").GetDouble());
        var alone = figures["training loop, one bench process alone"];
        var slowest = figures["training loop, slowest of 2 bench processes at once"];
        Assert.True(alone > 0 && slowest > 0);
        Assert.Equal(slowest / alone, figures["training loop, 2 processes at once: slowest / alone"], 9);
        Assert.Equal(5000, figures[Benchmark.SpinCountFigure]);
        Assert.Equal(5, figures.Count);
    }

    [Fact]
    public void Bench_refuses_a_process_count_it_cannot_mean()
    {
        var error = new StringWriter();
        Assert.Equal(2, GenNegCli.Run(["bench", "--training-only", "--processes", "0"], new StringWriter(), error));
        Assert.Contains("--processes must be between 1 and 16, got 0", error.ToString());
    }
}
