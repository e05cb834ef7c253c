using System.CommandLine;

namespace GenNeg.Cli.Commands;

/// <summary>genneg data: look at the configured data set without a model (preview, export).</summary>
internal sealed class DataCommand : Command
{
    public DataCommand(CliEnvironment environment)
        : base("data", "Look at the configured data set, labelled by the configured oracle: a picture (preview) or files (export).")
    {
        Subcommands.Add(new DataPreviewCommand(environment));
        Subcommands.Add(new DataExportCommand(environment));
    }
}
