using System.CommandLine;
using GenNeg.Configuration;
using GenNeg.Pipelines;
using GenNeg.Workflows;

namespace GenNeg.Cli.Commands;

/// <summary>genneg pipeline: the whole method, resumable, ending in a report.</summary>
internal sealed class PipelineCommand : Command
{
    private readonly Argument<string> config = new("config") { Description = "YAML config file (see configs/)" };
    private readonly Option<string> run = CommonOptions.Run();
    private readonly Option<string[]> set = CommonOptions.Set();
    private readonly Option<string?> device = CommonOptions.Device();

    public PipelineCommand(CliEnvironment environment)
        : base("pipeline", "Baseline, Gen-neG iterations, distillation, evaluation and report in one command; re-running continues where it stopped.")
    {
        Arguments.Add(config);
        Options.Add(run);
        Options.Add(set);
        Options.Add(device);
        SetAction(parse => CommandRunner.Execute(environment, parse.GetValue(run), parse, loggers =>
        {
            var request = new PipelineRequest(ConfigLoader.LoadFile(parse.GetRequiredValue(config), environment.Registries.ConfigSchema, CommonOptions.Overrides(parse, set, device)), parse.GetRequiredValue(run));
            var (_, markdown) = environment.Progress.Show(request.RunPath, progress => new Pipeline(loggers, environment.Registries).Run(request, progress, environment.Cancellation));
            environment.Output.Write(markdown);
            return ExitCodes.Success;
        }, RunAccess.Create, "finished steps and the current step's saved state are kept; run the same pipeline command again to continue"));
    }
}
