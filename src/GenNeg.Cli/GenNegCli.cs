using System.CommandLine;
using GenNeg.Cli.Commands;

namespace GenNeg.Cli;

/// <summary>The genneg command line: builds the command tree and runs one invocation.</summary>
public static class GenNegCli
{
    internal const string VerboseOptionName = "--verbose";

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool interactive = false, CancellationToken cancellation = default)
    {
        var environment = new CliEnvironment(output, error, interactive, cancellation);
        var root = new RootCommand("genneg: Gen-neG, oracle-assisted guidance that removes invalid samples from diffusion models.");
        root.Options.Add(new Option<bool>(VerboseOptionName) { Description = "Show debug logging and stack traces of internal errors", Recursive = true });
        root.Subcommands.Add(new TrainBaselineCommand(environment));
        root.Subcommands.Add(new SampleCommand(environment));
        root.Subcommands.Add(new IterateCommand(environment));
        root.Subcommands.Add(new DrawCommand(environment));
        root.Subcommands.Add(new DistillCommand(environment));
        root.Subcommands.Add(new PipelineCommand(environment));
        root.Subcommands.Add(new EvaluateCommand(environment));
        root.Subcommands.Add(new StagesCommand(environment));
        root.Subcommands.Add(new BenchCommand(environment));

        var parse = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command;
            var help = command == root ? "genneg --help" : $"genneg {command.Name} --help";
            error.WriteLine($"error: {parse.Errors[0].Message} (see {help})");
            return ExitCodes.UsageError;
        }
        return parse.Invoke(configuration);
    }
}
