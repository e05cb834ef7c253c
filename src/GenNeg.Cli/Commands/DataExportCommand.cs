using System.CommandLine;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging;

namespace GenNeg.Cli.Commands;

/// <summary>genneg data export: the data set's samples and the oracle's labels as files other tools read.</summary>
internal sealed class DataExportCommand : Command
{
    private readonly DataOptions data = new(DataInspection.BothSplits);
    private readonly Option<string> output = new("--out", "-o") { Description = "Existing folder to write the samples (traffic: scenes.csv, checkerboard: points.csv) and e.g. maps.geojson into", Required = true };

    public DataExportCommand(CliEnvironment environment)
        : base("export", "Write the data set's samples with the oracle's labels (traffic: scenes.csv, one row per vehicle with its split; checkerboard: points.csv), plus what the data set keeps beside it (traffic: maps.geojson).")
    {
        data.AddTo(this);
        Options.Add(output);
        SetAction(parse => CommandRunner.Execute(environment, null, parse, loggers =>
        {
            var selection = data.Read(parse, environment.Registries.ConfigSchema);
            var summary = new DataInspection(loggers.CreateLogger<DataInspection>(), environment.Registries).Export(selection, parse.GetRequiredValue(output));
            DataOptions.Report(environment, summary);
            return ExitCodes.Success;
        }));
    }
}
