using System.CommandLine;
using GenNeg.Sharding;

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

    public static Option<string?> Device() => new("--device")
    {
        Description = "Where to compute: auto (CUDA when available), cpu, cuda or cuda:N (default: the config's device key, auto)",
    };

    /// <summary>The overrides of --set, plus device=... when --device is given.</summary>
    public static List<string> Overrides(ParseResult parse, Option<string[]> set, Option<string?> device)
    {
        var overrides = new List<string>(parse.GetValue(set) ?? []);
        if (parse.GetValue(device) is { } name) overrides.Add($"device={name}");
        return overrides;
    }

    public static Option<int?> Shard() => new("--shard")
    {
        Description = "Which shard this process does, 0..N-1 (default: SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN, or JOB_COMPLETION_INDEX)",
    };

    public static Option<int?> Shards() => new("--shards")
    {
        Description = "N: how many shards the work is split into (default: SLURM_ARRAY_TASK_COUNT; required in a Kubernetes Indexed Job)",
    };

    /// <summary>The shard from --shard/--shards, else from the cluster engine's environment variables.</summary>
    public static ShardSpec ResolveShard(ParseResult parse, Option<int?> shard, Option<int?> shards) =>
        ShardSpec.Resolve(parse.GetValue(shard), parse.GetValue(shards), Environment.GetEnvironmentVariable);

    public static Option<string?> Config() => new("--config", "-c")
    {
        Description = "YAML config file (see configs/)",
    };
}
