using GenNeg.Configuration;
using GenNeg.Diffusion;
using GenNeg.Formalisms;

namespace GenNeg.Guidance;

/// <summary>The classifier losses by name (genneg.classifier.loss); a new loss is a class and a line here.</summary>
public static class ClassifierLosses
{
    /// <summary>Eq. 11's importance-weighted cross-entropy (<see cref="ImportanceWeightedLoss"/>): the method.</summary>
    public const string CrossEntropy = "cross_entropy";
    /// <summary>Denoising likelihood score matching alone (<see cref="DlsmLoss"/>).</summary>
    public const string Dlsm = "dlsm";
    /// <summary>DLSM plus genneg.classifier.cross_entropy_weight times the cross-entropy.</summary>
    public const string DlsmWithCrossEntropy = "dlsm_ce";

    /// <summary>Each loss from Eq. 11's class weights, the classifier's training settings and the formalism.</summary>
    private static readonly (string Name, Func<ImportanceWeightedLoss, ClassifierTrainConfig, IDiffusionFormalism, IClassifierLoss> Create)[] Losses =
    [
        (CrossEntropy, (weights, _, _) => weights),
        (Dlsm, (weights, _, formalism) => new DlsmLoss(weights.PositiveWeight, weights.NegativeWeight, 0, formalism.LossWeight)),
        (DlsmWithCrossEntropy, (weights, settings, formalism) =>
            new DlsmLoss(weights.PositiveWeight, weights.NegativeWeight, settings.CrossEntropyWeight, formalism.LossWeight)),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. Losses.Select(loss => loss.Name)];

    /// <param name="weights">Eq. 11's class weights (or the ablations' unweighted ones)</param>
    public static IClassifierLoss Create(ClassifierTrainConfig settings, ImportanceWeightedLoss weights, IDiffusionFormalism formalism)
    {
        foreach (var (name, create) in Losses)
            if (name == settings.Loss) return create(weights, settings, formalism);
        throw ConfigKey.Error("genneg.classifier.loss", $"must be one of {string.Join(", ", Names)}, got '{settings.Loss}'");
    }
}
