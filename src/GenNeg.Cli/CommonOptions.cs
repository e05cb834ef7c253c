using System.CommandLine;

namespace GenNeg.Cli;

/// <summary>Options several commands share, declared once here.</summary>
internal static class CommonOptions
{
    public static Option<string> Run() => new("--run", "-r")
    {
        Description = "Run folder: holds the resolved config, checkpoints, stages, metrics and log",
        Required = true,
    };

    public static Option<string?> Stage() => new("--stage")
    {
        Description = "Stage to use (baseline, genneg-1, ...); default: the newest",
    };

    public static Option<string[]> Set() => new("--set")
    {
        Description = "Override a config key, e.g. --set train.iterations=500 (repeatable)",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<string?> Config() => new("--config", "-c")
    {
        Description = "YAML config file (see configs/)",
    };
}
