using System.CommandLine;
using GenNeg.Workflows;
using GenNeg.Runs;

namespace GenNeg.Cli.Commands;

/// <summary>genneg stages: what a run holds.</summary>
internal sealed class StagesCommand : Command
{
    private readonly Option<string> run = CommonOptions.Run();

    public StagesCommand(CliEnvironment environment)
        : base("stages", "List a run's stages: model, classifier stack (with each alpha) and evaluated figures.")
    {
        Options.Add(run);
        SetAction(parse => CommandRunner.Execute(environment, null, parse, _ =>
        {
            var folder = RunFolder.Open(parse.GetRequiredValue(run));
            var metrics = Evaluation.Recorded(folder);
            var stages = folder.LoadManifest().Stages;
            if (stages.Count == 0) environment.Output.WriteLine("no stages yet");
            foreach (var stage in stages)
            {
                var alphas = stage.Classifiers.Count == 0 ? "no classifiers" : "alphas " + string.Join(", ", stage.Classifiers.Select(c => c.Alpha.ToString("F4")));
                var figures = metrics.TryGetValue(stage.Name, out var m) ? m.Summary : "not evaluated";
                environment.Output.WriteLine($"{stage.Name,-14} {stage.Denoiser,-26} {alphas,-28} {figures}");
            }
            return ExitCodes.Success;
        }));
    }
}
