using System.Text.Json.Nodes;
using GenNeg.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Networks;

/// <summary>Shape of the <see cref="ResidualMlp"/> backbone.</summary>
public sealed record MlpShape(int InputWidth, int OutputWidth, int Hidden = 256, int Blocks = 2, int TimeEmbedding = 128, double NoiseLabelScale = 1000)
{
    /// <summary>Shape of one sample's output; null for a flat [OutputWidth].</summary>
    public long[]? OutputShape { get; init; }

    /// <summary>Condition tensors appended (flattened) to the input, in this order.</summary>
    public IReadOnlyList<string> ConditionNames { get; init; } = [];

    /// <summary>The MLP for a backbone spec: the sample and every condition tensor flattened into one input vector.</summary>
    public static MlpShape For(BackboneSpec spec)
    {
        static long Size(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);
        var input = Size(spec.SampleShape) + spec.Conditions.Sum(c => Size(c.Shape));
        var model = spec.Model;
        return new MlpShape(checked((int)input), checked((int)Size(spec.OutputShape)), model.Hidden, model.Blocks, model.TimeEmbedding)
        {
            OutputShape = spec.OutputShape,
            ConditionNames = spec.Conditions.Select(c => c.Name).ToList(),
        };
    }
}

/// <summary>
/// The raw network F(x, noise label) of the paper's checkerboard experiments (Appendix B.1): an input
/// projection, residual blocks conditioned on a sinusoidal embedding of the noise label, SiLU throughout.
/// Samples of any shape are flattened, and a condition, when there is one, is flattened and appended to the input.
/// It knows nothing of sigma or of the diffusion: the preconditioner decides what x and the label are.
/// With the default shape and 2-D data it has 494,850 parameters.
/// </summary>
public sealed class ResidualMlp : Backbone
{
    public const string BackboneName = "mlp";

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

    /// <param name="input">network input [B, *S]</param>
    /// <param name="noiseLabel">[B], or [1] when the whole batch shares one noise level (the embedding is then computed once and broadcast)</param>
    /// <param name="condition">the samples' condition; the tensors named in the shape are appended to the input</param>
    /// <returns>[B, *OutputShape], or [B, OutputWidth] when the shape names none</returns>
    public override Tensor forward(Tensor input, Tensor noiseLabel, Condition condition)
    {
        using var scope = NewDisposeScope();
        var embedding = SinusoidalEmbedding.Embed(noiseLabel, shape.TimeEmbedding, shape.NoiseLabelScale);
        var time = functional.silu(timeOutput.forward(functional.silu(timeHidden.forward(embedding))));
        var hidden = inputProjection.forward(FlatInput(input, condition));
        foreach (var block in blocks)
            hidden = block.forward(hidden, time);
        var output = outputProjection.forward(functional.silu(hidden));
        return (shape.OutputShape is { } outputShape ? output.reshape([output.shape[0], .. outputShape]) : output).MoveToOuterDisposeScope();
    }

    /// <summary>Everything <see cref="forward"/> depends on besides the weights, in the keys the exported description uses.</summary>
    public override JsonObject ExportDescription() => new()
    {
        ["name"] = BackboneName,
        ["input_width"] = shape.InputWidth,
        ["output_width"] = shape.OutputWidth,
        ["output_shape"] = shape.OutputShape is { } outputShape ? new JsonArray([.. outputShape.Select(d => JsonValue.Create(d))]) : null,
        ["hidden"] = shape.Hidden,
        ["blocks"] = shape.Blocks,
        ["time_embedding"] = shape.TimeEmbedding,
        ["noise_label_scale"] = shape.NoiseLabelScale,
        ["embedding_max_period"] = SinusoidalEmbedding.DefaultMaxPeriod,
        ["activation"] = "silu",
        ["condition_names"] = new JsonArray([.. shape.ConditionNames.Select(n => JsonValue.Create(n))]),
    };

    private Tensor FlatInput(Tensor input, Condition condition)
    {
        var flat = input.flatten(1);
        if (shape.ConditionNames.Count == 0) return flat;
        // reshape rather than flatten(1): a condition of one number per sample may be [B] as well as [B, 1].
        return cat([flat, .. shape.ConditionNames.Select(name => condition[name].reshape(flat.shape[0], -1).to(flat.dtype))], 1);
    }
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
