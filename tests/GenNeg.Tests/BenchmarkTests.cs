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
        Assert.Equal(2.0 * 1000 * (3 * (network.ParameterCount() - biases) - firstLayers), TrainingBenchmark.StepFlops(shape, 1000));
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
        // Each phase's peak memory, measured apart; the whole run's is the largest of them.
        string[] phases = ["loading the data", "training", "sampling", "drawing"];
        var peaks = phases.Select(p => figures[$"peak resident memory: {p}"]).ToArray();
        Assert.All(peaks, mb => Assert.InRange(mb, 50, 64_000));
        Assert.InRange(figures["peak resident memory"], peaks.Max(), peaks.Max() * 1.01);
    }

    /// <summary>
    /// Runs the genneg program as a process of its own, so that it restarts itself with its settings, from an environment
    /// without any of them plus <paramref name="environment"/>; returns what it printed.
    /// </summary>
    private static async Task<string> RunGenneg(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(GenNegCli).Assembly.Location);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var name in new[] { "GLIBC_TUNABLES", "GENNEG_ALLOCATOR_RESTARTED", Runtime.ProcessSettings.OptOutVariable, "GOMP_SPINCOUNT", "OMP_WAIT_POLICY" })
            start.Environment.Remove(name);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await error);
        return output;
    }

    private static Dictionary<string, double> Figures(string json)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        return document.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task The_genneg_program_restarts_itself_with_the_allocator_and_openmp_settings()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TempFolder();
        var json = folder.Combine("bench.json");
        var output = await RunGenneg(new Dictionary<string, string>(), "bench", "--json", json, "--set", "sampler.batch_size=400", "--set", "sampler.steps=4",
            "--set", "train.batch_size=200", "--set", "genneg.classifier.batch_size=256", "--set", "model.hidden=64");
        Assert.Matches(@"glibc allocator settings applied \(1 = yes\)\s+1\s", output);
        Assert.Matches($@"OpenMP spin count before a waiting thread sleeps\s+{Runtime.ProcessSettings.SpinCount}\s", output);
        var figures = Figures(json);
        Assert.Equal(1, figures["glibc allocator settings applied (1 = yes)"]);
        Assert.Equal(double.Parse(Runtime.ProcessSettings.SpinCount, System.Globalization.CultureInfo.InvariantCulture), figures[Benchmark.SpinCountFigure]);
    }

    [Fact]
    public async Task Bench_times_the_training_loop_in_processes_at_once_and_a_spin_count_the_user_set_is_kept()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TempFolder();
        var json = folder.Combine("bench.json");
        await RunGenneg(new Dictionary<string, string> { ["GOMP_SPINCOUNT"] = "5000" },
            "bench", "--training-only", "--processes", "2", "--json", json, "--set", "train.batch_size=200", "--set", "model.hidden=64");
        var figures = Figures(json);
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
