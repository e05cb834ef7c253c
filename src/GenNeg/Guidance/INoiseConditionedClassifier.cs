using static TorchSharp.torch;

namespace GenNeg.Guidance;

/// <summary>A time-dependent classifier C(x; sigma): the log-odds that the clean x0 behind a noisy x is valid.</summary>
public interface INoiseConditionedClassifier
{
    /// <param name="x">noisy samples [B, D]</param>
    /// <param name="sigma">noise levels [B], or [1] when shared</param>
    /// <returns>logit of p(valid | x; sigma), [B]</returns>
    Tensor Logit(Tensor x, Tensor sigma);
}
