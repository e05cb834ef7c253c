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
    private readonly Option<int> processes = new("--processes")
    {
        Description = "Also time the training loop in N bench processes started at once against one alone: how GenNeg shares the machine with itself (1: not measured)",
        DefaultValueFactory = _ => 1,
    };
    private readonly Option<bool> trainingOnly = new("--training-only") { Description = "Time the training loop only (what each of --processes runs)" };
    private readonly Option<bool> externalOracle = new("--external-oracle")
    {
        Description = "Time only the oracles on 1,000-sample batches: the config's oracle against the program of external_oracle.command " +
            "(e.g. --set 'external_oracle.command=[python3, samples/PythonOracle/identity_oracle.py]'), to show the protocol's cost",
    };

    public BenchCommand(CliEnvironment environment)
        : base("bench", "Measure this machine: matmul roofline, training and sampling throughput, classifier cost, drawing rate, peak memory.")
    {
        Options.Add(config);
        Options.Add(json);
        Options.Add(run);
        Options.Add(set);
        Options.Add(device);
        Options.Add(processes);
        Options.Add(trainingOnly);
        Options.Add(externalOracle);
        SetAction(parse => CommandRunner.Execute(environment, null, parse, _ =>
        {
            var processCount = parse.GetValue(processes);
            if (processCount is < 1 or > 16) throw new GenNegException($"--processes must be between 1 and 16, got {processCount}");
            var overrides = CommonOptions.Overrides(parse, set, device);
            var settings = parse.GetValue(config) is { } path ? ConfigLoader.LoadFile(path, environment.Registries.ConfigSchema, overrides) : ConfigLoader.Parse(QuickSettings, environment.Registries.ConfigSchema, overrides, "bench");
            if (parse.GetValue(json) is { } output && Path.GetDirectoryName(Path.GetFullPath(output)) is { } folder && !Directory.Exists(folder))
                throw new GenNegException($"cannot write '{output}': folder '{folder}' does not exist");

            void Print(BenchmarkFigure f) => environment.Output.WriteLine($"{f.Name,-58} {f.Value,12:G5} {f.Unit}");
            var runFolder = parse.GetValue(run) is { } runPath ? RunFolder.Open(runPath) : null;
            var benchmark = new Benchmark(settings, environment.Registries);
            if (parse.GetValue(externalOracle))
            {
                if (parse.GetValue(trainingOnly) || processCount > 1 || parse.GetValue(run) is not null)
                    throw new GenNegException("--external-oracle times the oracles only; leave out --training-only, --processes and --run");
                var oracleFigures = ExternalOracleBenchmark.Figures(settings, environment.Registries);
                foreach (var figure in oracleFigures) Print(figure);
                if (parse.GetValue(json) is { } oraclePath)
                    AtomicFile.WriteAllText(oraclePath, JsonSerializer.Serialize(oracleFigures, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
                return ExitCodes.Success;
            }
            var figures = parse.GetValue(trainingOnly)
                ? [new BenchmarkFigure(Benchmark.SpinCountFigure, Runtime.ProcessSettings.OpenMpSpinCount, ""),
                   new BenchmarkFigure(TrainingLoopFigure, benchmark.TrainingLoopRate(), "it/s")]
                : benchmark.Run(Print).ToList();
            if (parse.GetValue(trainingOnly)) figures.ForEach(Print);
            if (processCount > 1)
            {
                var childArguments = ChildArguments(parse);
                var alone = TrainingRates(childArguments, 1)[0];
                var together = TrainingRates(childArguments, processCount);
                BenchmarkFigure[] shared =
                [
                    new("training loop, one bench process alone", alone, "it/s"),
                    new($"training loop, slowest of {processCount} bench processes at once", together.Min(), "it/s"),
                    new($"training loop, {processCount} processes at once: slowest / alone", together.Min() / alone, ""),
                ];
                foreach (var figure in shared) Print(figure);
                figures.AddRange(shared);
            }
            if (runFolder is not null)
            {
                var stageFigures = StageBenchmark.Figures(runFolder, environment.Registries);
                foreach (var figure in stageFigures) Print(figure);
                figures.AddRange(stageFigures);
            }
            if (parse.GetValue(json) is { } jsonPath)
                AtomicFile.WriteAllText(jsonPath, JsonSerializer.Serialize(figures, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            return ExitCodes.Success;
        }, RunAccess.Read, "no figures were written; run bench again"));
    }

    private const string TrainingLoopFigure = "baseline training, training loop";

    /// <summary>What a child process is given: --training-only and this invocation's config, overrides and device.</summary>
    private List<string> ChildArguments(ParseResult parse)
    {
        List<string> arguments = ["bench", "--training-only"];
        if (parse.GetValue(config) is { } path) arguments.AddRange(["--config", Path.GetFullPath(path)]);
        foreach (var assignment in parse.GetValue(set) ?? []) arguments.AddRange(["--set", assignment]);
        if (parse.GetValue(device) is { } name) arguments.AddRange(["--device", name]);
        return arguments;
    }

    /// <summary>Starts <paramref name="count"/> copies of this program at once, each timing the training loop, and returns their rates.</summary>
    private static double[] TrainingRates(IReadOnlyList<string> arguments, int count)
    {
        var folder = Directory.CreateTempSubdirectory("genneg-bench-");
        try
        {
            var children = Enumerable.Range(0, count).Select(i =>
            {
                // Under `dotnet genneg.dll` the host is dotnet and the program its first argument.
                var host = Environment.ProcessPath ?? throw new GenNegException("cannot start bench processes: this process's executable is unknown");
                var start = new System.Diagnostics.ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
                if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(BenchCommand).Assembly.Location);
                foreach (var argument in arguments.Append("--json").Append(Path.Combine(folder.FullName, $"{i}.json"))) start.ArgumentList.Add(argument);
                return System.Diagnostics.Process.Start(start)!;
            }).ToArray();
            var errors = children.Select(child => child.StandardError.ReadToEndAsync()).ToArray();
            foreach (var child in children)
            {
                child.StandardOutput.ReadToEnd();
                child.WaitForExit();
            }
            return children.Select((child, i) =>
            {
                if (child.ExitCode != 0) throw new GenNegException($"bench process {i + 1} of {count} failed: {errors[i].Result.Trim()}");
                using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.FullName, $"{i}.json")));
                return document.RootElement.EnumerateArray().Single(f => f.GetProperty("name").GetString() == TrainingLoopFigure).GetProperty("value").GetDouble();
            }).ToArray();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The settings of configs/checkerboard-quick.yaml that the benchmark depends on.</summary>
    private const string QuickSettings = """
        train: { batch_size: 1000, learning_rate: 1.0e-3 }
        sampler: { steps: 50, churn: 10, batch_size: 10000 }
        genneg: { classifier: { batch_size: 2048, learning_rate: 3.0e-3 } }
        """;
}
