using GenNeg.Diffusion;
using GenNeg.Networks;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Guidance;

/// <summary>
/// The Gen-neG classifier: the denoiser's backbone with one output, given the same input scaling c_in x and noise
/// condition as the denoiser, so it sees noisy inputs on the same footing (for DDPM: x_t and t).
/// </summary>
public sealed class TimeDependentClassifier : Module<Tensor, Tensor, Tensor>, INoiseConditionedClassifier
{
    private readonly ResidualMlp network;
    private readonly IPreconditioning preconditioning;

    public TimeDependentClassifier(ResidualMlp network, IPreconditioning preconditioning) : base(nameof(TimeDependentClassifier))
    {
        if (network.Shape.OutputWidth != 1) throw new ArgumentException("a classifier backbone has one output", nameof(network));
        this.network = network;
        this.preconditioning = preconditioning;
        RegisterComponents();
    }

    public Tensor Logit(Tensor x, Tensor sigma) => forward(x, sigma);

    public override Tensor forward(Tensor x, Tensor sigma)
    {
        using var scope = NewDisposeScope();
        return network.forward(preconditioning.In(sigma) * x, preconditioning.NoiseCondition(sigma)).squeeze(1).MoveToOuterDisposeScope();
    }
}
