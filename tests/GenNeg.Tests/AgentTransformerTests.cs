using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Domains.Traffic;
using GenNeg.Domains.Traffic.Model;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Guidance;
using GenNeg.Networks;
using GenNeg.Sampling;
using GenNeg.Workflows;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Tests;

/// <summary>The traffic backbone: symmetry over agents, the relative-position attention's formula, the cached map encoding.</summary>
public class AgentTransformerTests
{
    private const int Agents = 5;
    private const int Features = 7;
    private static readonly ModelConfig Model = new() { Backbone = "agent_transformer", Hidden = 16, Heads = 2, Blocks = 2, TimeEmbedding = 8, Formalism = "ddpm", Timesteps = 20 };

    private static DataSplit Scenes()
    {
        using var generator = new Generator(1);
        var maps = (rand([6, 1, 32, 32], generator: generator) * 255).to(ScalarType.Byte);
        var condition = Condition.Of(TrafficDataSet.MapKey, maps);
        return new DataSplit(randn([6, Agents, Features], generator: generator), randn([6, Agents, Features], generator: generator),
            condition, condition.Map(t => t.clone()), elementShape: [Agents]);
    }

    private static void Randomise(nn.Module module, ulong seed)
    {
        using var noGrad = no_grad();
        using var generator = new Generator(seed);
        foreach (var parameter in module.parameters())
            if (parameter.count_nonzero().item<long>() == 0) parameter.normal_(0, 0.2, generator);
    }

    [Fact]
    public void Denoiser_and_by_agent_classifier_are_equivariant_and_the_by_scene_head_invariant_under_agent_permutations()
    {
        using var data = Scenes();
        var builder = new ModelBuilder(Model, data, Registries.CreateDefault().Backbones, CPU);
        using var denoiser = builder.CreateDenoiser(1);
        using var byAgent = builder.CreateClassifier(2, ClassifierHead.ByElement);
        using var byScene = builder.CreateClassifier(3, ClassifierHead.BySample);
        foreach (var (module, seed) in new (nn.Module, ulong)[] { (denoiser, 4), (byAgent, 5), (byScene, 6) }) Randomise(module, seed);

        var x = data.Train[..3];
        var condition = data.TrainCondition.Slice(0, 3);
        using var sigma = tensor(new[] { 0.7f, 1.3f, 2f });
        using var permutation = tensor(new long[] { 3, 0, 4, 1, 2 });
        using var permuted = x.index_select(1, permutation);

        using var denoised = denoiser.Denoise(x, sigma, condition);
        using var denoisedPermuted = denoiser.Denoise(permuted, sigma, condition);
        Assert.Equal([3L, Agents, Features], denoised.shape);
        AssertClose(denoised.index_select(1, permutation), denoisedPermuted);

        using var logits = byAgent.Logit(x, sigma, condition);
        using var logitsPermuted = byAgent.Logit(permuted, sigma, condition);
        Assert.Equal([3L, Agents], logits.shape);
        AssertClose(logits.index_select(1, permutation), logitsPermuted);

        using var scene = byScene.Logit(x, sigma, condition);
        using var scenePermuted = byScene.Logit(permuted, sigma, condition);
        Assert.Equal([3L], scene.shape);
        AssertClose(scene, scenePermuted);
        // The map matters: another map changes the output.
        using var otherMap = denoiser.Denoise(x, sigma, data.TrainCondition.Slice(3, 3));
        Assert.True((otherMap - denoised).abs().max().item<float>() > 1e-4);
    }

    [Fact]
    public void Relative_position_attention_matches_a_per_pair_computation_of_eqs_36_and_37()
    {
        random.manual_seed(7);
        using var attention = new RelativeSelfAttention(width: 4, heads: 2);
        attention.to(ScalarType.Float64);
        using var generator = new Generator(8);
        using var x = randn([1, 3, 4], dtype: ScalarType.Float64, generator: generator);
        using var pairs = randn([1, 3, 3, 4], dtype: ScalarType.Float64, generator: generator);
        using var output = attention.forward(x, pairs);

        // The same formula, one pair and one head at a time, from the module's own weights.
        var weights = attention.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Tensor Apply(string name, Tensor input) => input.matmul(weights[name + ".weight"].t()) + weights[name + ".bias"];
        var normalised = nn.functional.layer_norm(x, [4], weights["norm.weight"], weights["norm.bias"]);
        var q = Apply("query", normalised)[0];
        var k = Apply("key", normalised)[0];
        var v = Apply("value", normalised)[0];
        var pq = Apply("pairQuery", pairs)[0];
        var pk = Apply("pairKey", pairs)[0];
        var pv = Apply("pairValue", pairs)[0];
        var attended = zeros([3, 4], dtype: ScalarType.Float64);
        for (var head = 0; head < 2; head++)
        {
            var d = new TensorIndex[] { TensorIndex.Slice(2 * head, 2 * head + 2) };
            for (var i = 0; i < 3; i++)
            {
                var e = new double[3];
                for (var j = 0; j < 3; j++)
                    e[j] = ((q[i][d] * k[j][d]).sum() + (pq[i][j][d] * k[j][d]).sum() + (q[i][d] * pk[i][j][d]).sum()).item<double>() / Math.Sqrt(2);
                var max = e.Max();
                var alpha = e.Select(value => Math.Exp(value - max)).ToArray();
                var total = alpha.Sum();
                for (var j = 0; j < 3; j++)
                    attended[i][d] += alpha[j] / total * (v[j][d] + pv[i][j][d]);
            }
        }
        using var expected = x[0] + Apply("output", attended);
        AssertClose(expected, output[0], 1e-10);
    }

    [Fact]
    public void The_map_probe_reads_the_raster_at_each_vehicle_s_corners_edges_and_margin_in_its_own_frame()
    {
        // A 32 x 32 raster over [-16, 16]^2 m: map 0 has road where x < 0, map 1 where y > 0 (row 0 is the top).
        var road = zeros([2, 1, 32, 32], dtype: ScalarType.Byte);
        road[0, 0, .., ..16] = 255;
        road[1, 0, ..16, ..] = 255;
        using var probe = new MapProbe();
        using var map = probe.forward(road);
        // Vehicles in metres (x, y, length, width, cos, sin, speed): along +y across the x = 0 edge on map 0, along +x
        // across the y = 0 edge on map 1, and one outside the window.
        using var metres = tensor(new float[]
        {
            0, 10, 4, 2, 0, 1, 0,   30, 0, 4, 2, 1, 0, 0,
            5, 0, 4, 2, 1, 0, 0,    30, 0, 4, 2, 1, 0, 0,
        }).reshape(2, 2, 7);
        using var readings = MapProbe.Read(map, new VehicleBoxes(metres), VehicleBoxes.Factors(MapProbe.Grid, metres), half: 16);
        Assert.Equal([2L, 2, MapProbe.Channels * MapProbe.Points], readings.shape);
        // The raster channel (the first 25 readings, along-major): the points across the vehicle lie at -1.4, -1, 0, 1
        // and 1.4 half-widths to its left; pixel centres sit at +-0.5 m, so an edge through the centre reads 1/2.
        // Map 0, heading +y: left is -x, so road. Map 1, heading +x: left is +y, so road.
        var acrossEdge = new[] { 0f, 0, 0.5f, 1, 1 };
        var expected = Enumerable.Repeat(acrossEdge, 5).SelectMany(row => row).ToArray();
        foreach (var scene in new[] { 0, 1 })
        {
            var raster = readings[scene, 0, ..MapProbe.Points].data<float>().ToArray();
            Assert.Equal(expected, raster.Select(r => MathF.Round(r, 4)).ToArray());
            Assert.All(readings[scene, 1].data<float>().ToArray().Take(MapProbe.Points), r => Assert.Equal(0f, r));
        }
    }

    [Fact]
    public void The_bilinear_read_matches_grid_sample_and_has_second_derivatives()
    {
        using var generator = new Generator(3);
        using var map = rand([2, 3, 6, 9], generator: generator, dtype: ScalarType.Float64);
        // Positions across the whole raster and beyond it on every side, in grid_sample's [-1, 1] and in pixels.
        using var grid = (rand([2, 40, 2], generator: generator, dtype: ScalarType.Float64) * 2.6 - 1.3).requires_grad_(true);
        using var column = (grid[.., .., 0] + 1) * 4.5 - 0.5;
        using var row = (grid[.., .., 1] + 1) * 3 - 0.5;
        using var expected = nn.functional.grid_sample(map, grid.detach().unsqueeze(2), GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false).squeeze(3);
        using var gradMode = enable_grad();
        using var read = MapProbe.BilinearRead(map, column, row);
        AssertClose(expected, read, 1e-12);
        // What the exact likelihood and DLSM do: differentiate a function of the input gradient. Inside a pixel the read
        // is bilinear, so the second derivative of read.sum() in (column, row) is the mixed term alone.
        var first = autograd.grad([read.sum()], [grid], create_graph: true)[0];
        var second = autograd.grad([first.sum()], [grid])[0];
        Assert.True(second.abs().sum().item<double>() > 0);
        // Against central differences of the first derivative (for points away from pixel-centre lines, where the
        // first derivative jumps).
        double FirstSum(Tensor at)
        {
            using var g = at.detach().requires_grad_(true);
            using var c = (g[.., .., 0] + 1) * 4.5 - 0.5;
            using var r = (g[.., .., 1] + 1) * 3 - 0.5;
            using var sum = MapProbe.BilinearRead(map, c, r).sum();
            return autograd.grad([sum], [g])[0].sum().item<double>();
        }
        const double h = 1e-7;
        foreach (var (scene, point, axis) in new[] { (0, 3, 0), (1, 7, 1), (0, 11, 1) })
        {
            using var step = zeros_like(grid);
            using (no_grad()) step[scene, point, axis] = h;
            var numeric = (FirstSum(grid + step) - FirstSum(grid - step)) / (2 * h);
            Assert.Equal(numeric, second[scene, point, axis].item<double>(), 1e-5);
        }
    }

    [Fact]
    public void A_dlsm_step_differentiates_a_by_agent_classifier_s_input_gradient_through_the_whole_backbone()
    {
        // grid_sample's backward has no derivative in libtorch (it aborts the process), so this failed before the
        // probes read the map by gathers.
        using var data = Scenes();
        var builder = new ModelBuilder(Model, data, Registries.CreateDefault().Backbones, CPU);
        using var classifier = builder.CreateClassifier(2, ClassifierHead.ByElement);
        Randomise(classifier, 7);
        var x0 = data.Train[..3];
        using var sigma = tensor(new[] { 0.2f, 0.7f, 1.5f });
        using var noisy = x0 + sigma.reshape(3, 1, 1) * randn_like(x0);
        using var labels = tensor(new float[] { 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 1 }).reshape(3, Agents);
        using var sampleLabels = tensor(new float[] { 0, 0, 0 });
        var loss = new DlsmLoss(1, 1, 1, s => s.pow(-2));
        using var perExample = loss.Compute(classifier, noisy, sigma, data.TrainCondition.Slice(0, 3), x0, labels, sampleLabels, x0.clone());
        perExample.sum().backward();
        var gradients = classifier.parameters().Where(p => p.grad is not null).ToList();
        Assert.NotEmpty(gradients);
        Assert.All(gradients, p => Assert.True(p.grad!.isfinite().all().item<bool>()));
        Assert.Contains(gradients, p => p.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Encoding_the_map_once_per_batch_gives_the_same_samples_as_encoding_it_at_every_step()
    {
        using var data = Scenes();
        var builder = new ModelBuilder(Model, data, Registries.CreateDefault().Backbones, CPU);
        using var denoiser = builder.CreateDenoiser(1);
        Randomise(denoiser, 9);
        var sampler = builder.CreateSampler(new SamplerConfig { Name = "ancestral", Steps = 5 });

        using var cachedGenerator = new Generator(10);
        using var cached = SamplerBatch.Draw(sampler, denoiser, 4, data.SampleShape, data.TrainCondition, cachedGenerator);
        using var perStepGenerator = new Generator(10);
        using var perStep = SamplerBatch.Draw(sampler, new NoEncoding(denoiser), 4, data.SampleShape, data.TrainCondition, perStepGenerator);
        Assert.Equal(perStep.Samples.data<float>().ToArray(), cached.Samples.data<float>().ToArray());
    }

    [Fact]
    public void Live_tensor_count_stays_flat_across_guided_sampler_steps_with_the_map_encoded_once()
    {
        using var data = Scenes();
        var builder = new ModelBuilder(Model, data, Registries.CreateDefault().Backbones, CPU);
        using var denoiser = builder.CreateDenoiser(1);
        using var classifier = builder.CreateClassifier(2, ClassifierHead.ByElement);
        Randomise(denoiser, 9);
        Randomise(classifier, 11);
        foreach (var parameter in classifier.parameters()) parameter.requires_grad = false;
        var counts = new List<long>();
        var counting = new CountingDenoiser(new GuidedDenoiser(denoiser, [classifier]), counts);
        var sampler = builder.CreateSampler(new SamplerConfig { Name = "ancestral", Steps = 20 });

        using var generator = new Generator(12);
        using var drawn = SamplerBatch.Draw(sampler, counting, 4, data.SampleShape, data.TrainCondition, generator);
        Assert.Equal(20, counts.Count);
        Assert.All(counts.Skip(2), count => Assert.Equal(counts[2], count));
    }

    private sealed class CountingDenoiser(IDenoiser inner, List<long> counts) : IDenoiser
    {
        public Tensor Denoise(Tensor x, Tensor sigma, Condition condition)
        {
            counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            return inner.Denoise(x, sigma, condition);
        }

        public Condition EncodeCondition(Condition condition) => inner.EncodeCondition(condition);
    }

    /// <summary>Hides the encoding from samplers, so the backbone encodes the map at every step.</summary>
    private sealed class NoEncoding(IDenoiser inner) : IDenoiser
    {
        public Tensor Denoise(Tensor x, Tensor sigma, Condition condition) => inner.Denoise(x, sigma, condition);
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.shape, actual.shape);
        var gap = (expected.to(ScalarType.Float64) - actual.to(ScalarType.Float64)).abs().max().item<double>();
        Assert.True(gap < tolerance, $"largest difference {gap}");
    }
}
