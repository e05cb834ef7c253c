using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Domains.Traffic.Scenes;
using GenNeg.Networks;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Domains.Traffic.Model;

/// <summary>
/// The traffic backbone (the paper's Appendix B.2), F(x, noise label, map) for scenes x [B, A, F]:
/// a 2-layer SiLU MLP embeds each agent's features, with what the map reads around it (<see cref="MapProbe"/>), and adds
/// the sinusoidal noise-level embedding; residual blocks then alternate self-attention across the agents, with relative
/// positional encodings of each pair (sinusoidal embeddings of the distance and of the offset along and across the
/// receiving vehicle, and the cosine and sine of the heading difference, projected, plus the noise-level embedding,
/// entering queries, keys and values as in Eqs. 36-37), cross-attention from agents to map tokens
/// (<see cref="MapEncoder"/>), and a feed-forward layer; a 2-layer MLP decodes each agent. Output: the scene's shape
/// (denoiser), one logit per agent (by-agent classifier) or, from the mean over agents, one per scene (by-scene).
/// Equivariant under permutations of the agents (the by-scene head invariant). The output layer starts at zero, so a
/// fresh denoiser is D = c_skip x and a fresh classifier 1/2.
/// The probes and pair encodings read the vehicles in metres, undoing the data set's feature scaling (its
/// <see cref="TrafficWorld"/>); data built without one (tests) is read as metres on a raster of 1 m per pixel.
/// The paper's encoding has the distance alone; a collision depends on where the other vehicle lies relative to this
/// one's length and heading, which a distance cannot say.
/// </summary>
public sealed class AgentTransformer : Backbone
{
    public const string BackboneName = "agent_transformer";

    /// <summary>Each instance caches its map keys and values in a sampler batch's condition under keys of its own.</summary>
    private static int instances;

    private readonly int width;
    private readonly int timeEmbedding;
    private readonly long[] outputShape;
    private readonly bool perScene;
    private readonly string cacheKey;
    private readonly FeatureScaling scaling;
    private readonly double half;
    private readonly Linear embedIn;
    private readonly Linear embedOut;
    private readonly Linear timeHidden;
    private readonly Linear timeOutput;
    private readonly Linear pairProjection;
    private readonly MapEncoder map;
    private readonly MapProbe probe;
    private readonly ModuleList<RelativeSelfAttention> selfAttention;
    private readonly ModuleList<CrossAttention> crossAttention;
    private readonly ModuleList<Sequential> feedForward;
    private readonly LayerNorm finalNorm;
    private readonly Linear decodeHidden;
    private readonly Linear decodeOut;

    public AgentTransformer(BackboneSpec spec) : base(nameof(AgentTransformer))
    {
        if (spec.SampleShape.Length != 2) throw new GenNegException($"the agent_transformer backbone takes scenes [agents, features], got samples [{string.Join(", ", spec.SampleShape)}]");
        if (!spec.Conditions.Any(c => c.Name == TrafficDataSet.MapKey))
            throw new GenNegException($"the agent_transformer backbone reads the '{TrafficDataSet.MapKey}' condition; the data set gives {(spec.Conditions.Count == 0 ? "none" : string.Join(", ", spec.Conditions.Select(c => c.Name)))}");
        var model = spec.Model;
        width = model.Hidden;
        if (width % 4 != 0) throw ConfigKey.Error("model.hidden", $"must be a multiple of 4 for agent_transformer, got {width}");
        timeEmbedding = model.TimeEmbedding;
        var features = (int)spec.SampleShape[1];
        outputShape = spec.OutputShape;
        perScene = spec.Output == BackboneOutput.PerSample;
        cacheKey = $"{BackboneName}.map.{Interlocked.Increment(ref instances)}";

        (scaling, half) = spec.World is TrafficWorld world
            ? (world.Scaling, world.Config.Window / 2)
            : (FeatureScaling.Identity(features), spec.Conditions.First(c => c.Name == TrafficDataSet.MapKey).Shape[^1] / 2.0);
        embedIn = Linear(features + MapProbe.Points * MapProbe.Channels, width);
        embedOut = Linear(width, width);
        timeHidden = Linear(timeEmbedding, width);
        timeOutput = Linear(width, width);
        pairProjection = Linear(2 * width + 2, width);
        map = new MapEncoder(width);
        probe = new MapProbe();
        selfAttention = new ModuleList<RelativeSelfAttention>(Enumerable.Range(0, model.Blocks).Select(_ => new RelativeSelfAttention(width, model.Heads)).ToArray());
        crossAttention = new ModuleList<CrossAttention>(Enumerable.Range(0, model.Blocks).Select(_ => new CrossAttention(width, model.Heads)).ToArray());
        feedForward = new ModuleList<Sequential>(Enumerable.Range(0, model.Blocks)
            .Select(_ => Sequential(LayerNorm(width), Linear(width, 2 * width), SiLU(), Linear(2 * width, width))).ToArray());
        finalNorm = LayerNorm(width);
        decodeHidden = Linear(width, width);
        var outputWidth = spec.Output == BackboneOutput.Sample ? features : 1;
        decodeOut = Linear(width, outputWidth);
        using (no_grad())
        {
            decodeOut.weight!.zero_();
            decodeOut.bias!.zero_();
        }
        RegisterComponents();
    }

    /// <summary>
    /// Adds what this network computes from the map alone, each block's cross-attention keys and values over the map
    /// tokens and the map its probes read, to the condition, so a sampler batch encodes the map once for all its steps.
    /// </summary>
    public override Condition EncodeCondition(Condition condition)
    {
        using var scope = NewDisposeScope();
        var raster = condition[TrafficDataSet.MapKey];
        condition = condition.With(ProbeKey, probe.forward(raster).MoveToOuterDisposeScope());
        var tokens = map.forward(raster);
        for (var i = 0; i < crossAttention.Count; i++)
        {
            var (keys, values) = crossAttention[i].KeysAndValues(tokens);
            condition = condition.With(KeysKey(i), keys.MoveToOuterDisposeScope()).With(ValuesKey(i), values.MoveToOuterDisposeScope());
        }
        return condition;
    }

    private string ProbeKey => $"{cacheKey}.probe";

    /// <summary>The feature scaling and the probe grid as tensors, made once per device and type, not uploaded at every call.</summary>
    private sealed record Constants((Tensor Mean, Tensor Std) Scaling, Tensor Grid);

    private Constants? constants;

    private Constants ConstantsLike(Tensor input)
    {
        if (constants is { Grid: var grid } made && grid.dtype == input.dtype && grid.device_type == input.device_type && grid.device_index == input.device_index)
            return made;
        DisposeConstants();
        var (mean, std) = scaling.Statistics(input);
        return constants = new Constants((mean.DetachFromDisposeScope(), std.DetachFromDisposeScope()), VehicleBoxes.Factors(MapProbe.Grid, input).DetachFromDisposeScope());
    }

    private void DisposeConstants()
    {
        if (constants is null) return;
        constants.Scaling.Mean.Dispose();
        constants.Scaling.Std.Dispose();
        constants.Grid.Dispose();
        constants = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) DisposeConstants();
        base.Dispose(disposing);
    }

    private string KeysKey(int block) => $"{cacheKey}.keys.{block}";

    private string ValuesKey(int block) => $"{cacheKey}.values.{block}";

    public override Tensor forward(Tensor input, Tensor noiseLabel, Condition condition)
    {
        using var scope = NewDisposeScope();
        var batch = input.shape[0];
        var time = functional.silu(timeOutput.forward(functional.silu(timeHidden.forward(SinusoidalEmbedding.Embed(noiseLabel, timeEmbedding, 1000)))));
        time = time.expand(batch, width);                                                       // [B, H]
        var encoded = condition.TryGet(KeysKey(0), out _) ? condition : EncodeCondition(condition);
        var fixedTensors = ConstantsLike(input);
        var boxes = new VehicleBoxes(FeatureScaling.Denormalise(input, fixedTensors.Scaling));
        var readings = MapProbe.Read(encoded[ProbeKey], boxes, fixedTensors.Grid, half);
        var h = embedOut.forward(functional.silu(embedIn.forward(cat([input, readings], -1)))) + time.unsqueeze(1);   // [B, A, H]
        var pairs = pairProjection.forward(PairFeatures(boxes)) + time.reshape(batch, 1, 1, width);                  // [B, A, A, H]
        // Padding (agent_mask false) is no vehicle: no agent attends to it, and a by-scene head averages the real agents.
        var present = condition.TryGet(TrafficOracle.AgentMaskKey, out var mask) ? mask.to(ScalarType.Bool).to(input.device) : null;
        for (var i = 0; i < selfAttention.Count; i++)
        {
            h = selfAttention[i].Attend(h, pairs, present);
            h = crossAttention[i].Attend(h, encoded[KeysKey(i)], encoded[ValuesKey(i)]);
            h = h + feedForward[i].forward(h);
        }
        var decoded = functional.silu(decodeHidden.forward(finalNorm.forward(h)));
        if (perScene)
        {
            var pooled = present is null ? decoded.mean([1])
                : (decoded * present.unsqueeze(-1).to(decoded.dtype)).sum(1) / present.sum(1, keepdim: true).clamp_min(1).to(decoded.dtype);
            return decodeOut.forward(pooled).reshape(batch).MoveToOuterDisposeScope();
        }
        var output = decodeOut.forward(decoded);                                                 // [B, A, F] or [B, A, 1]
        return output.reshape([batch, .. outputShape]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [B, A, A, 2 H + 2] for receiving vehicle i and sending vehicle j: sinusoidal codes of their distance (H wide) and of
    /// j's offset along and across i's heading (H / 2 each), then cos and sin of j's heading relative to i's.
    /// </summary>
    private Tensor PairFeatures(VehicleBoxes boxes)
    {
        using var scope = NewDisposeScope();
        var (batch, agents) = (boxes.Centre.shape[0], boxes.Centre.shape[1]);
        var offset = boxes.Centre.unsqueeze(1) - boxes.Centre.unsqueeze(2);                      // [B, A, A, 2]: j - i
        var (dx, dy) = (offset[.., .., .., 0], offset[.., .., .., 1]);
        var (cos, sin) = (boxes.Cos.unsqueeze(2), boxes.Sin.unsqueeze(2));                         // i's heading
        var (cosOther, sinOther) = (boxes.Cos.unsqueeze(1), boxes.Sin.unsqueeze(1));
        var distance = offset.square().sum(-1).add(1e-12).sqrt();
        Tensor Code(Tensor metres, int codeWidth) =>
            SinusoidalEmbedding.Embed(metres.reshape(-1), codeWidth, PairCodeScale, PairCodeMaxPeriod).reshape(batch, agents, agents, codeWidth);
        return cat([Code(distance, width), Code(dx * cos + dy * sin, width / 2), Code(dy * cos - dx * sin, width / 2),
            (cos * cosOther + sin * sinOther).unsqueeze(-1), (cos * sinOther - sin * cosOther).unsqueeze(-1)], -1).MoveToOuterDisposeScope();
    }

    /// <summary>Pair codes in metres span periods from 2 pi / 12 = 0.5 m (bumper gaps) to 0.5 m x 400 = 200 m (the window).</summary>
    private const double PairCodeScale = 12, PairCodeMaxPeriod = 400;
}
