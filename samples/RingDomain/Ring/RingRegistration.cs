using GenNeg;
using GenNeg.Data;

namespace RingDomain.Ring;

/// <summary>The registry lines that add the ring domain: its data set (with its keys, data.ring) and its oracle.</summary>
public static class RingRegistration
{
    public static Registries AddRing(this Registries registries)
    {
        registries.DataSets.Register(new RingDataSet());
        registries.Oracles.Register(GapOracle.OracleName, (DataSplit data) => new GapOracle(
            (data.World as RingDataConfig ?? throw new GenNegException($"the {GapOracle.OracleName} oracle reads the ring's gap: it needs data.name: ring")).GapDegrees));
        return registries;
    }
}
