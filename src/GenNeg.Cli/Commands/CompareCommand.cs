using System.CommandLine;
using GenNeg.Reporting;
using GenNeg.Runs;

namespace GenNeg.Cli.Commands;

/// <summary>genneg compare: evaluated stages of several runs (variants of a config, say) side by side.</summary>
internal sealed class CompareCommand : Command
{
    private readonly Option<string[]> entries = new("--entry", "-e")
    {
        Description = "A stage to compare, as LABEL=RUN or LABEL=RUN:STAGE (default stage: the run's newest evaluated one; default label: the run folder's name); repeatable",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
        Required = true,
    };

    private readonly Option<string?> markdown = new("--markdown")
    {
        Description = "Also write the table to this Markdown file",
    };

    private readonly Option<string?> plot = new("--plot")
    {
        Description = "PNG picture: infraction rates overall and per reason, and the likelihood figure, per entry",
    };

    public CompareCommand(CliEnvironment environment)
        : base("compare", "Compare evaluated stages of several runs: a Markdown table of their figures, optionally a picture.")
    {
        Options.Add(entries);
        Options.Add(markdown);
        Options.Add(plot);
        SetAction(parse => CommandRunner.Execute(environment, null, parse, _ =>
        {
            // Read every entry before writing anything, so a wrong path or stage fails cleanly.
            var rows = parse.GetRequiredValue(entries).Select(ComparedStage.Parse).ToList();
            var table = StageComparison.Markdown(rows);
            environment.Output.Write(table);
            if (parse.GetValue(markdown) is { } markdownPath)
            {
                AtomicFile.WriteAllText(markdownPath, table);
                environment.Output.WriteLine($"Wrote {markdownPath}");
            }
            if (parse.GetValue(plot) is { } plotPath)
            {
                AtomicFile.WriteAllBytes(plotPath, StageComparison.RenderPng(rows));
                environment.Output.WriteLine($"Wrote {plotPath}");
            }
            return ExitCodes.Success;
        }));
    }
}
