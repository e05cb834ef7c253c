using System.CommandLine;
using System.Text.Json;
using GenNeg.Benchmarks;
using GenNeg.Configuration;
using GenNeg.Runs;

namespace GenNeg.Cli.Commands;

/// <summary>genneg bench: throughput figures of every phase on this machine.</summary>
internal sealed class BenchCommand : Command
{
    private readonly Option<string?> config = new("--config", "-c") { Description = "Config whose model and sampler settings to measure (default: built-in checkerboard-quick settings)" };
    private readonly Option<string?> json = new("--json") { Description = "Also write the figures to this JSON file" };
    private readonly Option<string?> run = new("--run", "-r") { Description = "Also time the sampler step of every stage of this run folder" };
    private readonly Option<string[]> set = CommonOptions.Set();
    private readonly Option<string?> device = CommonOptions.Device();

    public BenchCommand(CliEnvironment environment)
        : base("bench", "Measure this machine: matmul roofline, training and sampling throughput, classifier cost, drawing rate, peak memory.")
    {
        Options.Add(config);
        Options.Add(json);
        Options.Add(run);
        Options.Add(set);
        Options.Add(device);
        SetAction(parse => CommandRunner.Execute(environment, null, parse, _ =>
        {
            var overrides = CommonOptions.Overrides(parse, set, device);
            var settings = parse.GetValue(config) is { } path ? ConfigLoader.LoadFile(path, environment.Registries.ConfigSchema, overrides) : ConfigLoader.Parse(QuickSettings, environment.Registries.ConfigSchema, overrides, "bench");
            if (parse.GetValue(json) is { } output && Path.GetDirectoryName(Path.GetFullPath(output)) is { } folder && !Directory.Exists(folder))
                throw new GenNegException($"cannot write '{output}': folder '{folder}' does not exist");

            void Print(BenchmarkFigure f) => environment.Output.WriteLine($"{f.Name,-58} {f.Value,12:G5} {f.Unit}");
            var runFolder = parse.GetValue(run) is { } runPath ? RunFolder.Open(runPath) : null;
            var figures = new Benchmark(settings, environment.Registries).Run(Print).ToList();
            if (runFolder is not null)
            {
                var stageFigures = Benchmark.Stages(runFolder, environment.Registries);
                foreach (var figure in stageFigures) Print(figure);
                figures.AddRange(stageFigures);
            }
            if (parse.GetValue(json) is { } jsonPath)
                AtomicFile.WriteAllText(jsonPath, JsonSerializer.Serialize(figures, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            return ExitCodes.Success;
        }, RunAccess.Read, "no figures were written; run bench again"));
    }

    /// <summary>The settings of configs/checkerboard-quick.yaml that the benchmark depends on.</summary>
    private const string QuickSettings = """
        train: { batch_size: 1000, learning_rate: 1.0e-3 }
        sampler: { steps: 50, churn: 10, batch_size: 10000 }
        genneg: { classifier: { batch_size: 2048, learning_rate: 3.0e-3 } }
        """;
}
