using GenNeg.Data;

namespace GenNeg.Oracles;

/// <summary>
/// Oracles by name, so configs and the CLI can name one and user code can add its own (<see cref="Register(string, Func{IOracle})"/>)
/// without touching any caller. An oracle that needs to know the data (a traffic oracle reads the maps and the feature
/// scales) registers a factory that takes the loaded <see cref="DataSplit"/>.
/// </summary>
public sealed class OracleRegistry
{
    private readonly Dictionary<string, Func<DataSplit, IOracle>> factories = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Names => factories.Keys;

    public bool Contains(string name) => factories.ContainsKey(name);

    public void Register(string name, Func<IOracle> factory) => factories[name] = _ => factory();

    public void Register(string name, Func<DataSplit, IOracle> factory) => factories[name] = factory;

    /// <summary>Fails with the known names when <paramref name="name"/> is not registered.</summary>
    public void EnsureKnown(string name)
    {
        if (!Contains(name))
            throw new GenNegException($"unknown oracle '{name}'; known oracles: {string.Join(", ", factories.Keys.Order())}");
    }

    public IOracle Resolve(string name, DataSplit data)
    {
        EnsureKnown(name);
        return factories[name](data);
    }
}
