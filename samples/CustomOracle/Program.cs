// A user-written oracle plugged into Gen-neG through the library API.
//
// The oracle here is a box constraint: a sample is valid iff it lies on the board, -4 <= x, y < 4 (four half-planes).
// The checkerboard's training data all satisfy it; a trained diffusion model leaks a little mass past the board's
// edges. One Gen-neG iteration with this oracle removes most of that leak.
//
//   dotnet run --project samples/CustomOracle -c Release -- [run folder]
using GenNeg;
using GenNeg.Configuration;
using GenNeg.Oracles;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

var runPath = args.Length > 0 ? args[0] : Path.Combine("runs", "custom-oracle");
var configPath = Path.Combine(AppContext.BaseDirectory, "checkerboard-quick.yaml");

using var loggers = LoggerFactory.Create(builder => builder.AddSimpleConsole(o => o.SingleLine = true));
var registries = Registries.CreateDefault();
registries.Oracles.Register("inside-board", () => new InsideBoardOracle());

// A short budget: this is a demonstration, not a benchmark.
var config = ConfigLoader.LoadFile(configPath, registries.ConfigSchema,
[
    "oracle=inside-board", "train.iterations=2000", "evaluate.samples=10000",
    "genneg.per_class=1000", "genneg.classifier.iterations=600", "genneg.classifier.batch_size=1024",
]);

var resume = File.Exists(Path.Combine(runPath, "config.yaml"));
new BaselineTraining(loggers, registries).Run(new BaselineTrainingRequest(config, runPath, resume));
var evaluation = new Evaluation(loggers.CreateLogger<Evaluation>(), registries);
var before = evaluation.Run(new EvaluationRequest(runPath, "baseline"));
var after = new GenNegIteration(loggers, registries).Run(new IterationRequest(runPath));

Console.WriteLine($"Samples off the board: baseline {before.InfractionRate:P2}, after one Gen-neG iteration {after.Metrics.InfractionRate:P2} " +
                  $"(alpha {after.Classifier.Alpha:F4}; MMD {before.Mmd:G3} -> {after.Metrics.Mmd:G3})");

/// <summary>Valid iff the point lies on the board [-4, 4)^2.</summary>
internal sealed class InsideBoardOracle : IOracle
{
    public string Name => "inside-board";

    public Tensor IsValid(Tensor samples)
    {
        using var scope = NewDisposeScope();
        return ((samples >= -4).logical_and(samples < 4)).all(1).MoveToOuterDisposeScope();
    }
}
