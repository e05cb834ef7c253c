using GenNeg.Data;
using GenNeg.Guidance;
using GenNeg.Runs;
using GenNeg.Sampling;
using static TorchSharp.torch;

namespace GenNeg.Workflows;

/// <summary>
/// The evaluation samples a stage keeps: the data set's CSV for people and a tensor file (samples, conditions and the
/// oracle's verdicts) for the report's pictures. New ones are written beside the stage's files first (<see cref="Stage"/>)
/// and moved in only once metrics.json holds their figures (<see cref="Staged.Commit"/>): a failed write of either leaves
/// the previous samples with the previous figures.
/// </summary>
public static class EvaluationSamples
{
    /// <summary>Evaluation samples kept for pictures and the CSV: at most this many, and at most this many bytes.</summary>
    private const int MaxSavedSamples = 20_000;
    private const long MaxSavedBytes = 64L << 20;

    /// <summary>Where a stage's evaluation samples are kept for people (the data set's CSV), relative to the run folder.</summary>
    public static string CsvFile(string stage) => $"{stage}/evaluation-samples.csv";

    /// <summary>Where they are kept for the report's pictures (samples and conditions), relative to the run folder.</summary>
    public static string TensorFile(string stage) => $"{stage}/evaluation-samples.bin";

    /// <summary>A stage's saved evaluation samples and their conditions (on the CPU), or null when there are none.</summary>
    public static DrawnSamples? Load(RunFolder run, string stage)
    {
        var path = run.PathOf(TensorFile(stage));
        if (!File.Exists(path)) return null;
        using var reader = new BinaryReader(File.OpenRead(path));
        using var saved = LabelledSamples.Load(reader, CPU);
        return new DrawnSamples(saved.Samples.alias(), saved.Condition.Map(t => t.alias()));
    }

    /// <summary>
    /// Writes the first of <paramref name="drawn"/> to the stage's staging folder (emptied first); disposing what it
    /// returns removes the folder, so call <see cref="Staged.Commit"/> once the figures are recorded.
    /// </summary>
    internal static Staged Stage(RunFolder run, Experiment experiment, StageRecord record, DrawnSamples drawn)
    {
        var staging = run.PathOf(StagingFolder(record.Name));
        RemoveStaging(staging);
        try
        {
            Directory.CreateDirectory(staging);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GenNegException($"cannot write '{staging}': {e.Message}");
        }
        Save(experiment, record, drawn, staging);
        return new Staged(run, record, staging);
    }

    /// <summary>Evaluation samples waiting in the staging folder.</summary>
    internal sealed class Staged(RunFolder run, StageRecord record, string staging) : IDisposable
    {
        /// <summary>Moves the staged samples over the stage's previous ones.</summary>
        public void Commit()
        {
            foreach (var file in Directory.EnumerateFiles(staging))
            {
                var target = run.PathOf(Path.Combine(record.Name, Path.GetFileName(file)));
                try
                {
                    File.Move(file, target, overwrite: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new GenNegException($"cannot write '{target}': {e.Message}");
                }
            }
        }

        public void Dispose() => RemoveStaging(staging);
    }

    /// <summary>Where new evaluation samples wait, inside the stage's folder, until the figures are recorded.</summary>
    private static string StagingFolder(string stage) => $"{stage}/.evaluation-new";

    private static void RemoveStaging(string staging)
    {
        try
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next evaluation of the stage, which empties it first.
        }
    }

    private static void Save(Experiment experiment, StageRecord record, DrawnSamples drawn, string folder)
    {
        using var scope = NewDisposeScope();
        var count = drawn.Samples.shape[0];
        var bytesPerSample = drawn.Samples[0].numel() * drawn.Samples.element_size()
            + drawn.Condition.Entries.Sum(e => e.Value[0].numel() * e.Value.element_size());
        var keep = (int)Math.Min(Math.Min(count, MaxSavedSamples), Math.Max(1, MaxSavedBytes / Math.Max(1, bytesPerSample)));
        var kept = new DrawnSamples(drawn.Samples[..keep].cpu(), drawn.Condition.Slice(0, keep).To(CPU));
        var verdict = experiment.Oracle.Judge(kept.Samples, kept.Condition);
        experiment.DataSet.WriteSamples(experiment.Data, IDataSet.Same("evaluation", kept.Samples.shape[0]), kept.Samples, kept.Condition, verdict,
            Path.Combine(folder, Path.GetFileName(CsvFile(record.Name))));
        AtomicFile.Write(Path.Combine(folder, Path.GetFileName(TensorFile(record.Name))), stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            new LabelledSamples(kept.Samples, kept.Condition, verdict.Valid).Save(writer);
        });
    }
}
