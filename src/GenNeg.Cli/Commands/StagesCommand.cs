using System.CommandLine;
using GenNeg.Reporting;
using GenNeg.Workflows;
using GenNeg.Runs;

namespace GenNeg.Cli.Commands;

/// <summary>genneg stages: what a run holds, and how its iterations drew their data beside other runs'.</summary>
internal sealed class StagesCommand : Command
{
    private readonly Option<string> run = CommonOptions.Run();

    private readonly Option<string[]> compare = new("--compare")
    {
        Description = "Another run to compare the iterations' drawing with, e.g. one drawn with --draw sis (repeatable); prints a drawing table",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string?> plot = new("--plot")
    {
        Description = "PNG picture of drawing time and infraction rate against iteration for --run and every --compare run",
    };

    public StagesCommand(CliEnvironment environment)
        : base("stages", "List a run's stages: model, classifier stack (with each alpha) and evaluated figures.")
    {
        Options.Add(run);
        Options.Add(compare);
        Options.Add(plot);
        SetAction(parse => CommandRunner.Execute(environment, null, parse, _ =>
        {
            var folder = RunFolder.Open(parse.GetRequiredValue(run));
            var metrics = StageMetrics.Recorded(folder);
            var stages = folder.LoadManifest().Stages;
            if (stages.Count == 0) environment.Output.WriteLine("no stages yet");
            foreach (var stage in stages)
            {
                var alphas = stage.Classifiers.Count == 0 ? "no classifiers" : "alphas " + string.Join(", ", stage.Classifiers.Select(c => c.Alpha.ToString("F4")));
                var figures = metrics.TryGetValue(stage.Name, out var m) ? m.Summary : "not evaluated";
                environment.Output.WriteLine($"{stage.Name,-14} {stage.Denoiser,-26} {alphas,-28} {figures}");
            }
            var others = parse.GetValue(compare) ?? [];
            var plotPath = parse.GetValue(plot);
            if (others.Length == 0 && plotPath is null) return ExitCodes.Success;

            // Open every run before writing anything, so a wrong path fails cleanly.
            var runs = new[] { folder }.Concat(others.Select(RunFolder.Open))
                .Select(r => (Label: Path.GetFileName(Path.TrimEndingDirectorySeparator(r.Root)), Rows: IterationDrawing.Read(r)))
                .ToList();
            environment.Output.WriteLine();
            environment.Output.WriteLine(IterationDrawing.MarkdownHeader);
            foreach (var (label, rows) in runs)
                foreach (var row in rows) environment.Output.WriteLine(row.MarkdownRow(label));
            if (plotPath is not null)
            {
                AtomicFile.WriteAllBytes(plotPath, DrawingComparisonPlot.RenderPng(runs));
                environment.Output.WriteLine($"Wrote {plotPath}");
            }
            return ExitCodes.Success;
        }));
    }
}
