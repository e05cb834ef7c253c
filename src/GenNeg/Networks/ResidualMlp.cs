using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Networks;

/// <summary>Shape of the <see cref="ResidualMlp"/> backbone.</summary>
public sealed record MlpShape(int InputWidth, int OutputWidth, int Hidden = 256, int Blocks = 2, int TimeEmbedding = 128, double NoiseLabelScale = 1000);

/// <summary>
/// The raw network F(x, noise label) of the paper's checkerboard experiments (Appendix B.1): an input
/// projection, residual blocks conditioned on a sinusoidal embedding of the noise label, SiLU throughout.
/// It knows nothing of sigma or of the diffusion: the preconditioner decides what x and the label are.
/// With the default shape and 2-D data it has 494,850 parameters.
/// </summary>
public sealed class ResidualMlp : Module<Tensor, Tensor, Tensor>
{
    private readonly MlpShape shape;
    private readonly Linear inputProjection;
    private readonly Linear timeHidden;
    private readonly Linear timeOutput;
    private readonly ModuleList<ResidualBlock> blocks;
    private readonly Linear outputProjection;

    public ResidualMlp(MlpShape shape) : base(nameof(ResidualMlp))
    {
        this.shape = shape;
        inputProjection = Linear(shape.InputWidth, shape.Hidden);
        timeHidden = Linear(shape.TimeEmbedding, shape.Hidden);
        timeOutput = Linear(shape.Hidden, shape.Hidden);
        blocks = new ModuleList<ResidualBlock>(Enumerable.Range(0, shape.Blocks).Select(_ => new ResidualBlock(shape.Hidden)).ToArray());
        outputProjection = Linear(shape.Hidden, shape.OutputWidth);
        // A zero output layer starts the denoiser at D = c_skip x and a classifier at C = 1/2.
        using (no_grad())
        {
            outputProjection.weight!.zero_();
            outputProjection.bias!.zero_();
        }
        RegisterComponents();
    }

    public MlpShape Shape => shape;

    /// <param name="input">network input [B, InputWidth]</param>
    /// <param name="noiseLabel">[B], or [1] when the whole batch shares one noise level (the embedding is then computed once and broadcast)</param>
    public override Tensor forward(Tensor input, Tensor noiseLabel)
    {
        using var scope = NewDisposeScope();
        var embedding = SinusoidalEmbedding.Embed(noiseLabel, shape.TimeEmbedding, shape.NoiseLabelScale);
        var time = functional.silu(timeOutput.forward(functional.silu(timeHidden.forward(embedding))));
        var hidden = inputProjection.forward(input);
        foreach (var block in blocks)
            hidden = block.forward(hidden, time);
        return outputProjection.forward(functional.silu(hidden)).MoveToOuterDisposeScope();
    }

    public long ParameterCount() => parameters().Sum(p => p.numel());
}

/// <summary>h + W2 SiLU(W1 SiLU(h) + Wt time): a pre-activation residual block with an additive time projection.</summary>
public sealed class ResidualBlock : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear first;
    private readonly Linear timeProjection;
    private readonly Linear second;

    public ResidualBlock(int hidden) : base(nameof(ResidualBlock))
    {
        first = Linear(hidden, hidden);
        timeProjection = Linear(hidden, hidden);
        second = Linear(hidden, hidden);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor time)
    {
        using var scope = NewDisposeScope();
        var inner = functional.silu(first.forward(functional.silu(hidden)) + timeProjection.forward(time));
        return (hidden + second.forward(inner)).MoveToOuterDisposeScope();
    }
}
