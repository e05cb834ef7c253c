using System.Text.RegularExpressions;

namespace GenNeg.Tests;

/// <summary>
/// The folders of src/GenNeg (namespaces GenNeg.X) form layers that import downward only, so each part can be read,
/// tested and changed with only the parts below it in mind. Imports are the using lines, fully qualified GenNeg.X.
/// names, names qualified from inside GenNeg (Runtime.DeviceSelection) and the root <c>Registries</c> type.
/// </summary>
public class ArchitectureTests
{
    /// <summary>
    /// The layers, bottom first: a folder may import the folders of lower layers only; folders of one layer do not import
    /// each other. "Registries" is the root file Registries.cs (and its type), which assembles the registries of data
    /// sets, oracles and backbones; the other root files (GenNegException, EchoedText) import nothing and serve all.
    /// Domains sits on top: a domain may import any generic folder, and no generic folder imports a domain.
    /// </summary>
    private static readonly string[][] Layers =
    [
        ["Configuration"],
        ["Data"],
        ["Runtime", "Oracles", "Networks"],
        ["Diffusion"],
        ["Sampling"],
        ["Metrics"],
        ["Formalisms", "Runs"],
        ["Guidance"],
        ["Training", "Sharding"],
        ["Registries"],
        ["Workflows"],
        ["Reporting"],
        ["Pipelines", "Interop", "Benchmarks"],
        ["Domains"],
    ];

    /// <summary>Files allowed to import upward, with the folders they may import and why.</summary>
    private static readonly (string File, string[] Folders, string Why)[] Exceptions =
    [
        // The one place that registers the built-in domains with the generic registries.
        ("src/GenNeg/Registries.cs", ["Domains"], "registers the built-in domains"),
        // Cross-section rules run when a config loads: each closed list of names is read from the part that acts on the
        // value, and the formalism itself says which samplers it has, so the lists and the rules cannot drift apart.
        ("src/GenNeg/Configuration/ConfigValidator.cs", ["Runtime", "Networks", "Diffusion", "Sampling", "Metrics", "Formalisms", "Guidance"],
            "validation at load reads the owners' name lists and asks the formalism for its samplers"),
    ];

    private const string SourceRoot = "src/GenNeg";

    [Fact]
    public void Every_folder_imports_only_the_layers_below_it()
    {
        var source = Repository.File(SourceRoot);
        var files = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Repository.File(""), path).Replace('\\', '/'))
            .Where(path => !path.Contains("/bin/", StringComparison.Ordinal) && !path.Contains("/obj/", StringComparison.Ordinal))
            .ToList();
        var texts = files.ToDictionary(file => file, file => Code(File.ReadAllText(Repository.File(file))));
        var declared = DeclaredTypes(texts.Values);

        var violations = new List<string>();
        foreach (var file in files)
        {
            var from = FolderOf(file);
            foreach (var (folder, line) in Imports(texts[file], declared))
                if (!Allowed(file, from, folder)) violations.Add($"{file}:{line}: {from} imports {folder}");
        }
        Assert.True(violations.Count == 0, "imports against the layers (see ArchitectureTests.Layers):\n" + string.Join('\n', violations.Distinct()));
    }

    [Fact]
    public void Every_folder_has_a_layer()
    {
        // A new folder must be placed in the table: otherwise its imports would go unchecked.
        var layered = Layers.SelectMany(layer => layer).ToHashSet();
        var folders = Directory.GetDirectories(Repository.File(SourceRoot)).Select(Path.GetFileName)
            .Where(name => name is not ("bin" or "obj")).ToList();
        Assert.Contains("Workflows", folders);
        var unplaced = folders.Where(folder => !layered.Contains(folder!)).ToList();
        Assert.True(unplaced.Count == 0, "folders without a layer: " + string.Join(", ", unplaced));
    }

    [Fact]
    public void The_reader_finds_usings_and_qualified_names_and_skips_comments_and_strings()
    {
        var declared = new Dictionary<string, HashSet<string>> { ["Runtime"] = ["DeviceSelection"] };
        var code = Code("""
            using GenNeg.Oracles;
            using static GenNeg.Sampling.Steps;
            using Alias = GenNeg.Metrics.Mmd;
            // using GenNeg.Reporting;
            /// <see cref="GenNeg.Training.TrainingLoop"/>
            namespace GenNeg.Data;
            var a = GenNeg.Workflows.Experiment.Open();
            var b = "GenNeg.Pipelines.Pipeline";
            var c = Runtime.DeviceSelection.Auto;
            var d = config.Runtime.Threads;
            Registries registries;
            """);
        var imports = Imports(code, declared).ToList();
        Assert.Equal(["Oracles", "Sampling", "Metrics", "Workflows", "Runtime", "Registries"], imports.Select(i => i.Folder));
        Assert.Equal([1, 2, 3, 7, 9, 11], imports.Select(i => i.Line));
    }

    [Fact]
    public void The_table_refuses_an_upward_import_and_a_domain_import()
    {
        Assert.False(Allowed("src/GenNeg/Data/IDataSet.cs", "Data", "Oracles"));
        Assert.False(Allowed("src/GenNeg/Diffusion/X.cs", "Diffusion", "Sampling"));
        Assert.False(Allowed("src/GenNeg/Runtime/X.cs", "Runtime", "Oracles"));
        Assert.False(Allowed("src/GenNeg/Workflows/X.cs", "Workflows", "Domains"));
        Assert.False(Allowed("src/GenNeg/Configuration/ConfigLoader.cs", "Configuration", "Runtime"));
        Assert.True(Allowed("src/GenNeg/Sampling/X.cs", "Sampling", "Diffusion"));
        Assert.True(Allowed("src/GenNeg/Domains/Traffic/X.cs", "Domains", "Reporting"));
        Assert.True(Allowed("src/GenNeg/Registries.cs", "Registries", "Domains"));
        Assert.True(Allowed("src/GenNeg/Configuration/ConfigValidator.cs", "Configuration", "Guidance"));
        Assert.False(Allowed("src/GenNeg/Configuration/ConfigValidator.cs", "Configuration", "Workflows"));
    }

    private static bool Allowed(string file, string from, string to)
    {
        if (from == to || Exceptions.Any(e => e.File == file && e.Folders.Contains(to))) return true;
        return LayerOf(to) < LayerOf(from);
    }

    private static int LayerOf(string folder)
    {
        if (folder == "(root)") return -1;
        var index = Array.FindIndex(Layers, layer => layer.Contains(folder));
        return index >= 0 ? index : throw new InvalidOperationException($"folder {folder} has no layer in ArchitectureTests.Layers");
    }

    /// <summary>src/GenNeg/X/... gives X; the root file Registries.cs is its own layer, the other root files the bottom.</summary>
    private static string FolderOf(string file)
    {
        var parts = file[(SourceRoot.Length + 1)..].Split('/');
        if (parts.Length > 1) return parts[0];
        return parts[0] == "Registries.cs" ? "Registries" : "(root)";
    }

    /// <summary>The text with comments and string literals blanked, line breaks kept.</summary>
    private static string Code(string text) =>
        Regex.Replace(text, @"/\*.*?\*/|//[^\n]*|'(?:[^'\\\n]|\\.)'|@""(?:[^""]|"""")*""|""""""[\s\S]*?""""""|""(?:[^""\\\n]|\\.)*""",
            match => new string('\n', match.Value.Count(c => c == '\n')), RegexOptions.Singleline);

    /// <summary>The type names each GenNeg.X namespace declares (nested namespaces count for X).</summary>
    private static Dictionary<string, HashSet<string>> DeclaredTypes(IEnumerable<string> codes)
    {
        var declared = new Dictionary<string, HashSet<string>>();
        foreach (var code in codes)
        {
            var ns = Regex.Match(code, @"^\s*namespace\s+GenNeg\.(\w+)", RegexOptions.Multiline);
            if (!ns.Success) continue;
            var names = declared.TryGetValue(ns.Groups[1].Value, out var set) ? set : declared[ns.Groups[1].Value] = [];
            foreach (Match type in Regex.Matches(code, @"\b(?:class|record|interface|struct|enum)\s+(\w+)")) names.Add(type.Groups[1].Value);
        }
        return declared;
    }

    /// <summary>The GenNeg folders a file's code refers to, with the line of each reference.</summary>
    private static IEnumerable<(string Folder, int Line)> Imports(string code, IReadOnlyDictionary<string, HashSet<string>> declared)
    {
        var lines = code.Split('\n');
        var partial = new Regex(@"(?<![\w.])(\w+)\.(\w+)");
        for (var i = 0; i < lines.Length; i++)
        {
            if (Regex.IsMatch(lines[i], @"^\s*namespace\s")) continue;
            // GenNeg.X with X a folder; root types (GenNeg.GenNegException) serve every layer.
            foreach (Match full in Regex.Matches(lines[i], @"\bGenNeg\.(\w+)"))
                if (Layers.Any(layer => layer.Contains(full.Groups[1].Value))) yield return (full.Groups[1].Value, i + 1);
            foreach (Match name in partial.Matches(lines[i]))
                if (name.Groups[1].Value != "GenNeg" && declared.TryGetValue(name.Groups[1].Value, out var types) && types.Contains(name.Groups[2].Value))
                    yield return (name.Groups[1].Value, i + 1);
            if (Regex.IsMatch(lines[i], @"\bRegistries\b")) yield return ("Registries", i + 1);
        }
    }
}
