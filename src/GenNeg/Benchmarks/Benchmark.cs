using System.Diagnostics;
using GenNeg.Configuration;
using static TorchSharp.torch;

namespace GenNeg.Benchmarks;

/// <summary>One benchmark figure: what was measured, its value and unit.</summary>
public sealed record BenchmarkFigure(string Name, double Value, string Unit);

/// <summary>
/// Throughput of every Gen-neG phase on this machine, with synthetic weights at the checkerboard-quick settings:
/// the matrix-multiply rate as the roofline, baseline and classifier training (<see cref="TrainingBenchmark"/>),
/// sampler steps for the baseline, one and two stacked classifiers and a distilled model (<see cref="SamplerBenchmark"/>),
/// drawing of synthetic data (<see cref="DrawingBenchmark"/>), and the peak memory of each of these phases. Each figure is the median of several
/// timed repetitions after a warm-up. A real run's stages and the external-oracle protocol are timed apart
/// (<see cref="StageBenchmark"/>, <see cref="ExternalOracleBenchmark"/>).
/// </summary>
public sealed class Benchmark
{
    public const string SpinCountFigure = "OpenMP spin count before a waiting thread sleeps";

    private readonly GenNegConfig config;
    private readonly Registries registries;

    public Benchmark(GenNegConfig config, Registries registries)
    {
        this.config = config;
        this.registries = registries;
    }

    public IReadOnlyList<BenchmarkFigure> Run(Action<BenchmarkFigure>? onFigure = null)
    {
        var figures = new List<BenchmarkFigure>();
        void Add(string name, double value, string unit)
        {
            var figure = new BenchmarkFigure(name, value, unit);
            figures.Add(figure);
            onFigure?.Invoke(figure);
        }

        Add("threads", get_num_threads(), "");
        Add("glibc allocator settings applied (1 = yes)", Runtime.ProcessSettings.Applied ? 1 : 0, "");
        Add(SpinCountFigure, Runtime.ProcessSettings.OpenMpSpinCount, "");
        // Each phase's peak is measured on its own (the process's high-water mark, reset as the phase starts), the data
        // and the model held throughout included.
        // Resetting the mark loses the whole run's peak, so it is the largest of the phases' (the reset keeps what is resident).
        long overall = 0;
        void Record(string name, Runtime.PeakMemory memory)
        {
            if (memory.PeakBytes is not { } bytes) return;
            overall = Math.Max(overall, bytes);
            Add($"peak resident memory: {name}", bytes / 1e6, "MB");
        }
        void Phase(string name, Action measure)
        {
            var memory = Runtime.PeakMemory.StartPhase();
            measure();
            Record(name, memory);
        }

        var loading = Runtime.PeakMemory.StartPhase();
        using var experiment = Workflows.Experiment.Open(config, registries);
        using var denoiser = experiment.Models.CreateDenoiser(1);
        Record("loading the data", loading);
        Phase("training", () => new TrainingBenchmark(config).AddFigures(experiment, denoiser.Network, Add));
        Phase("sampling", () => new SamplerBenchmark(config).AddFigures(experiment, denoiser, Add));
        Phase("drawing", () => new DrawingBenchmark(config).AddFigures(experiment, denoiser, Add));
        Add("peak resident memory", Math.Max(overall, Process.GetCurrentProcess().PeakWorkingSet64) / 1e6, "MB");
        return figures;
    }

    /// <summary>
    /// The training loop's rate (steps per second, the median of five rounds): what <c>bench --processes N</c> times in
    /// N processes at once against one alone, to show how GenNeg shares a machine with itself.
    /// </summary>
    public double TrainingLoopRate()
    {
        using var experiment = Workflows.Experiment.Open(config, registries);
        return new TrainingBenchmark(config).LoopRate(experiment);
    }
}
