// A fourth domain, written entirely outside GenNeg: points on a ring with a forbidden gap, an oracle on the angle, and
// keys of its own (data.ring.*) that GenNeg validates, writes to each run's config.yaml and lists in its reference.
// Everything of the domain is in Ring/; adding it to GenNeg is the two registry lines of RingRegistration.
//
//   dotnet run --project samples/RingDomain -c Release -- [run folder] [--set key=value ...]
using GenNeg;
using GenNeg.Configuration;
using GenNeg.Pipelines;
using GenNeg.Workflows;
using Microsoft.Extensions.Logging;
using RingDomain.Ring;

var runPath = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : Path.Combine("runs", "ring");
var overrides = args.SkipWhile(a => a != "--set").Chunk(2).Where(pair => pair.Length == 2 && pair[0] == "--set").Select(pair => pair[1]).ToList();

using var loggers = LoggerFactory.Create(builder => builder.AddSimpleConsole(o => o.SingleLine = true));
var registries = Registries.CreateDefault().AddRing();
try
{
    var config = ConfigLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "ring-quick.yaml"), registries.ConfigSchema, overrides);
    var (report, _) = new Pipeline(loggers, registries).Run(new PipelineRequest(config, runPath));
    foreach (var row in report.Rows)
        Console.WriteLine($"{row.Stage,-12} {row.InfractionRate,8:P2} of samples in the gap   MMD {row.Mmd:G3}   ELBO {row.Elbo:F3}");
}
catch (GenNegException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
return 0;
