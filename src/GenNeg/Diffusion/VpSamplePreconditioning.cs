using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>
/// DDPM's x0-prediction (as MDM, Tevet et al. 2023) on the shared seam: the network sees x_t and t / T like
/// <see cref="VpPreconditioning"/> and outputs the clean sample itself, D(x; sigma) = F(x_t, t): c_skip = 0, c_out = 1,
/// c_in = 1 / sqrt(1 + sigma^2) = sqrt(abar_t), c_noise = t / T. Its epsilon follows as (x - D) / sigma.
/// </summary>
public sealed class VpSamplePreconditioning(DdpmSchedule schedule) : IPreconditioning
{
    public Tensor Skip(Tensor sigma) => zeros_like(sigma);

    public Tensor Out(Tensor sigma) => ones_like(sigma);

    public Tensor In(Tensor sigma) => (sigma.square() + 1).rsqrt();

    public Tensor NoiseCondition(Tensor sigma) => schedule.TimestepOf(sigma) / schedule.Timesteps;
}
