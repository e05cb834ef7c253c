using GenNeg.Configuration;
using System.Text.RegularExpressions;
using GenNeg.Guidance;
using GenNeg.Runs;
using GenNeg.Sampling;
using GenNeg.Training;
using GenNeg.Workflows;

namespace GenNeg.Reporting.TensorBoard;

/// <summary>
/// Passes a workflow's progress on and also logs it to TensorBoard, one TensorBoard run per phase under the run
/// folder's tensorboard/: training loss, learning rate and it/s (baseline-training, genneg-k-classifier,
/// distilled-k-training), and the drawing counts with alpha (genneg-k-drawing). Off when the run's config says
/// tensorboard.enabled: false. A resumed phase appends a second event file to the same folder, from the resumed step.
/// </summary>
public sealed partial class TensorBoardProgress : IWorkflowProgress
{
    public const string Folder = "tensorboard";

    private readonly IWorkflowProgress inner;
    private readonly ConfigSchema schema;
    private readonly string runPath;

    private TensorBoardProgress(IWorkflowProgress inner, string runPath, ConfigSchema schema)
    {
        this.inner = inner;
        this.runPath = runPath;
        this.schema = schema;
    }

    /// <summary>Progress that goes to <paramref name="inner"/> and, while the run's config enables it, to TensorBoard.</summary>
    public static IWorkflowProgress Around(IWorkflowProgress inner, string runPath, ConfigSchema schema) => new TensorBoardProgress(inner, runPath, schema);

    public IProgress<TrainingProgress> Training(string phase)
    {
        var shown = inner.Training(phase);
        var log = Open(phase, "training");
        if (log is null) return shown;
        return new Both<TrainingProgress>(shown, p =>
        {
            if (!p.LossIsNew) return;
            if (!double.IsNaN(p.Loss)) log.Value.Scalar("train/loss", p.Loss, p.Step);
            log.Value.Scalar("train/learning_rate", p.LearningRate, p.Step);
            log.Value.Scalar("train/steps_per_second", p.StepsPerSecond, p.Step);
        });
    }

    public IProgress<SamplingProgress> Sampling(string phase) => inner.Sampling(phase);

    public IProgress<DrawProgress> Drawing(string phase)
    {
        var shown = inner.Drawing(phase);
        var log = Open(phase, "drawing");
        if (log is null) return shown;
        return new Both<DrawProgress>(shown, p =>
        {
            log.Value.Scalar("draw/drawn", p.Drawn, p.Drawn);
            log.Value.Scalar("draw/valid", p.Positives, p.Drawn);
            log.Value.Scalar("draw/invalid", p.Negatives, p.Drawn);
            if (p.Drawn > 0) log.Value.Scalar("draw/alpha", (double)p.Positives / p.Drawn, p.Drawn);
        });
    }

    /// <summary>The phase's log, created on its first value so that phases that report nothing leave no folder; null when off.</summary>
    private Lazy<TensorBoardLog>? Open(string phase, string kind)
    {
        var configPath = Path.Combine(runPath, "config.yaml");
        if (!File.Exists(configPath) || !RunFolder.Open(runPath).LoadConfig(schema).Tensorboard.Enabled) return null;
        var name = $"{StageBeingBuilt(phase)}-{(phase.Contains("classifier", StringComparison.Ordinal) ? "classifier" : kind)}";
        return new Lazy<TensorBoardLog>(() => new TensorBoardLog(Path.Combine(runPath, Folder, name)));
    }

    /// <summary>
    /// The stage a training or drawing phase works towards: the workflows name their phases by what they do, and
    /// each builds the next stage of its kind, so the manifest's count of that kind gives the number.
    /// </summary>
    private string StageBeingBuilt(string phase)
    {
        if (phase.StartsWith("train baseline", StringComparison.Ordinal)) return BaselineTraining.StageName;
        var manifest = File.Exists(Path.Combine(runPath, "manifest.json")) ? RunFolder.Open(runPath).LoadManifest() : new RunManifest();
        string Next(string prefix) => prefix + (manifest.Stages.Count(s => s.Name.StartsWith(prefix, StringComparison.Ordinal)) + 1);
        if (phase.StartsWith("train classifier", StringComparison.Ordinal) || phase.StartsWith("draw", StringComparison.Ordinal))
            return Next(GenNegIteration.StagePrefix);
        if (phase.StartsWith("distill", StringComparison.Ordinal)) return Next(Distillation.StagePrefix);
        return NotFileNameCharacters().Replace(phase, "-");
    }

    [GeneratedRegex("[^A-Za-z0-9_.-]+")]
    private static partial Regex NotFileNameCharacters();

    /// <summary>Reports to the display first, then to the log, synchronously on the worker's thread.</summary>
    private sealed class Both<T>(IProgress<T> shown, Action<T> log) : IProgress<T>
    {
        public void Report(T value)
        {
            shown.Report(value);
            log(value);
        }
    }
}
