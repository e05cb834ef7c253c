namespace GenNeg.Configuration;

/// <summary>What the evaluation measures of the likelihood (evaluate.likelihood, evaluate --likelihood).</summary>
public static class LikelihoodModes
{
    /// <summary>The ELBO (DDPM: r-ELBO) only.</summary>
    public const string Bound = "bound";
    /// <summary>Also the exact NLL from the probability-flow ODE.</summary>
    public const string Exact = "exact";

    public static IReadOnlyList<string> Names { get; } = [Bound, Exact];
}
