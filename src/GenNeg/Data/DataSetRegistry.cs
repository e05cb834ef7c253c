using GenNeg.Configuration;
namespace GenNeg.Data;

/// <summary>Data sets by name (data.name); user code adds its own with <see cref="Register"/>.</summary>
public sealed class DataSetRegistry
{
    private readonly Dictionary<string, IDataSet> dataSets = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => dataSets.Keys;

    /// <summary>Each data set that has keys of its own, with their record (data.NAME).</summary>
    public IReadOnlyDictionary<string, Type> ConfigTypes =>
        dataSets.Values.Where(d => d.ConfigType is not null).ToDictionary(d => d.Name, d => d.ConfigType!, StringComparer.Ordinal);

    public void Register(IDataSet dataSet) => dataSets[dataSet.Name] = dataSet;

    public IDataSet Resolve(string name) =>
        dataSets.TryGetValue(name, out var dataSet)
            ? dataSet
            : throw ConfigKey.Error("data.name", $": unknown data set '{name}'; known data sets: {string.Join(", ", dataSets.Keys.Order())}");
}
