using GenNeg.Diffusion;
using GenNeg.Networks;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Guidance;

/// <summary>
/// The Gen-neG classifier for an EDM model: the denoiser's backbone with one output, given the same input
/// scaling c_in x and noise label c_noise as the denoiser, so it sees noisy inputs on the same footing.
/// </summary>
public sealed class EdmClassifier : Module<Tensor, Tensor, Tensor>, INoiseConditionedClassifier
{
    private readonly ResidualMlp network;
    private readonly EdmPreconditioning preconditioning;

    public EdmClassifier(ResidualMlp network, EdmPreconditioning preconditioning) : base(nameof(EdmClassifier))
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
        return network.forward(preconditioning.In(sigma) * x, EdmPreconditioning.NoiseLabel(sigma)).squeeze(1).MoveToOuterDisposeScope();
    }
}
