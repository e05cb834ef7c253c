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
/// <param name="GuidanceScale">multiplier of the stack's gradient while sampling</param>
public sealed record StageRecord(string Name, string Denoiser, IReadOnlyList<ClassifierRecord> Classifiers, double GuidanceScale = 1.0);

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
public sealed record ClassifierRecord(
    string Weights, double Alpha, long Drawn, long PositivesDrawn, long NegativesDrawn, long TrainPositives, long TrainNegatives,
    string Ablation, bool TimeIndependent, long Seed, double DrawSeconds, double TrainSeconds);
