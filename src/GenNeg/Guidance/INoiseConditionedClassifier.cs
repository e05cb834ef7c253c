using GenNeg.Data;
using static TorchSharp.torch;

namespace GenNeg.Guidance;

/// <summary>
/// A time-dependent classifier C(x; sigma, c): the log-odds that the clean x0 behind a noisy x is valid, one per sample
/// (by-sample head) or one per element (by-element head: that element of x0 is valid).
/// </summary>
public interface INoiseConditionedClassifier
{
    /// <param name="x">noisy samples [B, *S]</param>
    /// <param name="sigma">noise levels [B], or [1] when shared</param>
    /// <param name="condition">the samples' condition</param>
    /// <returns>logits of p(valid | x; sigma, c), [B] or [B, *E]</returns>
    Tensor Logit(Tensor x, Tensor sigma, Condition condition);

    /// <summary>The condition with the classifier's own encoding of it added (see <see cref="Diffusion.IDenoiser.EncodeCondition"/>).</summary>
    Condition EncodeCondition(Condition condition) => condition;
}
