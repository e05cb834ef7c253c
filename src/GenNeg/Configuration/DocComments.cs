using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace GenNeg.Configuration;

/// <summary>
/// The &lt;summary&gt; doc comments of types and properties, read from the XML documentation file the compiler writes
/// beside each assembly (GenerateDocumentationFile), as one line of plain text.
/// </summary>
public sealed partial class DocComments
{
    private readonly Dictionary<Assembly, IReadOnlyDictionary<string, string>> byAssembly = [];

    public string Of(Type type) => Lookup(type.Assembly, "T:" + Id(type));

    public string Of(PropertyInfo property) => Lookup(property.DeclaringType!.Assembly, $"P:{Id(property.DeclaringType!)}.{property.Name}");

    private static string Id(Type type) => type.FullName!.Replace('+', '.');

    private string Lookup(Assembly assembly, string member)
    {
        if (!byAssembly.TryGetValue(assembly, out var summaries)) byAssembly[assembly] = summaries = Read(assembly);
        return summaries.GetValueOrDefault(member, "");
    }

    private static IReadOnlyDictionary<string, string> Read(Assembly assembly)
    {
        var path = Path.ChangeExtension(assembly.Location, ".xml");
        if (!File.Exists(path)) return new Dictionary<string, string>();
        return XDocument.Load(path).Descendants("member")
            .Where(m => m.Element("summary") is not null)
            .ToDictionary(m => (string)m.Attribute("name")!, m => PlainText(m.Element("summary")!));
    }

    /// <summary>The summary as a line: cref and name references by their last name part, code as `code`.</summary>
    private static string PlainText(XElement summary)
    {
        var text = new StringBuilder();
        foreach (var node in summary.Nodes())
        {
            text.Append(node switch
            {
                XText plain => plain.Value,
                XElement { Name.LocalName: "see" or "seealso" } see =>
                    ((string?)see.Attribute("cref") ?? (string?)see.Attribute("langword") ?? (string?)see.Attribute("href") ?? "").Split('.', ':')[^1],
                XElement { Name.LocalName: "paramref" or "typeparamref" } reference => (string?)reference.Attribute("name") ?? "",
                XElement { Name.LocalName: "c" or "code" } code => $"`{code.Value}`",
                XElement other => other.Value,
                _ => "",
            });
        }
        return Whitespace().Replace(text.ToString(), " ").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
