using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Guidance;

/// <summary>
/// The paper's time-independent ablation: a classifier trained on clean x0 (at noise level
/// <paramref name="cleanSigma"/>) and applied to the one-step estimate x0_hat = D(x; sigma, c). Its gradient
/// reaches x through the denoiser.
/// </summary>
public sealed class DenoisedInputClassifier(IDenoiser denoiser, INoiseConditionedClassifier clean, double cleanSigma) : INoiseConditionedClassifier
{
    public Tensor Logit(Tensor x, Tensor sigma, Condition condition)
    {
        using var scope = NewDisposeScope();
        var estimate = denoiser.Denoise(x, sigma, condition);
        return clean.Logit(estimate, full([1], cleanSigma, dtype: ScalarType.Float32, device: x.device), condition).MoveToOuterDisposeScope();
    }

    public Condition EncodeCondition(Condition condition) => clean.EncodeCondition(denoiser.EncodeCondition(condition));
}
