using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Formalisms;

/// <summary>The forward process on the shared seam, x = x0 + sigma n with n ~ N(0, I), as every trainer applies it.</summary>
public static class Noising
{
    /// <summary>x0 [B, *S] noised at sigma [B].</summary>
    public static Tensor Add(Tensor x0, Tensor sigma, Generator generator) =>
        x0 + PerSample.Broadcast(sigma, x0) * randn(x0.shape, generator: generator, device: x0.device);

    /// <summary>One training noise level per example from the formalism, then the noised batch: (sigma [B], x).</summary>
    public static (Tensor Sigma, Tensor Noisy) Perturb(IDiffusionFormalism formalism, Tensor x0, Generator generator)
    {
        var sigma = formalism.SampleTrainingSigma(x0.shape[0], generator);
        return (sigma, Add(x0, sigma, generator));
    }
}
