using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>
/// EDM's preconditioning (Karras et al. 2022, Table 1 and Eq. 7), with the paper's sigma_data = 1 by default:
/// D(x; sigma) = c_skip x + c_out F(c_in x; c_noise).
/// </summary>
public sealed record EdmPreconditioning(double SigmaData = 1.0) : IPreconditioning
{
    public Tensor Skip(Tensor sigma) => (SigmaData * SigmaData / (sigma.square() + SigmaData * SigmaData));

    public Tensor Out(Tensor sigma) => (sigma * SigmaData / (sigma.square() + SigmaData * SigmaData).sqrt());

    public Tensor In(Tensor sigma) => (sigma.square() + SigmaData * SigmaData).rsqrt();

    public Tensor NoiseCondition(Tensor sigma) => NoiseLabel(sigma);

    /// <summary>c_noise = ln(sigma) / 4, [B].</summary>
    public static Tensor NoiseLabel(Tensor sigma) => sigma.log() / 4;

    /// <summary>EDM's loss weight lambda(sigma) = (sigma^2 + sigma_data^2) / (sigma sigma_data)^2, per sample, [B].</summary>
    public Tensor LossWeight(Tensor sigma) =>
        ((sigma.square() + SigmaData * SigmaData) / (sigma * SigmaData).square());
}
