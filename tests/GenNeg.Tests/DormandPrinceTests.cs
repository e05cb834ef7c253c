using GenNeg.Metrics;
using static TorchSharp.torch;

namespace GenNeg.Tests;

public class DormandPrinceTests
{
    private static readonly double[] Rates = [0.5, 2, 12];

    /// <summary>
    /// Row r: y0' = -k_r y0 (so y0(t) = y0(0) e^(-k_r t)) and y1' = t (so y1(t) = y1(0) + t^2 / 2); quadrature integrand 2t,
    /// so q(t) = t^2.
    /// </summary>
    private static (Tensor, Tensor) Field(Tensor y, Tensor t, Tensor rows)
    {
        using var scope = NewDisposeScope();
        var k = tensor(Rates, dtype: ScalarType.Float64).index_select(0, rows);
        var derivative = stack([-k * y[.., 0], t], 1);
        return (derivative.MoveToOuterDisposeScope(), (2 * t).MoveToOuterDisposeScope());
    }

    private static Tensor Start() => tensor(new double[,] { { 1, 0 }, { -3, 1 }, { 2, -1 } });

    [Fact]
    public void Adaptive_steps_meet_the_tolerance_per_row_and_the_stiffer_row_takes_more_of_them()
    {
        using var scope = NewDisposeScope();
        var solver = new DormandPrince(new DormandPrinceSettings(RelativeTolerance: 1e-9, AbsoluteTolerance: 1e-9));
        var y0 = Start();
        var (y, q, evaluations) = solver.Solve(Field, y0, 0.5, 2.0);

        var e = evaluations.data<double>().ToArray();
        for (var r = 0; r < Rates.Length; r++)
        {
            var y00 = y0[r, 0].item<double>();
            Assert.Equal(y00 * Math.Exp(-Rates[r] * 1.5), y[r, 0].item<double>(), 1e-7);
            // A fifth-order method integrates polynomials of degree one exactly, whatever its steps.
            Assert.Equal(y0[r, 1].item<double>() + (2.0 * 2.0 - 0.5 * 0.5) / 2, y[r, 1].item<double>(), 1e-12);
            Assert.Equal(2.0 * 2.0 - 0.5 * 0.5, q[r].item<double>(), 1e-12);
            // One evaluation at the start, then six per attempted step.
            Assert.Equal(0, (e[r] - 1) % DormandPrince.EvaluationsPerStep);
        }
        Assert.True(e[0] < e[2], $"the row with rate 12 took {e[2]} evaluations, the one with rate 0.5 {e[0]}");

        // A row's solution does not depend on the rows beside it.
        var (alone, aloneQ, aloneEvaluations) = solver.Solve((yy, t, rows) => Field(yy, t, rows + 2), y0[2..], 0.5, 2.0);
        Assert.Equal(y[2, 0].item<double>(), alone[0, 0].item<double>(), 1e-12);
        Assert.Equal(e[2], aloneEvaluations[0].item<double>());
    }

    [Fact]
    public void Fixed_steps_take_as_many_steps_for_every_row()
    {
        using var scope = NewDisposeScope();
        var solver = new DormandPrince(new DormandPrinceSettings(Adaptive: false, Steps: 20));
        var (y, q, evaluations) = solver.Solve(Field, Start(), 0.0, 1.0);
        Assert.All(evaluations.data<double>().ToArray(), e => Assert.Equal(1 + 20 * DormandPrince.EvaluationsPerStep, e));
        // Fifth order at h = 0.05: the stiffest row (k h = 0.6) is still within 1e-6 of e^(-k).
        for (var r = 0; r < Rates.Length; r++)
            Assert.Equal(Start()[r, 0].item<double>() * Math.Exp(-Rates[r]), y[r, 0].item<double>(), 1e-6);
        Assert.Equal(1.0, q[0].item<double>(), 1e-12);
    }

    [Fact]
    public void A_solve_that_needs_more_steps_than_allowed_stops_with_the_limit_in_its_message()
    {
        using var scope = NewDisposeScope();
        var solver = new DormandPrince(new DormandPrinceSettings(RelativeTolerance: 1e-12, AbsoluteTolerance: 1e-12, MaxSteps: 5));
        var error = Assert.Throws<OdeStepLimitException>(() => solver.Solve(Field, Start(), 0.0, 10.0));
        Assert.Equal(5, error.Limit);
        Assert.Contains("more than 5 steps", error.Message);
    }
}
