using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Networks;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Guidance;

/// <summary>
/// The Gen-neG classifier: the denoiser's backbone with one output per sample or per element, given the same input
/// scaling c_in x and noise condition as the denoiser, so it sees noisy inputs on the same footing (for DDPM: x_t and t).
/// </summary>
public sealed class TimeDependentClassifier : Module<Tensor, Tensor, Condition, Tensor>, INoiseConditionedClassifier
{
    private readonly Backbone network;
    private readonly IPreconditioning preconditioning;

    public TimeDependentClassifier(Backbone network, IPreconditioning preconditioning) : base(nameof(TimeDependentClassifier))
    {
        this.network = network;
        this.preconditioning = preconditioning;
        RegisterComponents();
    }

    public Backbone Network => network;

    public Tensor Logit(Tensor x, Tensor sigma, Condition condition) => forward(x, sigma, condition);

    public Condition EncodeCondition(Condition condition) => network.EncodeCondition(condition);

    public override Tensor forward(Tensor x, Tensor sigma, Condition condition)
    {
        using var scope = NewDisposeScope();
        return network.forward(PerSample.Broadcast(preconditioning.In(sigma), x) * x, preconditioning.NoiseCondition(sigma), condition)
            .MoveToOuterDisposeScope();
    }
}
