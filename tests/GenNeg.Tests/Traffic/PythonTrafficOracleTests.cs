using GenNeg.Domains.Traffic;
using GenNeg.Domains.Traffic.Export;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Oracles.External;
using static TorchSharp.torch;

namespace GenNeg.Tests.Traffic;

/// <summary>The Python traffic oracle of samples/PythonOracle, served through the external-oracle protocol, against the built-in one.</summary>
public class PythonTrafficOracleTests
{
    [PythonFact]
    public void The_python_traffic_oracle_reads_metres_and_agrees_with_the_built_in_one()
    {
        using var folder = new TempFolder();
        var config = TrafficTestWorlds.SmallConfig(trainScenes: 60, validationScenes: 10);
        using var data = new TrafficDataSet().Load(config.Data);
        var world = (TrafficWorld)data.World!;
        var maps = folder.Combine("maps.geojson");
        TrafficMapGeoJson.Write(maps, world.Maps);
        using var generator = new Generator(5);
        // Jittered in the model's space: the scenes as a model might draw them, with both kinds of infraction.
        using var scenes = data.Train + 0.3 * randn(data.Train.shape, generator: generator);

        var builtIn = new TrafficOracle(world).Judge(scenes, data.TrainCondition);
        using var external = new ExternalOracle(new ExternalOracleConfig { Command = [Python.Executable!, Python.Sample("traffic_oracle.py"), "--maps", maps] }, data);
        var python = external.Judge(scenes, data.TrainCondition);

        Assert.Equal(builtIn.Valid.shape, python.Valid.shape);
        Assert.Equal([TrafficOracle.Collision, TrafficOracle.Offroad], python.Infractions.Keys.Order());
        // Collision is exact arithmetic in both; offroad reads a raster here and the exact polygons there, so the two
        // may differ for a corner within a pixel of the road's edge.
        Assert.True(builtIn.Infractions[TrafficOracle.Collision].eq(python.Infractions[TrafficOracle.Collision]).all().item<bool>());
        var offroadAgreement = builtIn.Infractions[TrafficOracle.Offroad].eq(python.Infractions[TrafficOracle.Offroad]).to(ScalarType.Float32).mean().item<float>();
        Assert.InRange(offroadAgreement, 0.98f, 1f);
        var rate = builtIn.Infractions[TrafficOracle.Offroad].to(ScalarType.Float32).mean().item<float>();
        Assert.InRange(rate, 0.05f, 0.95f);
    }
}
