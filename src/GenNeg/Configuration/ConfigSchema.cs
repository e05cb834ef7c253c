namespace GenNeg.Configuration;

/// <summary>
/// The configuration records that parts registered by name bring with them: a data set's own keys live under
/// data.NAME (e.g. data.traffic.agents) and bind to the record type it declares. Built from the registries, so a data
/// set registered by user code gets keys, validation and documentation like a built-in one.
/// </summary>
public sealed class ConfigSchema(IReadOnlyDictionary<string, Type> dataSections)
{
    /// <summary>Data set names with the record of their own keys.</summary>
    public IReadOnlyDictionary<string, Type> DataSections { get; } = dataSections;
}
