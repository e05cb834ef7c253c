namespace GenNeg.Oracles;

/// <summary>
/// Oracles by name, so configs and the CLI can name one and user code can add its own
/// (<see cref="Register"/>) without touching any caller.
/// </summary>
public sealed class OracleRegistry
{
    private readonly Dictionary<string, Func<IOracle>> factories = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A registry holding the built-in oracles.</summary>
    public static OracleRegistry CreateDefault()
    {
        var registry = new OracleRegistry();
        registry.Register("checkerboard", () => new CheckerboardOracle());
        return registry;
    }

    public IReadOnlyCollection<string> Names => factories.Keys;

    public void Register(string name, Func<IOracle> factory) => factories[name] = factory;

    public IOracle Resolve(string name) =>
        factories.TryGetValue(name, out var factory)
            ? factory()
            : throw new GenNegException($"unknown oracle '{name}'; known oracles: {string.Join(", ", factories.Keys.Order())}");
}
