using GenNeg.Configuration;
using GenNeg.Data;

namespace GenNeg.Oracles;

/// <summary>
/// Oracles by name, so configs and the CLI can name one and user code can add its own (<see cref="Register(string, Func{IOracle})"/>)
/// without touching any caller. An oracle that needs to know the data (a traffic oracle reads the maps and the feature
/// scales) registers a factory that takes the loaded <see cref="DataSplit"/>; one with keys of its own (the external
/// oracle's command) one that also takes the config.
/// </summary>
public sealed class OracleRegistry
{
    private readonly Dictionary<string, Func<DataSplit, GenNegConfig?, IOracle>> factories = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Names => factories.Keys;

    public bool Contains(string name) => factories.ContainsKey(name);

    public void Register(string name, Func<IOracle> factory) => factories[name] = (_, _) => factory();

    public void Register(string name, Func<DataSplit, IOracle> factory) => factories[name] = (data, _) => factory(data);

    /// <summary>An oracle built from the data and the config; resolving it without a config fails with what it needs.</summary>
    public void Register(string name, Func<DataSplit, GenNegConfig, IOracle> factory) => factories[name] = (data, config) =>
        factory(data, config ?? throw new GenNegException($"oracle '{name}' reads keys of the config; resolve it with the config"));

    /// <summary>Fails with the known names when <paramref name="name"/> is not registered.</summary>
    public void EnsureKnown(string name)
    {
        if (!Contains(name))
            throw new GenNegException($"unknown oracle '{name}'; known oracles: {string.Join(", ", factories.Keys.Order())}");
    }

    /// <summary>The oracle for <paramref name="data"/>; <paramref name="config"/> for oracles with keys of their own.</summary>
    public IOracle Resolve(string name, DataSplit data, GenNegConfig? config = null)
    {
        EnsureKnown(name);
        return factories[name](data, config);
    }
}
