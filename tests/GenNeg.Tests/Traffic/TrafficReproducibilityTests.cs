using System.Security.Cryptography;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging.Abstractions;

namespace GenNeg.Tests.Traffic;

/// <summary>Same seed, same build, same thread count: a traffic run's files and figures are the same to the bit.</summary>
public class TrafficReproducibilityTests
{
    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public void A_traffic_baseline_and_iteration_made_twice_give_the_same_weights_draws_and_figures()
    {
        using var folder = new TempFolder();
        var registries = Registries.CreateDefault();
        var config = TestConfig.Parse(TrafficPipelineTests.TinyTraffic);
        string[] runs = [folder.Combine("first"), folder.Combine("second")];
        var results = runs.Select(run =>
        {
            new BaselineTraining(NullLoggerFactory.Instance, registries).Run(new BaselineTrainingRequest(config, run, false));
            return new GenNegIteration(NullLoggerFactory.Instance, registries).Run(new IterationRequest(run));
        }).ToArray();

        foreach (var file in new[] { "baseline/denoiser.bin", "genneg-1/draws.bin", "genneg-1/classifier.bin", "genneg-1/evaluation-samples.bin" })
            Assert.True(Hash(Path.Combine(runs[0], file)) == Hash(Path.Combine(runs[1], file)), $"{file} differs between the two runs");
        var (first, second) = (results[0], results[1]);
        Assert.Equal(first.Classifier.Alpha, second.Classifier.Alpha);
        Assert.Equal((first.Metrics.InfractionRate, first.Metrics.Mmd, first.Metrics.Elbo), (second.Metrics.InfractionRate, second.Metrics.Mmd, second.Metrics.Elbo));
    }
}
