using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Workflows;
using static TorchSharp.torch;

namespace GenNeg.Tests;

/// <summary>The exact denoiser of Gaussian data N(0, s^2 I): D(x; sigma) = s^2 / (s^2 + sigma^2) x.</summary>
internal sealed class GaussianDenoiser(double dataStd) : IDenoiser
{
    public Tensor Denoise(Tensor x, Tensor sigma, Condition condition)
    {
        var variance = dataStd * dataStd;
        return x * PerSample.Broadcast(variance / (sigma.square() + variance), x);
    }
}

/// <summary>A temporary folder deleted after the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "genneg-tests", Guid.NewGuid().ToString("N"));

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}

/// <summary>Workflow progress that hands every training report to a callback and ignores the rest.</summary>
internal sealed class TrainingCallbackProgress(Action<GenNeg.Training.TrainingProgress> onTraining) : GenNeg.Workflows.IWorkflowProgress
{
    public IProgress<GenNeg.Training.TrainingProgress> Training(string phase) => new CallbackProgress<GenNeg.Training.TrainingProgress>(onTraining);
    public IProgress<GenNeg.Sampling.SamplingProgress> Sampling(string phase) => GenNeg.Workflows.IWorkflowProgress.None.Sampling(phase);
    public IProgress<GenNeg.Guidance.DrawProgress> Drawing(string phase) => GenNeg.Workflows.IWorkflowProgress.None.Drawing(phase);
}

/// <summary>Compares numbers (and, through Assert.Equal on sequences, arrays of them) up to an absolute tolerance.</summary>
internal sealed class Tolerance(double epsilon) : IEqualityComparer<double>
{
    public bool Equals(double a, double b) => Math.Abs(a - b) <= epsilon;
    public int GetHashCode(double value) => 0;
}

/// <summary>Models for unconditional samples of a given shape, built as a run builds them (on the CPU).</summary>
internal static class TestModels
{
    public static GenNeg.Workflows.ModelBuilder Builder(GenNeg.Configuration.ModelConfig model, params long[] sampleShape) =>
        new(model, new GenNeg.Data.DataSplit(zeros([1, .. sampleShape]), zeros([1, .. sampleShape])), Registries.CreateDefault().Backbones, CPU);

    public static GenNeg.Diffusion.PreconditionedDenoiser Denoiser(GenNeg.Configuration.ModelConfig model, int dimension, long seed) =>
        Builder(model, dimension).CreateDenoiser(seed);

    public static GenNeg.Guidance.TimeDependentClassifier Classifier(GenNeg.Configuration.ModelConfig model, int dimension, long seed) =>
        Builder(model, dimension).CreateClassifier(seed, GenNeg.Networks.ClassifierHead.BySample);
}

/// <summary>Independent recounts of recorded figures.</summary>
internal static class Recount
{
    /// <summary>The share of rows marked invalid in a stage's saved evaluation samples (evaluation-samples.csv, last column).</summary>
    public static double InfractionRate(string runPath, string stage)
    {
        var rows = File.ReadAllLines(System.IO.Path.Combine(runPath, EvaluationSamples.CsvFile(stage))).Skip(1).ToList();
        return rows.Count(r => r.EndsWith(",0", StringComparison.Ordinal)) / (double)rows.Count;
    }
}

/// <summary>A "sampler" that returns its noise scaled: samples N(0, scale^2) of any shape, whatever the denoiser.</summary>
internal sealed class NoiseSampler(double scale) : GenNeg.Sampling.ISampler
{
    public int Steps => 1;
    public int Evaluations => 0;
    public Tensor Sample(IDenoiser denoiser, Tensor noise, GenNeg.Data.Condition condition, Generator generator) => noise * scale;
}

internal static class Repository
{
    /// <summary>A file of the repository by its path from the root (the folder holding GenNeg.sln).</summary>
    public static string File(string relative)
    {
        var folder = AppContext.BaseDirectory;
        while (!System.IO.File.Exists(Path.Combine(folder, "GenNeg.sln"))) folder = Path.GetDirectoryName(folder)!;
        return Path.Combine(folder, relative);
    }
}
