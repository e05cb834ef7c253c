namespace GenNeg.Guidance;

/// <summary>How an iteration draws its synthetic set (genneg.draw).</summary>
public static class DrawMethods
{
    /// <summary>From the current model until N of each class (Algorithm 1, lines 6-9).</summary>
    public const string Standard = "standard";

    /// <summary>Sequential importance sampling from a proposal (Appendix D.2).</summary>
    public const string Sis = "sis";

    /// <summary>genneg.sis.proposal value meaning the stage being built on, at genneg.sis.proposal_guidance_scale.</summary>
    public const string CurrentProposal = "current";

    public static IReadOnlyList<string> Names { get; } = [Standard, Sis];
}
