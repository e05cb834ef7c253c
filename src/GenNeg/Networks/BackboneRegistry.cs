using GenNeg.Configuration;
namespace GenNeg.Networks;

/// <summary>Backbones by name (model.backbone); user code adds its own with <see cref="Register"/>.</summary>
public sealed class BackboneRegistry
{
    private readonly Dictionary<string, Func<BackboneSpec, Backbone>> factories = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => factories.Keys;

    public void Register(string name, Func<BackboneSpec, Backbone> factory) => factories[name] = factory;

    public void EnsureKnown(string name, string key = "model.backbone")
    {
        if (!factories.ContainsKey(name))
            throw ConfigKey.Error(key, $": unknown backbone '{name}'; known backbones: {string.Join(", ", factories.Keys.Order())}");
    }

    public Backbone Create(BackboneSpec spec)
    {
        EnsureKnown(spec.Model.Backbone);
        return factories[spec.Model.Backbone](spec);
    }
}
