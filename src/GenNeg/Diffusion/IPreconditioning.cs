using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>
/// How a formalism wraps a raw network F into a denoiser (Karras et al. 2022, Table 1, Eq. 7):
/// D(x; sigma) = c_skip x + c_out F(c_in x; c_noise). Each coefficient takes sigma as [B] (or [1]) and returns one
/// value per sample, [B] (or [1]); the wrapper broadcasts them over the sample (<see cref="PerSample"/>).
/// Backbones never see sigma itself.
/// </summary>
public interface IPreconditioning
{
    Tensor Skip(Tensor sigma);

    Tensor Out(Tensor sigma);

    Tensor In(Tensor sigma);

    /// <summary>c_noise: the label the backbone is conditioned on, [B].</summary>
    Tensor NoiseCondition(Tensor sigma);
}
