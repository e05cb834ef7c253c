using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Metrics;

/// <summary>
/// Where a formalism's probability-flow ODE runs, in the shared seam's coordinates x = x0 + sigma n: from
/// <paramref name="SigmaLow"/> (treated as clean data) to <paramref name="SigmaHigh"/>, where x is taken to be
/// N(0, <paramref name="PriorVariance"/> I).
/// </summary>
public sealed record ProbabilityFlowSpan(double SigmaLow, double SigmaHigh, double PriorVariance);

/// <summary>How the ODE is solved and its divergence taken.</summary>
/// <param name="Solver">Dormand-Prince 5(4), adaptive per example or in fixed equal steps of ln sigma</param>
/// <param name="ExactDivergenceUpTo">exact trace up to this dimension; Hutchinson's estimator above it</param>
/// <param name="Probes">Rademacher probes per example (Hutchinson only), fixed for the whole solve</param>
public sealed record OdeSettings(
    DormandPrinceSettings Solver,
    int ExactDivergenceUpTo = 16,
    int Probes = 1,
    int BatchSize = 1000)
{
    /// <summary>evaluate.ode_solver: Dormand-Prince 5(4) with per-example step control.</summary>
    public const string AdaptiveSolver = "adaptive";
    /// <summary>evaluate.ode_solver: equal steps in ln sigma.</summary>
    public const string FixedSolver = "fixed";

    public static IReadOnlyList<string> Solvers { get; } = [AdaptiveSolver, FixedSolver];
}

/// <summary>Negative log-likelihood per held-out example and the solver's work.</summary>
/// <param name="Nats">mean NLL in nats per example (lower is better)</param>
/// <param name="StandardError">standard error of that mean over examples (it includes Hutchinson's probe noise)</param>
/// <param name="BitsPerDimension">Nats / (d ln 2)</param>
/// <param name="EvaluationsPerExample">mean denoiser evaluations (each with its divergence) per example</param>
/// <param name="Examples">held-out examples measured</param>
/// <param name="Divergence">exact or hutchinson</param>
/// <param name="MedianNats">the median example's NLL: a guided stack's mean can be carried by a few held-out points its
/// classifiers wrongly call invalid, and the median shows the typical point beside it</param>
/// <param name="WorstNats">the largest example's NLL</param>
public sealed record NllEstimate(double Nats, double StandardError, double BitsPerDimension, double EvaluationsPerExample, long Examples,
    string Divergence, double Seconds = 0, double? MedianNats = null, double? WorstNats = null);

/// <summary>
/// The model's exact log-likelihood from its probability-flow ODE (Song et al. 2021, Eq. 13 and Appendix D.2), written
/// against the denoiser seam only, so baselines, guided stacks and distilled networks of either formalism are measured
/// alike. In sigma the ODE of x = x0 + sigma n is dx/dsigma = (x - D(x; sigma)) / sigma (Karras et al. 2022, Eq. 4 with
/// s = 1); we integrate in u = ln sigma, where it is dx/du = x - D(x; sigma), and the instantaneous change of variables
/// (Chen et al. 2018, Theorem 1) gives
///
///   ln p_low(x0) = ln N(x(u_high); 0, V I) + int_{u_low}^{u_high} (d - tr dD/dx) du,
///
/// with x(u_low) = x0 and (u_low, u_high, V) from the formalism's <see cref="ProbabilityFlowSpan"/>. For EDM the span is
/// [sigma_min, sigma_max] with V = sigma_max^2. For DDPM the seam's x = x_t / sqrt(abar_t) is in data units at every t,
/// so no Jacobian enters between t = 1 and T; the span is [sigma_1, sigma_T], and x_T ~ N(0, I) means
/// x = x_T / sqrt(abar_T) ~ N(0, I / abar_T) = N(0, (1 + sigma_T^2) I), the change of variables at the prior.
/// Both report the density at the lowest noise level, p_low, as the model's density of clean data.
///
/// Each example carries its own step size, error and probes (<see cref="DormandPrince"/>), so its figure does not depend
/// on the batch around it.
/// </summary>
public sealed class ProbabilityFlowLikelihood
{

    private readonly ProbabilityFlowSpan span;
    private readonly OdeSettings settings;

    public ProbabilityFlowLikelihood(ProbabilityFlowSpan span, OdeSettings settings)
    {
        if (span.SigmaLow <= 0 || span.SigmaHigh <= span.SigmaLow) throw new ArgumentException("the ODE runs over 0 < sigma_low < sigma_high", nameof(span));
        if (settings.Solver.Steps < 1 || settings.Probes < 1 || settings.BatchSize < 1) throw new ArgumentException("steps, probes and batch size must be at least 1", nameof(settings));
        this.span = span;
        this.settings = settings;
    }

    /// <summary>Mean NLL over <paramref name="data"/> [N, D]; <paramref name="generator"/> draws Hutchinson's probes.</summary>
    public NllEstimate Estimate(IDenoiser denoiser, Tensor data, Generator generator, CancellationToken cancellation = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var (nll, evaluations) = PerExample(denoiser, data, generator, cancellation);
        var count = nll.shape[0];
        var mean = nll.mean().item<double>();
        var standardError = count > 1 ? nll.std().item<double>() / Math.Sqrt(count) : 0.0;
        var dimension = data.shape[1];
        var values = nll.cpu().data<double>().ToArray();
        return new NllEstimate(mean, standardError, mean / (dimension * Math.Log(2)), evaluations.mean().item<double>(), count,
            UsesExactDivergence(dimension) ? "exact" : "hutchinson", clock.Elapsed.TotalSeconds, Medians.Of(values), values.Max());
    }

    /// <summary>NLL in nats of each example [N] and the denoiser evaluations each needed [N], both float64.</summary>
    public (Tensor Nll, Tensor Evaluations) PerExample(IDenoiser denoiser, Tensor data, Generator generator, CancellationToken cancellation = default)
    {
        using var scope = NewDisposeScope();
        var count = data.shape[0];
        var dimension = data.shape[1];
        var probes = UsesExactDivergence(dimension) ? null : DenoiserDivergence.RademacherProbes(count, settings.Probes, dimension, generator);
        var nll = new List<Tensor>();
        var evaluations = new List<Tensor>();
        for (long start = 0; start < count; start += settings.BatchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            using var batchScope = NewDisposeScope();
            var length = Math.Min(settings.BatchSize, count - start);
            var (n, e) = Solve(denoiser, data.narrow(0, start, length).to(ScalarType.Float64), probes?.narrow(0, start, length), cancellation);
            nll.Add(n.MoveToOuterDisposeScope());
            evaluations.Add(e.MoveToOuterDisposeScope());
        }
        return (cat(nll, 0).MoveToOuterDisposeScope(), cat(evaluations, 0).MoveToOuterDisposeScope());
    }

    private bool UsesExactDivergence(long dimension) => dimension <= settings.ExactDivergenceUpTo;

    /// <summary>Integrates one batch from u_low to u_high; returns each row's NLL and evaluation count.</summary>
    private (Tensor Nll, Tensor Evaluations) Solve(IDenoiser denoiser, Tensor x0, Tensor? probes, CancellationToken cancellation)
    {
        using var scope = NewDisposeScope();
        var dimension = x0.shape[1];
        var solver = new DormandPrince(settings.Solver);
        Tensor x, logDensityChange, evaluations;
        try
        {
            // The state is x; the log-density change is the quadrature integrated beside it.
            (x, logDensityChange, evaluations) = solver.Solve(
                (y, u, rows) => Field(denoiser, y, u, probes?.index_select(0, rows)), x0, Math.Log(span.SigmaLow), Math.Log(span.SigmaHigh), cancellation);
        }
        catch (OdeStepLimitException e)
        {
            throw new GenNegException($"the probability-flow ODE took more than {e.Limit} steps; loosen evaluate.ode_relative_tolerance or use evaluate.ode_solver: fixed", e);
        }

        var priorLog = -0.5 * x.square().sum(1) / span.PriorVariance - dimension / 2.0 * Math.Log(2 * Math.PI * span.PriorVariance);
        return ((-(priorLog + logDensityChange)).MoveToOuterDisposeScope(), evaluations.MoveToOuterDisposeScope());
    }

    /// <summary>The ODE in u = ln sigma: dx/du = x - D(x; sigma) and d(ln p change)/du = d - tr dD/dx, float64.</summary>
    private static (Tensor Dx, Tensor DLog) Field(IDenoiser denoiser, Tensor x, Tensor u, Tensor? probes)
    {
        using var scope = NewDisposeScope();
        var sigma = u.exp().to(ScalarType.Float32);
        var (denoised, trace) = DenoiserDivergence.Evaluate(denoiser, x.to(ScalarType.Float32), sigma, probes);
        var dx = x - denoised.to(ScalarType.Float64);
        var dLog = x.shape[1] - trace.to(ScalarType.Float64);
        return (dx.MoveToOuterDisposeScope(), dLog.MoveToOuterDisposeScope());
    }
}
