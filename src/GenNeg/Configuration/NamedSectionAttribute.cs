namespace GenNeg.Configuration;

/// <summary>
/// Marks the property that holds a named part's own keys: in YAML they sit under the key that the sibling property
/// <see cref="NameProperty"/> names (data.name: traffic puts them under data.traffic), bound to the record type the
/// <see cref="ConfigSchema"/> gives for that name.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NamedSectionAttribute(string nameProperty) : Attribute
{
    public string NameProperty { get; } = nameProperty;
}
