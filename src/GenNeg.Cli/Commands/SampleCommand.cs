using System.CommandLine;
using GenNeg.Runs;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging;

namespace GenNeg.Cli.Commands;

/// <summary>genneg sample: draw samples from a stage, label them, write CSV and a scatter plot.</summary>
internal sealed class SampleCommand : Command
{
    private readonly Option<string> run = CommonOptions.Run();
    private readonly Option<long> count = new("-n", "--count") { Description = "Number of samples", DefaultValueFactory = _ => 20_000 };
    private readonly Option<string?> output = new("--out", "-o") { Description = "CSV file for the samples, in the data set's columns (checkerboard: x0, x1, valid); some data sets write more files beside it" };
    private readonly Option<string?> plot = new("--plot") { Description = "PNG picture of the samples with infractions marked (checkerboard: a scatter plot)" };
    private readonly Option<string?> stage = CommonOptions.Stage();
    private readonly Option<long?> seed = new("--seed") { Description = "Sampling seed (default: the config's seed)" };
    private readonly Option<string?> device = CommonOptions.Device();
    private readonly Option<int?> shard = CommonOptions.Shard();
    private readonly Option<int?> shards = CommonOptions.Shards();
    private readonly Option<long?> agents = new(SampleExport.ElementsOption, "--elements")
    {
        Description = "On padded data (traffic_files), the number of real elements per sample (vehicles per scene), from 1 to max_agents; " +
            "default: each held-out scene's own. Padded rows are not written as vehicles",
    };

    public SampleCommand(CliEnvironment environment)
        : base("sample", "Draw samples from a trained stage and label them with the oracle.")
    {
        Options.Add(run);
        Options.Add(count);
        Options.Add(output);
        Options.Add(plot);
        Options.Add(stage);
        Options.Add(seed);
        Options.Add(device);
        Options.Add(shard);
        Options.Add(shards);
        Options.Add(agents);
        SetAction(parse => CommandRunner.Execute(environment, parse.GetValue(run), parse, loggers =>
        {
            var request = new SampleRequest(parse.GetRequiredValue(run), parse.GetValue(count), parse.GetValue(output), parse.GetValue(plot), parse.GetValue(stage), parse.GetValue(seed), parse.GetValue(device),
                parse.GetValue(shard) is null && parse.GetValue(shards) is null ? null : CommonOptions.ResolveShard(parse, shard, shards), parse.GetValue(agents));
            var summary = environment.Progress.Show(progress =>
                new SampleExport(loggers.CreateLogger<SampleExport>(), environment.Registries).Run(request, progress, environment.Cancellation));
            // Samples written to a device or pipe (-o /dev/stdout) may share stdout: the summary goes to stderr then.
            var streamed = new[] { request.CsvPath, request.PlotPath }.Any(path => path is not null && FileKinds.Of(path) == FileKind.Special);
            (streamed ? environment.Error : environment.Output).WriteLine(summary.WaitingForParts
                ? $"part written; '{summary.Stage}' waits for the other parts before writing its outputs"
                : $"{summary.Count:N0} samples from '{summary.Stage}': infraction rate {summary.InfractionRate:P3}");
            return ExitCodes.Success;
        }, RunAccess.Read, "no samples were kept (--out and --plot are written only when sampling completes); run sample again"));
    }
}
