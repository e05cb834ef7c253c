using GenNeg.Data;
using GenNeg.Networks;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Domains.Traffic.Model;

/// <summary>
/// The traffic backbone (the paper's Appendix B.2), F(x, noise label, map) for scenes x [B, A, F]:
/// a 2-layer SiLU MLP embeds each agent's features and adds the sinusoidal noise-level embedding; residual blocks then
/// alternate self-attention across the agents, with relative positional encodings of their pairwise distances
/// (sinusoidal embedding of the distance plus the noise-level embedding, entering queries, keys and values as in
/// Eqs. 36-37), cross-attention from agents to map tokens (<see cref="MapEncoder"/>), and a feed-forward layer; a
/// 2-layer MLP decodes each agent. Output: the scene's shape (denoiser), one logit per agent (by-agent classifier) or,
/// from the mean over agents, one per scene (by-scene). Equivariant under permutations of the agents (the by-scene
/// head invariant). The output layer starts at zero, so a fresh denoiser is D = c_skip x and a fresh classifier 1/2.
/// Positions for the distances are each agent's first two features (x, y, in the model's scaled units).
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
    private readonly Linear embedIn;
    private readonly Linear embedOut;
    private readonly Linear timeHidden;
    private readonly Linear timeOutput;
    private readonly Linear distanceProjection;
    private readonly MapEncoder map;
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
        if (width % 4 != 0) throw new GenNegException($"config key 'model.hidden' must be a multiple of 4 for agent_transformer, got {width}");
        timeEmbedding = model.TimeEmbedding;
        var features = (int)spec.SampleShape[1];
        outputShape = spec.OutputShape;
        perScene = spec.Output == BackboneOutput.PerSample;
        cacheKey = $"{BackboneName}.map.{Interlocked.Increment(ref instances)}";

        embedIn = Linear(features, width);
        embedOut = Linear(width, width);
        timeHidden = Linear(timeEmbedding, width);
        timeOutput = Linear(width, width);
        distanceProjection = Linear(width, width);
        map = new MapEncoder(width);
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
    /// tokens, to the condition, so a sampler batch encodes the map once for all its steps.
    /// </summary>
    public override Condition EncodeCondition(Condition condition)
    {
        using var scope = NewDisposeScope();
        var tokens = map.forward(condition[TrafficDataSet.MapKey]);
        for (var i = 0; i < crossAttention.Count; i++)
        {
            var (keys, values) = crossAttention[i].KeysAndValues(tokens);
            condition = condition.With(KeysKey(i), keys.MoveToOuterDisposeScope()).With(ValuesKey(i), values.MoveToOuterDisposeScope());
        }
        return condition;
    }

    private string KeysKey(int block) => $"{cacheKey}.keys.{block}";

    private string ValuesKey(int block) => $"{cacheKey}.values.{block}";

    public override Tensor forward(Tensor input, Tensor noiseLabel, Condition condition)
    {
        using var scope = NewDisposeScope();
        var batch = input.shape[0];
        var agents = input.shape[1];
        var time = functional.silu(timeOutput.forward(functional.silu(timeHidden.forward(SinusoidalEmbedding.Embed(noiseLabel, timeEmbedding, 1000)))));
        time = time.expand(batch, width);                                                       // [B, H]
        var h = embedOut.forward(functional.silu(embedIn.forward(input))) + time.unsqueeze(1);   // [B, A, H]

        // Pair embeddings: sinusoidal embedding of each pair's distance plus the noise-level embedding (Appendix B.2).
        var positions = input.narrow(2, 0, 2);
        var distances = (positions.unsqueeze(2) - positions.unsqueeze(1)).square().sum(-1).add(1e-12).sqrt();   // [B, A, A]
        var distanceCode = SinusoidalEmbedding.Embed(distances.reshape(-1), width, 100).reshape(batch, agents, agents, width);
        var pairs = distanceProjection.forward(distanceCode) + time.reshape(batch, 1, 1, width);

        var encoded = condition.TryGet(KeysKey(0), out _) ? condition : EncodeCondition(condition);
        for (var i = 0; i < selfAttention.Count; i++)
        {
            h = selfAttention[i].forward(h, pairs);
            h = crossAttention[i].Attend(h, encoded[KeysKey(i)], encoded[ValuesKey(i)]);
            h = h + feedForward[i].forward(h);
        }
        var decoded = functional.silu(decodeHidden.forward(finalNorm.forward(h)));
        if (perScene) return decodeOut.forward(decoded.mean([1])).reshape(batch).MoveToOuterDisposeScope();
        var output = decodeOut.forward(decoded);                                                 // [B, A, F] or [B, A, 1]
        return output.reshape([batch, .. outputShape]).MoveToOuterDisposeScope();
    }
}
