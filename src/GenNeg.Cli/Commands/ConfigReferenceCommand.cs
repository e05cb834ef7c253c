using System.CommandLine;
using GenNeg.Configuration;
using GenNeg.Runs;

namespace GenNeg.Cli.Commands;

/// <summary>genneg config-reference: every config key with its type, default, allowed values and meaning, as Markdown.</summary>
internal sealed class ConfigReferenceCommand : Command
{
    private readonly Option<string?> output = new("--out", "-o") { Description = "Write the reference to this file (docs/configuration.md) instead of printing it" };

    public ConfigReferenceCommand(CliEnvironment environment)
        : base("config-reference", "Print the configuration reference (every key, its type, default, allowed values and meaning), generated from the code.")
    {
        Options.Add(output);
        SetAction(parse => CommandRunner.Execute(environment, null, parse, _ =>
        {
            var markdown = ConfigReference.Markdown(environment.Registries.ConfigSchema, environment.Registries.ConfigChoices());
            if (parse.GetValue(output) is { } path)
            {
                if (path.Length == 0) throw new GenNegException("--out must name a file, got an empty path");
                AtomicFile.WriteAllText(path, markdown);
                environment.Output.WriteLine($"wrote {path}");
            }
            else environment.Output.Write(markdown);
            return ExitCodes.Success;
        }));
    }
}
