using System.Text.Json;
using System.Text.Json.Serialization;

namespace GenNeg.Runs;

/// <summary>
/// What a run folder holds, stage by stage. A stage is a base denoiser plus an ordered classifier stack;
/// every command that samples or evaluates reads its model from here.
/// </summary>
public sealed record RunManifest
{
    public int Format { get; init; } = 1;
    public IReadOnlyList<StageRecord> Stages { get; init; } = [];

    public StageRecord? Find(string name) => Stages.FirstOrDefault(s => s.Name == name);

    [JsonIgnore]
    public StageRecord Latest => Stages.Count > 0 ? Stages[^1] : throw new GenNegException("the run has no trained stage yet; run train-baseline first");

    public RunManifest WithStage(StageRecord stage) =>
        this with { Stages = [.. Stages.Where(s => s.Name != stage.Name), stage] };

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <param name="Name">stage name: baseline, genneg-1, ...</param>
/// <param name="Denoiser">path of the base denoiser's weights, relative to the run folder</param>
/// <param name="Classifiers">the classifier stack applied on top, in order (empty for the baseline)</param>
public sealed record StageRecord(string Name, string Denoiser, IReadOnlyList<ClassifierRecord> Classifiers);

/// <param name="Weights">path of the classifier's weights, relative to the run folder</param>
/// <param name="Alpha">the model's valid rate when the classifier's data were drawn (positives / all draws)</param>
public sealed record ClassifierRecord(string Weights, double Alpha, long Drawn, long Positives, long Negatives, long Seed);
