using System.Collections;
using System.Globalization;
using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace GenNeg.Configuration;

/// <summary>
/// Reads a YAML config into <see cref="GenNegConfig"/>, applies `key=value` overrides, and validates it.
/// Every error names the offending key: unknown keys come with the nearest valid one, wrong types with the expected type.
/// </summary>
public static class ConfigLoader
{
    private static readonly INamingConvention Naming = UnderscoredNamingConvention.Instance;

    public const long MaxFileBytes = 1_000_000;

    /// <summary>The longest list a key takes (e.g. evaluate.mmd_bandwidths: a handful are used).</summary>
    public const int MaxListLength = 1_000;

    public static GenNegConfig LoadFile(string path, IEnumerable<string>? overrides = null)
    {
        if (!File.Exists(path)) throw new GenNegException($"config file '{path}' not found");
        // A config is a few kilobytes; a file of megabytes is a mistake that would cost gigabytes to parse.
        var length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
            throw new GenNegException($"config file '{path}' is {length / 1e6:0.#} MB; a config is at most {MaxFileBytes / 1_000_000} MB (those in configs/ are a few KB)");
        var text = File.ReadAllText(path);
        // An empty file would silently mean "every default", i.e. the paper's full budgets: almost never what was meant.
        if (ReadMapping(text, Path.GetFileName(path)).Children.Count == 0)
            throw new GenNegException($"config file '{path}' is empty (or only comments); start from one in configs/");
        return Parse(text, overrides, Path.GetFileName(path));
    }

    public static GenNegConfig Parse(string yaml, IEnumerable<string>? overrides = null, string source = "config")
    {
        var root = ReadMapping(yaml, source);
        foreach (var assignment in overrides ?? [])
            ApplyOverride(root, assignment);
        var config = (GenNegConfig)Bind(typeof(GenNegConfig), root, "");
        ConfigValidator.Validate(config);
        return config;
    }

    /// <summary>The config as YAML, every key written out (what a run saves next to its outputs).</summary>
    public static string ToYaml(GenNegConfig config) =>
        new SerializerBuilder().WithNamingConvention(Naming).Build().Serialize(config);

    /// <summary>
    /// The config as YAML without the settings that do not change the experiment (the device), for deciding whether a
    /// run is being continued under the config it started with.
    /// </summary>
    public static string ExperimentYaml(GenNegConfig config) => ToYaml(config with { Device = Runtime.DeviceSelection.Auto });

    /// <summary>All valid keys, dotted (train.learning_rate, ...).</summary>
    public static IEnumerable<string> Keys(Type type, string prefix = "")
    {
        foreach (var property in ConfigProperties(type))
        {
            var key = prefix + Naming.Apply(property.Name);
            if (IsSection(property.PropertyType))
                foreach (var inner in Keys(property.PropertyType, key + "."))
                    yield return inner;
            else
                yield return key;
        }
    }

    private static YamlMappingNode ReadMapping(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            // YamlDotNet places a tab error at the start of the enclosing mapping; point at the tab itself.
            if (e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && YamlSyntax.FirstIndentingTab(yaml) is { } tab)
                throw new GenNegException($"{source}: malformed YAML at line {tab.Line}, column {tab.Column}: a tab character; YAML indents with spaces only");
            throw new GenNegException($"{source}: malformed YAML at line {e.Start.Line}, column {e.Start.Column}: {FirstLine(e.Message)}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way (no position) on some unclosed flow collections.
            var where = YamlSyntax.FirstUnclosedBracket(yaml) is { } open ? $" at line {open.Line}, column {open.Column}: '{open.Bracket}' is never closed" : "";
            throw new GenNegException($"{source}: malformed YAML{where}");
        }
        if (stream.Documents.Count == 0) return new YamlMappingNode();
        return stream.Documents[0].RootNode as YamlMappingNode
            ?? throw new GenNegException($"{source}: the top level must be a mapping of keys to values");
    }

    private static void ApplyOverride(YamlMappingNode root, string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0) throw new GenNegException($"override '{assignment}' must look like key=value (e.g. train.iterations=500)");
        var path = assignment[..equals].Trim().Split('.');
        var valueText = assignment[(equals + 1)..].Trim();
        var value = ReadMapping("v: " + valueText, $"override '{assignment}'").Children[new YamlScalarNode("v")];

        var node = root;
        foreach (var segment in path[..^1])
        {
            if (!node.Children.TryGetValue(new YamlScalarNode(segment), out var child) || child is not YamlMappingNode mapping)
            {
                mapping = new YamlMappingNode();
                node.Children[new YamlScalarNode(segment)] = mapping;
            }
            node = mapping;
        }
        node.Children[new YamlScalarNode(path[^1])] = value;
    }

    private static object Bind(Type type, YamlMappingNode mapping, string prefix)
    {
        var instance = Activator.CreateInstance(type)!;
        var properties = ConfigProperties(type).ToDictionary(p => Naming.Apply(p.Name));
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var name = ((YamlScalarNode)keyNode).Value ?? "";
            var key = prefix + name;
            if (!properties.TryGetValue(name, out var property))
                throw new GenNegException(UnknownKeyMessage(prefix, name, properties.Keys));
            property.SetValue(instance, ConvertValue(property.PropertyType, valueNode, key));
        }
        return instance;
    }

    private static object? ConvertValue(Type type, YamlNode node, string key)
    {
        if (IsSection(type))
        {
            return node is YamlMappingNode mapping
                ? Bind(type, mapping, key + ".")
                : throw new GenNegException($"config key '{key}' must be a section of keys ({string.Join(", ", Keys(type, key + ".").Take(3))}, ...)");
        }
        if (type == typeof(IReadOnlyList<double>))
        {
            if (node is not YamlSequenceNode sequence)
                throw new GenNegException($"config key '{key}' must be a list of numbers, e.g. [0.1, 0.5]");
            if (sequence.Children.Count > MaxListLength)
                throw new GenNegException($"config key '{key}' lists {sequence.Children.Count:N0} numbers; at most {MaxListLength:N0}");
            return sequence.Children.Select((item, i) => (double)ConvertScalar(typeof(double), item, $"{key}[{i}]")).ToArray();
        }
        // An optional number: empty (or null, ~) leaves it unset.
        if (Nullable.GetUnderlyingType(type) is { } inner)
            return node is YamlScalarNode { Value: null or "" or "null" or "~" } ? null : ConvertScalar(inner, node, key);
        return ConvertScalar(type, node, key);
    }

    private static object ConvertScalar(Type type, YamlNode node, string key)
    {
        var text = (node as YamlScalarNode)?.Value;
        if (text is null)
            throw new GenNegException($"config key '{key}' must be a single value, not a {(node is YamlMappingNode ? "section" : "list")}");
        var invariant = CultureInfo.InvariantCulture;
        object? value = type switch
        {
            _ when type == typeof(string) => text,
            _ when type == typeof(int) => int.TryParse(text, NumberStyles.Integer, invariant, out var i) ? i : null,
            _ when type == typeof(long) => long.TryParse(text, NumberStyles.Integer, invariant, out var l) ? l : null,
            _ when type == typeof(double) => double.TryParse(text, NumberStyles.Float, invariant, out var d) && double.IsFinite(d) ? d : null,
            _ when type == typeof(bool) => bool.TryParse(text, out var b) ? b : null,
            _ => throw new InvalidOperationException($"config type {type.Name} of '{key}' has no converter"),
        };
        return value ?? throw new GenNegException($"config key '{key}' must be {TypeName(type)}, got '{text}'");
    }

    private static string TypeName(Type type) =>
        type == typeof(int) || type == typeof(long) ? "a whole number"
        : type == typeof(double) ? "a number"
        : type == typeof(bool) ? "true or false"
        : "text";

    /// <summary>Names the unknown key and, when one is close, the key meant: first among its own section's keys
    /// (sections included, any letter case), then among every key by its full dotted name.</summary>
    private static string UnknownKeyMessage(string prefix, string name, IEnumerable<string> siblings)
    {
        var key = prefix + name;
        var meant = NearestName.Find(name, siblings) is { } sibling
            ? prefix + sibling
            : NearestName.Find(key, Keys(typeof(GenNegConfig)));
        return $"unknown config key '{key}'{(meant is null ? "" : $" (did you mean '{meant}'?)")}";
    }

    private static IEnumerable<PropertyInfo> ConfigProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.Name != "EqualityContract");

    private static bool IsSection(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type);

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
