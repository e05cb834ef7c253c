using GenNeg.Networks;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Diffusion;

/// <summary>
/// A trainable denoiser: a raw backbone inside its formalism's preconditioning wrapper, which alone turns sigma into
/// the backbone's input scaling and noise condition. With EDM's wrapper F predicts a scaled x0; with DDPM's
/// (<see cref="VpPreconditioning"/>) F is the epsilon-prediction network eps_theta(x_t, t).
/// </summary>
public sealed class PreconditionedDenoiser : Module<Tensor, Tensor, Tensor>, IDenoiser
{
    private readonly ResidualMlp network;
    private readonly IPreconditioning preconditioning;

    public PreconditionedDenoiser(ResidualMlp network, IPreconditioning preconditioning) : base(nameof(PreconditionedDenoiser))
    {
        this.network = network;
        this.preconditioning = preconditioning;
        RegisterComponents();
    }

    public ResidualMlp Network => network;

    public Tensor Denoise(Tensor x, Tensor sigma) => forward(x, sigma);

    public override Tensor forward(Tensor x, Tensor sigma)
    {
        using var scope = NewDisposeScope();
        var output = network.forward(preconditioning.In(sigma) * x, preconditioning.NoiseCondition(sigma));
        return (preconditioning.Skip(sigma) * x + preconditioning.Out(sigma) * output).MoveToOuterDisposeScope();
    }
}
