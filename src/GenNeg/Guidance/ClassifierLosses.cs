namespace GenNeg.Guidance;

/// <summary>The classifier losses genneg.classifier.loss names.</summary>
public static class ClassifierLosses
{
    /// <summary>Eq. 11's importance-weighted cross-entropy (<see cref="ImportanceWeightedLoss"/>): the method.</summary>
    public const string CrossEntropy = "cross_entropy";
    /// <summary>Denoising likelihood score matching alone (<see cref="DlsmLoss"/>).</summary>
    public const string Dlsm = "dlsm";
    /// <summary>DLSM plus genneg.classifier.cross_entropy_weight times the cross-entropy.</summary>
    public const string DlsmWithCrossEntropy = "dlsm_ce";

    public static IReadOnlyList<string> Names { get; } = [CrossEntropy, Dlsm, DlsmWithCrossEntropy];
}
