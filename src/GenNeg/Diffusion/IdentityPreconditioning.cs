using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>
/// A network that is already a whole denoiser D(x, sigma) of x = x0 + sigma n (an EDM denoiser trained in PyTorch, its
/// own preconditioning inside it): c_skip = 0, c_out = 1, c_in = 1 and the label is sigma itself.
/// </summary>
public sealed class IdentityPreconditioning : IPreconditioning
{
    public Tensor Skip(Tensor sigma) => zeros_like(sigma);

    public Tensor Out(Tensor sigma) => ones_like(sigma);

    public Tensor In(Tensor sigma) => ones_like(sigma);

    public Tensor NoiseCondition(Tensor sigma) => sigma.clone();
}
