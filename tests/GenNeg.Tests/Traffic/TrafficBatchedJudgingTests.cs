using GenNeg.Domains.Traffic;
using GenNeg.Oracles;
using static TorchSharp.torch;

namespace GenNeg.Tests.Traffic;

/// <summary>A data set labelled in batches (data preview, export) gets the verdict it would get in one batch.</summary>
public class TrafficBatchedJudgingTests
{
    [Fact]
    public void Judging_in_batches_gives_the_verdict_of_one_batch_with_every_reason()
    {
        var config = TrafficTestWorlds.SmallConfig(trainScenes: 50, validationScenes: 10);
        using var data = new TrafficDataSet().Load(config.Data);
        var oracle = Registries.CreateDefault().Oracles.Resolve("traffic", data);
        using var generator = new Generator(1);
        using var jittered = data.Train + 0.03 * randn(data.Train.shape, generator: generator);
        var whole = oracle.Judge(jittered, data.TrainCondition);
        var batched = OracleBatches.JudgeInBatches(oracle, jittered, data.TrainCondition, batchSize: 7);

        Assert.True(whole.Valid.eq(batched.Valid).all().item<bool>());
        Assert.Equal(whole.Infractions.Keys.Order(), batched.Infractions.Keys.Order());
        foreach (var (reason, flags) in whole.Infractions) Assert.True(flags.eq(batched.Infractions[reason]).all().item<bool>(), reason);
        // The jitter makes both kinds of verdict, so the comparison means something.
        using var sampleValid = whole.SampleValid();
        Assert.InRange(sampleValid.to(ScalarType.Float32).mean().item<float>(), 0.01f, 0.99f);
    }
}
