using static TorchSharp.torch;

namespace GenNeg.Metrics;

/// <summary>How <see cref="DormandPrince"/> steps.</summary>
/// <param name="Adaptive">per-row step control to the tolerances; false: <paramref name="Steps"/> equal steps</param>
/// <param name="InitialStep">each row's first step (adaptive only)</param>
/// <param name="MaxSteps">attempted steps (accepted or not) after which the solve is given up</param>
public sealed record DormandPrinceSettings(
    bool Adaptive = true,
    int Steps = 64,
    double RelativeTolerance = 1e-5,
    double AbsoluteTolerance = 1e-5,
    double InitialStep = 0.05,
    int MaxSteps = 20_000);

/// <summary>The right-hand side of a batched ODE.</summary>
/// <param name="y">the state of the rows being stepped [n, D]</param>
/// <param name="t">their times [n], float64</param>
/// <param name="rows">which rows of the batch they are [n] (to pick per-row data, e.g. fixed probes)</param>
/// <returns>dy/dt [n, D] and the integrand of the quadrature [n]</returns>
public delegate (Tensor Derivative, Tensor Quadrature) BatchedOdeField(Tensor y, Tensor t, Tensor rows);

/// <summary>Thrown when a row needs more than <see cref="DormandPrinceSettings.MaxSteps"/> attempted steps.</summary>
public sealed class OdeStepLimitException(int limit) : GenNegException($"the ODE took more than {limit} steps")
{
    public int Limit { get; } = limit;
}

/// <summary>
/// Dormand &amp; Prince (1980) 5(4) on a batch of independent ODEs dy/dt = f(t, y), y [rows, D], each row with its own
/// step size and error, so a row's solution does not depend on the batch around it. Alongside y it integrates a
/// quadrature q(t) = int g(t, y(t)) dt per row (e.g. a log-density change), which enters the error control but not
/// the field. Rows leave the batch once they reach the end time.
/// </summary>
public sealed class DormandPrince
{
    // Nodes, stages, fifth-order weights (= the last stage, first same as last) and the difference between the
    // fifth- and fourth-order weights, which estimates the local error.
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

    /// <summary>Field evaluations per attempted step (the first stage reuses the previous step's last).</summary>
    public const int EvaluationsPerStep = 6;

    private readonly DormandPrinceSettings settings;

    public DormandPrince(DormandPrinceSettings settings)
    {
        if (settings.Steps < 1 || settings.MaxSteps < 1 || settings.InitialStep <= 0)
            throw new ArgumentException("steps, the step limit and the initial step must be positive", nameof(settings));
        this.settings = settings;
    }

    /// <summary>
    /// Integrates every row of <paramref name="y0"/> [rows, D] (float64) from <paramref name="start"/> to <paramref name="end"/>;
    /// returns each row's final state [rows, D], its quadrature [rows] (zero at the start) and the field evaluations it
    /// took [rows], the last two float64.
    /// </summary>
    public (Tensor State, Tensor Quadrature, Tensor Evaluations) Solve(BatchedOdeField field, Tensor y0, double start, double end,
        CancellationToken cancellation = default)
    {
        if (end <= start) throw new ArgumentException("the ODE runs forward: end must exceed start", nameof(end));
        using var scope = NewDisposeScope();
        var rows = y0.shape[0];
        var dimension = y0.shape[1];
        var y = y0.clone();
        var q = zeros([rows], dtype: ScalarType.Float64, device: y0.device);
        var t = full([rows], start, dtype: ScalarType.Float64, device: y0.device);
        var step = full([rows], settings.Adaptive ? settings.InitialStep : (end - start) / settings.Steps, dtype: ScalarType.Float64, device: y0.device);
        var active = arange(rows, device: y0.device);
        // Cloned: these are updated in place, and a field may hand back one of its inputs.
        var (dy, dq) = field(y, t, active);
        (dy, dq) = (dy.clone(), dq.clone());
        var evaluations = ones([rows], dtype: ScalarType.Float64, device: y0.device);

        for (var attempt = 0; active.shape[0] > 0; attempt++)
        {
            cancellation.ThrowIfCancellationRequested();
            if (attempt > settings.MaxSteps) throw new OdeStepLimitException(settings.MaxSteps);
            using var stepScope = NewDisposeScope();
            var ya = y.index_select(0, active);
            var ta = t.index_select(0, active);
            var remaining = end - ta;
            var planned = step.index_select(0, active);
            // A step that would stop just short of the end takes the rest, so no sliver of a step is left over.
            var h = where(remaining <= planned * (1 + 1e-6), remaining, planned);

            // The stages of one step, on y and on the quadrature together.
            var ky = new List<Tensor> { dy.index_select(0, active) };
            var kq = new List<Tensor> { dq.index_select(0, active) };
            var yy = ya;
            var yq = zeros_like(ta);
            for (var stage = 1; stage < Nodes.Length; stage++)
            {
                var sy = zeros_like(ya);
                var sq = zeros_like(ta);
                for (var j = 0; j < stage; j++)
                {
                    if (Stages[stage][j] == 0) continue;
                    sy = sy + Stages[stage][j] * ky[j];
                    sq = sq + Stages[stage][j] * kq[j];
                }
                yy = ya + h.unsqueeze(1) * sy;
                yq = h * sq;
                var (fy, fq) = field(yy, ta + Nodes[stage] * h, active);
                ky.Add(fy);
                kq.Add(fq);
            }
            evaluations.index_add_(0, active, full([active.shape[0]], (double)EvaluationsPerStep, dtype: ScalarType.Float64, device: y0.device), 1);

            // The last stage is the fifth-order solution (first same as last), so ky[6] is the field at the new point.
            var accepted = ones([active.shape[0]], dtype: ScalarType.Bool, device: y0.device);
            var factor = ones_like(h);
            if (settings.Adaptive)
            {
                var ey = zeros_like(ya);
                var eq = zeros_like(ta);
                for (var j = 0; j < ErrorWeights.Length; j++)
                {
                    ey = ey + ErrorWeights[j] * ky[j];
                    eq = eq + ErrorWeights[j] * kq[j];
                }
                var scaleY = settings.AbsoluteTolerance + settings.RelativeTolerance * maximum(ya.abs(), yy.abs());
                var scaleQ = settings.AbsoluteTolerance + settings.RelativeTolerance * (q.index_select(0, active) + yq).abs();
                var squared = ((h.unsqueeze(1) * ey) / scaleY).square().sum(1) + ((h * eq) / scaleQ).square();
                var error = (squared / (dimension + 1)).sqrt();
                accepted = error <= 1;
                // The usual controller: shrink or grow by 0.9 error^(-1/5), within [0.2, 5].
                factor = (0.9 * error.clamp_min(1e-10).pow(-0.2)).clamp(0.2, 5.0);
            }

            var moved = active.masked_select(accepted);
            var acceptedRows = accepted.nonzero().squeeze(1);
            y.index_copy_(0, moved, yy.index_select(0, acceptedRows));
            q.index_add_(0, moved, yq.index_select(0, acceptedRows), 1);
            t.index_add_(0, moved, h.index_select(0, acceptedRows), 1);
            dy.index_copy_(0, moved, ky[^1].index_select(0, acceptedRows));
            dq.index_copy_(0, moved, kq[^1].index_select(0, acceptedRows));
            if (settings.Adaptive) step.index_copy_(0, active, h * factor);

            // Rows that reached the end leave; the others keep their own step for the next attempt.
            active = active.masked_select(t.index_select(0, active) < end - 1e-9).MoveToOuterDisposeScope();
        }

        return (y.MoveToOuterDisposeScope(), q.MoveToOuterDisposeScope(), evaluations.MoveToOuterDisposeScope());
    }
}
