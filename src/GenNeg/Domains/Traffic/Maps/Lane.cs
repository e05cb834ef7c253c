using GenNeg.Domains.Traffic.Shapes;

namespace GenNeg.Domains.Traffic.Maps;

/// <summary>
/// One lane's centreline in its direction of travel. Vehicles queue back from its end when it ends at a junction's stop
/// or yield line (<paramref name="EndsAtJunction"/>); <paramref name="SpeedLimit"/> (m/s) bounds free-flow speeds on it.
/// </summary>
public sealed record Lane(Centreline Path, bool EndsAtJunction, double SpeedLimit);
