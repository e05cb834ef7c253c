using GenNeg.Networks;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Diffusion;

/// <summary>
/// An EDM denoiser: the preconditioning wrapper around a raw backbone. It alone turns sigma into the
/// backbone's input scaling and noise label; the backbone never sees sigma.
/// </summary>
public sealed class EdmDenoiser : Module<Tensor, Tensor, Tensor>, IDenoiser
{
    private readonly ResidualMlp network;
    private readonly EdmPreconditioning preconditioning;

    public EdmDenoiser(ResidualMlp network, EdmPreconditioning preconditioning) : base(nameof(EdmDenoiser))
    {
        this.network = network;
        this.preconditioning = preconditioning;
        RegisterComponents();
    }

    public ResidualMlp Network => network;

    public EdmPreconditioning Preconditioning => preconditioning;

    public Tensor Denoise(Tensor x, Tensor sigma) => forward(x, sigma);

    public override Tensor forward(Tensor x, Tensor sigma)
    {
        using var scope = NewDisposeScope();
        var output = network.forward(preconditioning.In(sigma) * x, EdmPreconditioning.NoiseLabel(sigma));
        return (preconditioning.Skip(sigma) * x + preconditioning.Out(sigma) * output).MoveToOuterDisposeScope();
    }
}
