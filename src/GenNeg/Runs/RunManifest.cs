using System.Text.Json;
using System.Text.Json.Serialization;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Networks;

namespace GenNeg.Runs;

/// <summary>
/// What a run folder holds, stage by stage. A stage is a base denoiser plus an ordered classifier stack;
/// every command that samples or evaluates reads its model from here. Format 2 adds <see cref="Data"/> (the shapes the
/// models were built for) and each classifier's head; format-1 manifests (checkerboard runs of earlier versions) still
/// load, as unconditional runs with by-sample classifiers.
/// </summary>
public sealed record RunManifest
{
    /// <summary>The newest manifest format this build reads and writes; older ones are read as they are.</summary>
    public const int CurrentFormat = 2;

    public int Format { get; init; } = CurrentFormat;

    /// <summary>What the run's models were built for; null in format-1 manifests.</summary>
    public DataRecord? Data { get; init; }

    public IReadOnlyList<StageRecord> Stages { get; init; } = [];

    /// <summary>SHA-256 of every model file the stages use, by path relative to the run folder; checked at load.</summary>
    public IReadOnlyDictionary<string, string> Checksums { get; init; } = new Dictionary<string, string>();

    public StageRecord? Find(string name) => Stages.FirstOrDefault(s => s.Name == name);

    /// <summary>The stage made last: the highest <see cref="StageRecord.Sequence"/>, however often older stages were rewritten since.</summary>
    [JsonIgnore]
    public StageRecord Latest => Stages.Count > 0
        ? Stages.MaxBy(s => s.Sequence)!
        : throw new GenNegException("the run has no trained stage yet; run train-baseline first");

    /// <summary>
    /// Adds a stage, or replaces the one of the same name keeping its place and sequence number: rewriting a stage
    /// (train-baseline --resume on a finished run) never makes it the newest.
    /// </summary>
    public RunManifest WithStage(StageRecord stage)
    {
        var existing = Find(stage.Name);
        var placed = stage with { Sequence = existing?.Sequence ?? Stages.Select(s => s.Sequence).DefaultIfEmpty(0).Max() + 1 };
        return this with
        {
            Stages = existing is null ? [.. Stages, placed] : [.. Stages.Select(s => s.Name == stage.Name ? placed : s)],
        };
    }

    /// <summary>A copy with these files' checksums set (others kept).</summary>
    public RunManifest WithChecksums(IEnumerable<KeyValuePair<string, string>> checksums)
    {
        var all = new Dictionary<string, string>(Checksums);
        foreach (var (file, checksum) in checksums) all[file] = checksum;
        return this with { Checksums = all };
    }

    /// <summary>
    /// Manifests written before stages carried sequence numbers list them in the order they were made: number them so.
    /// </summary>
    internal RunManifest WithSequenceNumbers() =>
        Stages.Any(s => s.Sequence == 0) ? this with { Stages = [.. Stages.Select((s, i) => s with { Sequence = i + 1 })] } : this;

    public RunManifest WithData(DataRecord data) => this with { Data = data, Format = CurrentFormat };

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>The shapes a run's models were built for, so a run can be checked against the data it is loaded with.</summary>
/// <param name="SampleShape">S, the shape of one sample</param>
/// <param name="Conditions">the condition tensors beside each sample, as "name [shape]"</param>
/// <param name="ElementShape">E, the shape of the oracle's per-element labels ([] when it labels whole samples)</param>
/// <param name="Backbone">model.backbone</param>
public sealed record DataRecord(string DataSet, long[] SampleShape, IReadOnlyList<string> Conditions, long[] ElementShape, string Backbone)
{
    public static DataRecord Of(DataSplit data, GenNegConfig config) => new(
        config.Data.Name, data.SampleShape,
        data.TrainCondition.Entries.Select(e => $"{e.Key} [{string.Join(", ", e.Value.shape[1..])}]").ToList(),
        data.ElementShape, config.Model.Backbone);

    /// <summary>Fails with one line when <paramref name="data"/> does not have the shapes the run was built for.</summary>
    public void EnsureMatches(DataSplit data, GenNegConfig config, string runPath)
    {
        var now = Of(data, config);
        string Describe(DataRecord r) =>
            $"{r.DataSet} samples [{string.Join(", ", r.SampleShape)}], conditions {(r.Conditions.Count == 0 ? "none" : string.Join("; ", r.Conditions))}, " +
            $"labels [{string.Join(", ", r.ElementShape)}], backbone {r.Backbone}";
        if (DataSet != now.DataSet || !SampleShape.SequenceEqual(now.SampleShape) || !Conditions.SequenceEqual(now.Conditions)
            || !ElementShape.SequenceEqual(now.ElementShape) || Backbone != now.Backbone)
            throw new GenNegException($"run folder '{runPath}' was trained on {Describe(this)}; the config now gives {Describe(now)}");
    }
}

/// <param name="Name">stage name: baseline, genneg-1, ...</param>
/// <param name="Denoiser">path of the base denoiser's weights, relative to the run folder</param>
/// <param name="Classifiers">the classifier stack applied on top, in order (empty for the baseline)</param>
/// <param name="GuidanceScale">multiplier of the stack's gradient while sampling</param>
/// <param name="GuidanceMaxSigma">noise levels above this get no guidance (null: every level)</param>
public sealed record StageRecord(string Name, string Denoiser, IReadOnlyList<ClassifierRecord> Classifiers, double GuidanceScale = 1.0, double? GuidanceMaxSigma = null)
{
    /// <summary>Creation order within the run (1 for the first stage); <see cref="RunManifest.WithStage"/> assigns it.</summary>
    public int Sequence { get; init; }

    /// <summary>
    /// The peak resident memory of each phase that made the stage, in bytes, by phase (<see cref="Phases"/>), as
    /// measured by the process that ran it (for a resumed phase, the peak since it resumed); null where it was not measured.
    /// </summary>
    public IReadOnlyDictionary<string, long>? PeakMemory { get; init; }

    /// <summary>The phases <see cref="PeakMemory"/> names.</summary>
    public static class Phases
    {
        public const string Train = "train", Draw = "draw", TrainClassifier = "train_classifier", Distill = "distill";
    }

    /// <summary>The record with <paramref name="phase"/>'s peak added (unchanged when it was not measured).</summary>
    public StageRecord WithPeakMemory(string phase, long? bytes) => bytes is { } measured
        ? this with { PeakMemory = new Dictionary<string, long>(PeakMemory ?? new Dictionary<string, long>()) { [phase] = measured } }
        : this;
}

/// <param name="Weights">path of the classifier's weights, relative to the run folder</param>
/// <param name="Alpha">the model's valid rate when the classifier's data were drawn (positives / all draws)</param>
/// <param name="Drawn">samples drawn to build its data set</param>
/// <param name="PositivesDrawn">valid samples among them</param>
/// <param name="NegativesDrawn">invalid samples among them</param>
/// <param name="TrainPositives">valid samples in its training set</param>
/// <param name="TrainNegatives">invalid samples in its training set</param>
/// <param name="Ablation">none, imbalanced or no_importance_weights</param>
/// <param name="TimeIndependent">trained on clean x0 and applied to D(x; sigma)</param>
/// <param name="Seed">seed of its drawing and training</param>
/// <param name="DrawSeconds">wall time of drawing its data</param>
/// <param name="TrainSeconds">wall time of training it</param>
/// <param name="Head">by_sample or by_element (format-1 manifests: by_sample)</param>
/// <param name="Importance">how its set was drawn by sequential importance sampling (null: drawn from the model itself;
/// then Alpha is the self-normalised weighted valid rate, and the draw counts are the proposal's)</param>
public sealed record ClassifierRecord(
    string Weights, double Alpha, long Drawn, long PositivesDrawn, long NegativesDrawn, long TrainPositives, long TrainNegatives,
    string Ablation, bool TimeIndependent, long Seed, double DrawSeconds, double TrainSeconds, string Head = ClassifierHead.BySample,
    ImportanceDrawingRecord? Importance = null);
