using System.CommandLine;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging;

namespace GenNeg.Cli.Commands;

/// <summary>genneg data preview: the data set's picture of its training (or held-out) samples, labelled by the oracle.</summary>
internal sealed class DataPreviewCommand : Command
{
    private readonly DataOptions data = new("train");
    private readonly Option<string> output = new("--out", "-o") { Description = "PNG file to write", Required = true };

    public DataPreviewCommand(CliEnvironment environment)
        : base("preview", "Draw the data set's samples (checkerboard: a scatter; traffic: scenes on their maps and infraction heat maps).")
    {
        data.AddTo(this);
        Options.Add(output);
        SetAction(parse => CommandRunner.Execute(environment, null, parse, loggers =>
        {
            var selection = data.Read(parse, environment.Registries.ConfigSchema);
            var summary = new DataInspection(loggers.CreateLogger<DataInspection>(), environment.Registries).Preview(selection, parse.GetRequiredValue(output));
            DataOptions.Report(environment, summary);
            return ExitCodes.Success;
        }));
    }
}
