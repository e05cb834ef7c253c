using System.CommandLine;
using GenNeg.Interop;
using Microsoft.Extensions.Logging;

namespace GenNeg.Cli.Commands;

/// <summary>genneg export: a stage's networks as safetensors plus a JSON description, for PyTorch and other frameworks.</summary>
internal sealed class ExportCommand : Command
{
    private readonly Option<string> run = CommonOptions.Run();
    private readonly Option<string?> stage = CommonOptions.Stage();
    private readonly Option<string> output = new("--out", "-o")
    {
        Description = "Folder to write into (created when missing): denoiser.safetensors, classifier-K.safetensors for a stacked stage, and model.json",
        Required = true,
    };

    public ExportCommand(CliEnvironment environment)
        : base("export", "Write a stage's weights as safetensors and a model.json describing the networks, formalism and guidance (samples/PyTorchExport reads them).")
    {
        Options.Add(run);
        Options.Add(stage);
        Options.Add(output);
        SetAction(parse => CommandRunner.Execute(environment, parse.GetValue(run), parse, loggers =>
        {
            var request = new ExportRequest(parse.GetRequiredValue(run), parse.GetValue(stage), parse.GetRequiredValue(output));
            var summary = new ModelExport(loggers.CreateLogger<ModelExport>(), environment.Registries).Run(request);
            environment.Output.WriteLine($"Exported '{summary.Stage}': {string.Join(", ", summary.Files.Select(Path.GetFileName))}");
            return ExitCodes.Success;
        }));
    }
}
