namespace GenNeg.Runs;

/// <summary>How a classifier's synthetic set was drawn by sequential importance sampling (genneg.draw: sis).</summary>
/// <param name="Proposal">the proposal: a stage's name, or "current" (the stage built on) at <paramref name="ProposalGuidanceScale"/></param>
/// <param name="ProposalGuidanceScale">the proposal's guidance scale</param>
/// <param name="Sampler">the Gaussian-step sampler that drew it (euler_maruyama or ancestral)</param>
/// <param name="Steps">its steps</param>
/// <param name="PositiveEss">effective sample size (sum w)^2 / sum w^2 of the kept valid samples</param>
/// <param name="NegativeEss">the same of the kept invalid samples</param>
public sealed record ImportanceDrawingRecord(string Proposal, double ProposalGuidanceScale, string Sampler, int Steps, double PositiveEss, double NegativeEss);
