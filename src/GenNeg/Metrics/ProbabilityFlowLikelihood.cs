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
/// <param name="Adaptive">Dormand-Prince 5(4) with per-example step control; false: <paramref name="Steps"/> equal steps in ln sigma</param>
/// <param name="ExactDivergenceUpTo">exact trace up to this dimension; Hutchinson's estimator above it</param>
/// <param name="Probes">Rademacher probes per example (Hutchinson only), fixed for the whole solve</param>
public sealed record OdeSettings(
    bool Adaptive = true,
    int Steps = 64,
    double RelativeTolerance = 1e-5,
    double AbsoluteTolerance = 1e-5,
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
/// Each example carries its own step size, error and probes, so its figure does not depend on the batch around it.
/// </summary>
public sealed class ProbabilityFlowLikelihood
{
    private const int MaxStepsPerExample = 20_000;
    private const double InitialStep = 0.05;

    // Dormand & Prince (1980) 5(4): nodes, stages, fifth-order weights (= the last stage, first same as last) and the
    // difference between the fifth- and fourth-order weights, which estimates the local error.
    private static readonly double[] Nodes = [0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1];
    private static readonly double[][] Stages =
    [
        [],
        [1.0 / 5],
        [3.0 / 40, 9.0 / 40],
        [44.0 / 45, -56.0 / 15, 32.0 / 9],
        [19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729],
        [9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656],
        [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84],
    ];
    private static readonly double[] ErrorWeights =
    [
        35.0 / 384 - 5179.0 / 57600, 0, 500.0 / 1113 - 7571.0 / 16695, 125.0 / 192 - 393.0 / 640,
        -2187.0 / 6784 + 92097.0 / 339200, 11.0 / 84 - 187.0 / 2100, -1.0 / 40,
    ];

    private readonly ProbabilityFlowSpan span;
    private readonly OdeSettings settings;

    public ProbabilityFlowLikelihood(ProbabilityFlowSpan span, OdeSettings settings)
    {
        if (span.SigmaLow <= 0 || span.SigmaHigh <= span.SigmaLow) throw new ArgumentException("the ODE runs over 0 < sigma_low < sigma_high", nameof(span));
        if (settings.Steps < 1 || settings.Probes < 1 || settings.BatchSize < 1) throw new ArgumentException("steps, probes and batch size must be at least 1", nameof(settings));
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
        var rows = x0.shape[0];
        var dimension = x0.shape[1];
        var uLow = Math.Log(span.SigmaLow);
        var uHigh = Math.Log(span.SigmaHigh);

        var x = x0.clone();
        var logDensityChange = zeros([rows], dtype: ScalarType.Float64);
        var u = full([rows], uLow, dtype: ScalarType.Float64);
        var step = full([rows], settings.Adaptive ? InitialStep : (uHigh - uLow) / settings.Steps, dtype: ScalarType.Float64);
        var (dx, dLog) = Field(denoiser, x, u, probes);
        var evaluations = ones([rows], dtype: ScalarType.Float64);
        var active = arange(rows);

        for (var attempt = 0; active.shape[0] > 0; attempt++)
        {
            cancellation.ThrowIfCancellationRequested();
            if (attempt > MaxStepsPerExample)
                throw new GenNegException($"the probability-flow ODE took more than {MaxStepsPerExample} steps; loosen evaluate.ode_relative_tolerance or use evaluate.ode_solver: fixed");
            using var stepScope = NewDisposeScope();
            var xa = x.index_select(0, active);
            var ua = u.index_select(0, active);
            var remaining = uHigh - ua;
            var planned = step.index_select(0, active);
            // A step that would stop just short of the end takes the rest, so no sliver of a step is left over.
            var h = where(remaining <= planned * (1 + 1e-6), remaining, planned);
            var p = probes?.index_select(0, active);

            // The stages of one Dormand-Prince step, on x and on the log-density change together.
            var kx = new List<Tensor> { dx.index_select(0, active) };
            var kl = new List<Tensor> { dLog.index_select(0, active) };
            var yx = xa;
            var yl = zeros_like(ua);
            for (var stage = 1; stage < Nodes.Length; stage++)
            {
                var sx = zeros_like(xa);
                var sl = zeros_like(ua);
                for (var j = 0; j < stage; j++)
                {
                    if (Stages[stage][j] == 0) continue;
                    sx = sx + Stages[stage][j] * kx[j];
                    sl = sl + Stages[stage][j] * kl[j];
                }
                yx = xa + h.unsqueeze(1) * sx;
                yl = h * sl;
                var (fx, fl) = Field(denoiser, yx, ua + Nodes[stage] * h, p);
                kx.Add(fx);
                kl.Add(fl);
            }
            evaluations.index_add_(0, active, full([active.shape[0]], Nodes.Length - 1.0, dtype: ScalarType.Float64), 1);

            // The last stage is the fifth-order solution (first same as last), so kx[6] is the field at the new point.
            var accepted = ones([active.shape[0]], dtype: ScalarType.Bool);
            var factor = ones_like(h);
            if (settings.Adaptive)
            {
                var ex = zeros_like(xa);
                var el = zeros_like(ua);
                for (var j = 0; j < ErrorWeights.Length; j++)
                {
                    ex = ex + ErrorWeights[j] * kx[j];
                    el = el + ErrorWeights[j] * kl[j];
                }
                var scaleX = settings.AbsoluteTolerance + settings.RelativeTolerance * maximum(xa.abs(), yx.abs());
                var scaleL = settings.AbsoluteTolerance + settings.RelativeTolerance * (logDensityChange.index_select(0, active) + yl).abs();
                var squared = ((h.unsqueeze(1) * ex) / scaleX).square().sum(1) + ((h * el) / scaleL).square();
                var error = (squared / (dimension + 1)).sqrt();
                accepted = error <= 1;
                // The usual controller: shrink or grow by 0.9 error^(-1/5), within [0.2, 5].
                factor = (0.9 * error.clamp_min(1e-10).pow(-0.2)).clamp(0.2, 5.0);
            }

            var moved = active.masked_select(accepted);
            var acceptedRows = accepted.nonzero().squeeze(1);
            x.index_copy_(0, moved, yx.index_select(0, acceptedRows));
            logDensityChange.index_add_(0, moved, yl.index_select(0, acceptedRows), 1);
            u.index_add_(0, moved, h.index_select(0, acceptedRows), 1);
            dx.index_copy_(0, moved, kx[^1].index_select(0, acceptedRows));
            dLog.index_copy_(0, moved, kl[^1].index_select(0, acceptedRows));
            if (settings.Adaptive) step.index_copy_(0, active, h * factor);

            // Rows that reached u_high leave; the others keep their own step for the next attempt.
            active = active.masked_select(u.index_select(0, active) < uHigh - 1e-9).MoveToOuterDisposeScope();
        }

        var priorLog = -0.5 * x.square().sum(1) / span.PriorVariance - dimension / 2.0 * Math.Log(2 * Math.PI * span.PriorVariance);
        return (-(priorLog + logDensityChange), evaluations);
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
