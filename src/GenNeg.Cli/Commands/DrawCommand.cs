using System.CommandLine;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging;

namespace GenNeg.Cli.Commands;

/// <summary>genneg draw: one shard of the next iteration's synthetic set, for a Slurm array task or Kubernetes Indexed Job.</summary>
internal sealed class DrawCommand : Command
{
    private readonly Option<string> run = CommonOptions.Run();
    private readonly Option<int?> shard = CommonOptions.Shard();
    private readonly Option<int?> shards = CommonOptions.Shards();
    private readonly Option<string?> stage = new("--stage") { Description = "Stage to build on (default: the newest)" };
    private readonly Option<string[]> set = CommonOptions.Set();
    private readonly Option<string?> device = CommonOptions.Device();

    public DrawCommand(CliEnvironment environment)
        : base("draw", "Draw one shard of the next Gen-neG iteration's synthetic set into its folder; genneg iterate then merges the shards and trains.")
    {
        Options.Add(run);
        Options.Add(shard);
        Options.Add(shards);
        Options.Add(stage);
        Options.Add(set);
        Options.Add(device);
        SetAction(parse => CommandRunner.Execute(environment, parse.GetValue(run), parse, loggers =>
        {
            var request = new DrawShardRequest(parse.GetRequiredValue(run), CommonOptions.ResolveShard(parse, shard, shards),
                CommonOptions.Overrides(parse, set, device), parse.GetValue(stage));
            var result = environment.Progress.Show(progress =>
                new ShardDraw(loggers.CreateLogger<ShardDraw>(), environment.Registries).Run(request, progress, environment.Cancellation));
            environment.Output.WriteLine(result.AlreadyDrawn
                ? $"{result.File}: already drawn for {result.Stage}; nothing to do"
                : $"{result.File}: {result.Blocks} blocks, {result.Drawn:N0} samples for {result.Stage}");
            return ExitCodes.Success;
        }));
    }
}
