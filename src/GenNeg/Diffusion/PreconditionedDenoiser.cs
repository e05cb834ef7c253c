using GenNeg.Data;
using GenNeg.Networks;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Diffusion;

/// <summary>
/// A trainable denoiser: a raw backbone inside its formalism's preconditioning wrapper, which alone turns sigma into
/// the backbone's input scaling and noise condition. With EDM's wrapper F predicts a scaled x0; with DDPM's
/// (<see cref="VpPreconditioning"/>) F is the epsilon-prediction network eps_theta(x_t, t).
/// </summary>
public sealed class PreconditionedDenoiser : Module<Tensor, Tensor, Condition, Tensor>, IDenoiser
{
    private readonly Backbone network;
    private readonly IPreconditioning preconditioning;

    public PreconditionedDenoiser(Backbone network, IPreconditioning preconditioning) : base(nameof(PreconditionedDenoiser))
    {
        this.network = network;
        this.preconditioning = preconditioning;
        RegisterComponents();
    }

    public Backbone Network => network;

    public Tensor Denoise(Tensor x, Tensor sigma, Condition condition) => forward(x, sigma, condition);

    public Condition EncodeCondition(Condition condition) => network.EncodeCondition(condition);

    public override Tensor forward(Tensor x, Tensor sigma, Condition condition)
    {
        using var scope = NewDisposeScope();
        var output = network.forward(PerSample.Broadcast(preconditioning.In(sigma), x) * x, preconditioning.NoiseCondition(sigma), condition);
        return (PerSample.Broadcast(preconditioning.Skip(sigma), x) * x + PerSample.Broadcast(preconditioning.Out(sigma), x) * output)
            .MoveToOuterDisposeScope();
    }
}
