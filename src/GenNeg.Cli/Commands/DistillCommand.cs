using System.CommandLine;
using GenNeg.Workflows;

namespace GenNeg.Cli.Commands;

/// <summary>genneg distill: one network that samples like the stack at the baseline's cost (Eq. 12).</summary>
internal sealed class DistillCommand : Command
{
    private readonly Option<string> run = CommonOptions.Run();
    private readonly Option<string?> stage = new("--stage") { Description = "Teacher stage to distil (default: the newest)" };
    private readonly Option<string[]> set = CommonOptions.Set();
    private readonly Option<string?> device = CommonOptions.Device();

    public DistillCommand(CliEnvironment environment)
        : base("distill", "Distil the current classifier stack into one network with the baseline's architecture; adds stage distilled-k.")
    {
        Options.Add(run);
        Options.Add(stage);
        Options.Add(set);
        Options.Add(device);
        SetAction(parse => CommandRunner.Execute(environment, parse.GetValue(run), parse, loggers =>
        {
            var request = new DistillationRequest(parse.GetRequiredValue(run), parse.GetValue(stage), CommonOptions.Overrides(parse, set, device));
            var (distilled, metrics) = environment.Progress.Show(request.RunPath, progress =>
                new Distillation(loggers, environment.Registries).Run(request, progress, environment.Cancellation));
            environment.Output.WriteLine($"{distilled.Name}: {metrics.Summary}");
            return ExitCodes.Success;
        }, RunAccess.Write, "the student's training state is saved; run distill again with the same options to continue it"));
    }
}
