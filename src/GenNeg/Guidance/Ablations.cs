namespace GenNeg.Guidance;

/// <summary>The paper's classifier ablations (genneg.ablation).</summary>
public static class Ablations
{
    /// <summary>The method: balanced draws, Eq. 11's importance weights.</summary>
    public const string None = "none";

    /// <summary>The classifier sees the first 2N draws as they come, unweighted.</summary>
    public const string Imbalanced = "imbalanced";

    /// <summary>Balanced draws, unweighted cross-entropy (alpha ignored).</summary>
    public const string NoImportanceWeights = "no_importance_weights";

    public static IReadOnlyList<string> Names { get; } = [None, Imbalanced, NoImportanceWeights];
}
