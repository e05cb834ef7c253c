using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>
/// DDPM's epsilon-prediction on the shared seam (Karras et al. 2022, Table 1, "VP"): with x = x_t / sqrt(abar_t) and
/// sigma = sigma_t, D(x; sigma) = x - sigma eps_theta(x_t, t). So c_skip = 1, c_out = -sigma,
/// c_in = 1 / sqrt(1 + sigma^2) = sqrt(abar_t) (the network sees x_t itself) and c_noise = t / T.
/// </summary>
public sealed class VpPreconditioning(DdpmSchedule schedule) : IPreconditioning
{
    public Tensor Skip(Tensor sigma) => ones_like(sigma);

    public Tensor Out(Tensor sigma) => -sigma;

    public Tensor In(Tensor sigma) => (sigma.square() + 1).rsqrt();

    public Tensor NoiseCondition(Tensor sigma) => schedule.TimestepOf(sigma) / schedule.Timesteps;
}
