using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>
/// EDM's preconditioning (Karras et al. 2022, Table 1 and Eq. 7), with the paper's sigma_data = 1 by default:
/// D(x; sigma) = c_skip x + c_out F(c_in x; c_noise). Each coefficient takes sigma as [B] and returns [B, 1]
/// (or [1, 1]) so it broadcasts over the features.
/// </summary>
public sealed record EdmPreconditioning(double SigmaData = 1.0)
{
    public Tensor Skip(Tensor sigma) => (SigmaData * SigmaData / (sigma.square() + SigmaData * SigmaData)).unsqueeze(1);

    public Tensor Out(Tensor sigma) => (sigma * SigmaData / (sigma.square() + SigmaData * SigmaData).sqrt()).unsqueeze(1);

    public Tensor In(Tensor sigma) => (sigma.square() + SigmaData * SigmaData).rsqrt().unsqueeze(1);

    /// <summary>c_noise = ln(sigma) / 4, the label the backbone is conditioned on: [B].</summary>
    public static Tensor NoiseLabel(Tensor sigma) => sigma.log() / 4;

    /// <summary>EDM's loss weight lambda(sigma) = (sigma^2 + sigma_data^2) / (sigma sigma_data)^2, as [B, 1].</summary>
    public Tensor LossWeight(Tensor sigma) =>
        ((sigma.square() + SigmaData * SigmaData) / (sigma * SigmaData).square()).unsqueeze(1);
}
