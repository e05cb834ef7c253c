using System.CommandLine;
using System.Text.RegularExpressions;
using GenNeg.Cli.Commands;
using GenNeg.Configuration;

namespace GenNeg.Cli;

/// <summary>The genneg command line: builds the command tree and runs one invocation.</summary>
public static partial class GenNegCli
{
    internal const string VerboseOptionName = "--verbose";

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool interactive = false, CancellationToken cancellation = default)
    {
        var commandLine = string.Join(" ", args.Prepend("genneg").Select(a => a.Length == 0 || a.Contains(' ') ? $"\"{a}\"" : a));
        var environment = new CliEnvironment(output, error, interactive, cancellation, commandLine);
        // Help names the command genneg however it was started (dotnet run, the built GenNeg.Cli, the installed tool).
        var root = new RootCommand("genneg: Gen-neG, oracle-assisted guidance that removes invalid samples from diffusion models.") { HelpName = "genneg" };
        root.Options.Add(new Option<bool>(VerboseOptionName) { Description = "Show debug logging and stack traces of internal errors", Recursive = true });
        root.Subcommands.Add(new TrainBaselineCommand(environment));
        root.Subcommands.Add(new SampleCommand(environment));
        root.Subcommands.Add(new IterateCommand(environment));
        root.Subcommands.Add(new DrawCommand(environment));
        root.Subcommands.Add(new DistillCommand(environment));
        root.Subcommands.Add(new RescaleCommand(environment));
        root.Subcommands.Add(new PipelineCommand(environment));
        root.Subcommands.Add(new EvaluateCommand(environment));
        root.Subcommands.Add(new StagesCommand(environment));
        root.Subcommands.Add(new CompareCommand(environment));
        root.Subcommands.Add(new ExportCommand(environment));
        root.Subcommands.Add(new BenchCommand(environment));
        root.Subcommands.Add(new DataCommand(environment));
        root.Subcommands.Add(new ConfigReferenceCommand(environment));

        var parse = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command;
            // A misspelled command leaves the root command "without a subcommand": name the word and the command meant.
            if (command == root && args.FirstOrDefault(a => !a.StartsWith('-')) is { } word)
            {
                var meant = NearestName.Find(word, root.Subcommands.Select(c => c.Name));
                error.WriteLine($"error: unknown command '{word}'{(meant is null ? "" : $" (did you mean '{meant}'?)")}; see genneg --help");
                return ExitCodes.UsageError;
            }
            var help = command == root ? "genneg --help" : $"genneg {CommandPath(command, root)} --help";
            // Likewise below a command that has subcommands (genneg data previw).
            if (command.Subcommands.Count > 0 && parse.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-')) is { } subword)
            {
                var meant = NearestName.Find(subword, command.Subcommands.Select(c => c.Name));
                error.WriteLine(EchoedText.ShortenValues($"error: unknown command '{subword}'{(meant is null ? "" : $" (did you mean '{meant}'?)")}; see {help}"));
                return ExitCodes.UsageError;
            }
            error.WriteLine(EchoedText.ShortenValues($"error: {Plain(parse.Errors[0].Message)} (see {help})"));
            return ExitCodes.UsageError;
        }
        return parse.Invoke(configuration);
    }

    /// <summary>The command's words below genneg, e.g. "data preview".</summary>
    private static string CommandPath(Command command, RootCommand root)
    {
        var words = new List<string>();
        for (Symbol? symbol = command; symbol is Command c && c != root; symbol = c.Parents.FirstOrDefault())
            words.Insert(0, c.Name);
        return string.Join(" ", words);
    }

    /// <summary>The parser's message without .NET type names: "--shard must be a whole number, got 'abc'".</summary>
    private static string Plain(string message)
    {
        var match = UnparsableValue().Match(message);
        if (!match.Success) return message;
        var type = match.Groups["type"].Value;
        var expected = type.Contains("Int", StringComparison.Ordinal) ? "a whole number"
            : type.Contains("Double", StringComparison.Ordinal) || type.Contains("Single", StringComparison.Ordinal) ? "a number"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : "a value of another kind";
        return $"{match.Groups["option"].Value} must be {expected}, got '{match.Groups["value"].Value}'";
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']*)' as expected type '(?<type>[^']*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex UnparsableValue();
}
