using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>
/// A whole DDPM epsilon-predictor eps(x_t, t) as PyTorch code trains it, on the shared seam: <see cref="VpPreconditioning"/>
/// (D(x; sigma) = x - sigma eps, the network seeing x_t = sqrt(abar_t) x) with the step index t - 1 in 0..T-1 as its
/// label, the index such code reads its schedule tables with, instead of t / T.
/// </summary>
public sealed class StepIndexPreconditioning(DdpmSchedule schedule) : IPreconditioning
{
    private readonly VpPreconditioning vp = new(schedule);

    public Tensor Skip(Tensor sigma) => vp.Skip(sigma);

    public Tensor Out(Tensor sigma) => vp.Out(sigma);

    public Tensor In(Tensor sigma) => vp.In(sigma);

    /// <summary>t - 1 (fractional between the schedule's levels), [B].</summary>
    public Tensor NoiseCondition(Tensor sigma) => schedule.TimestepOf(sigma) - 1;
}
