using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Domains.Motion;
using GenNeg.Domains.Motion.Model;
using GenNeg.Formalisms;
using GenNeg.Networks;
using static TorchSharp.torch;

namespace GenNeg.Tests.Motion;

/// <summary>The motion backbone's outputs and the DDPM x0 parameterisation.</summary>
public class MotionModelTests
{
    private static readonly ModelConfig Model = new() { Formalism = "ddpm", Backbone = MotionTransformer.BackboneName, Hidden = 16, Heads = 2, Blocks = 1, TimeEmbedding = 8 };

    private static BackboneSpec Spec(BackboneOutput output) =>
        new([6, 9], [new ConditionShape(MotionDataSet.ActionKey, [3])], [6], output, Model);

    private static void Randomise(MotionTransformer network)
    {
        using var noGrad = no_grad();
        using var generator = new Generator(11);
        foreach (var p in network.parameters()) p.copy_(randn(p.shape, generator: generator) * 0.3);
    }

    [Fact]
    public void Outputs_a_sequence_a_logit_per_frame_or_one_per_sequence_and_reads_the_class()
    {
        using var generator = new Generator(3);
        var x = randn([4, 6, 9], generator: generator);
        var label = tensor(new float[] { 0.1f, 0.5f, 0.9f, 0.3f });
        var classes = Condition.Of(MotionDataSet.ActionKey, nn.functional.one_hot(tensor(new long[] { 0, 1, 2, 0 }), 3).to(ScalarType.Float32));
        var expected = new Dictionary<BackboneOutput, long[]> { [BackboneOutput.Sample] = [4, 6, 9], [BackboneOutput.PerElement] = [4, 6], [BackboneOutput.PerSample] = [4] };
        foreach (var (output, shape) in expected)
        {
            using var network = (MotionTransformer)Registries.CreateDefault().Backbones.Create(Spec(output));
            Assert.Equal(0, network.forward(x, label, classes).abs().max().item<float>());   // the output layer starts at zero
            Randomise(network);
            Assert.Equal(shape, network.forward(x, label, classes).shape);
        }
        using var denoiser = new MotionTransformer(Spec(BackboneOutput.Sample));
        Randomise(denoiser);
        var other = Condition.Of(MotionDataSet.ActionKey, nn.functional.one_hot(tensor(new long[] { 1, 1, 2, 0 }), 3).to(ScalarType.Float32));
        var a = denoiser.forward(x, label, classes);
        var b = denoiser.forward(x, label, other);
        Assert.True((a[0] - b[0]).abs().max().item<float>() > 1e-4f);                  // sample 0's class changed
        Assert.Equal(0, (a[1..] - b[1..]).abs().max().item<float>());                   // the others' did not
    }

    [Fact]
    public void Frames_are_told_apart_by_their_position()
    {
        using var network = new MotionTransformer(Spec(BackboneOutput.PerElement));
        Randomise(network);
        var x = zeros(1, 6, 9);   // every frame the same: only the positional encoding tells them apart
        var classes = Condition.Of(MotionDataSet.ActionKey, zeros(1, 3));
        var logits = network.forward(x, tensor(new float[] { 0.5f }), classes);
        Assert.True((logits[0, 0] - logits[0, 5]).abs().item<float>() > 1e-4f);
    }

    [Fact]
    public void X0_prediction_makes_the_network_output_the_denoised_sample_with_unit_loss_weight()
    {
        var schedule = DdpmSchedule.Linear(100);
        var sample = new DdpmFormalism(schedule, DdpmFormalism.SamplePrediction);
        var epsilon = new DdpmFormalism(schedule);
        var sigma = tensor(new[] { schedule.Sigma(10), schedule.Sigma(90) }).to(ScalarType.Float32);
        var p = sample.Preconditioning;
        Assert.Equal([0f, 0f], p.Skip(sigma).data<float>().ToArray());
        Assert.Equal([1f, 1f], p.Out(sigma).data<float>().ToArray());
        Assert.Equal(epsilon.Preconditioning.In(sigma).data<float>().ToArray(), p.In(sigma).data<float>().ToArray());
        Assert.Equal(epsilon.Preconditioning.NoiseCondition(sigma).data<float>().ToArray(), p.NoiseCondition(sigma).data<float>().ToArray());
        Assert.Equal([1f, 1f], sample.LossWeight(sigma).data<float>().ToArray());
        Assert.Equal(sigma.square().reciprocal().data<float>().ToArray(), epsilon.LossWeight(sigma).data<float>().ToArray());
        var error = Assert.Throws<GenNegException>(() => TestConfig.Parse("model: { prediction: x0 }"));
        Assert.Equal("config key 'model.prediction' (x0) applies to the ddpm formalism only; model.formalism is edm", error.Message);
        Assert.Throws<GenNegException>(() => TestConfig.Parse("model: { formalism: ddpm, prediction: v }"));
    }
}
