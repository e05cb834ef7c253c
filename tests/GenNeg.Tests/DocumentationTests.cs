using System.Text.RegularExpressions;

namespace GenNeg.Tests;

/// <summary>
/// The documentation speaks of the product as it is: no development history in the repository's text, every
/// relative link in the README and docs/ leads to a file (and heading) that exists, and the README indexes every page.
/// </summary>
public class DocumentationTests
{
    /// <summary>Folders and files whose text is checked; build output is skipped.</summary>
    private static readonly string[] CheckedRoots = ["README.md", "docs", "configs", "src", "tests", "samples", "deploy"];

    private static readonly string[] TextExtensions =
        [".md", ".cs", ".yaml", ".yml", ".sh", ".sbatch", ".mjs", ".csproj", ".props", ".targets", ".json", ".txt", ".cff"];

    /// <summary>
    /// Forms of development history. Each is assembled from pieces so that this file, which is checked too, never
    /// contains the text it forbids.
    /// </summary>
    private static readonly Regex[] HistoryPatterns =
    [
        new(@"\b" + "ses" + @"sions?\b"),              // talk of work periods
        new(@"\b[Ii]" + "ssues? " + @"\d+"),            // issue numbers
        new(@"runs/" + @"s\d+"),                        // run folders of one machine
        new("pub" + "lished build"),
        new(@"\b" + "throw" + @"away\b"),
        new(@"\bcommit " + @"[0-9a-f]{7,40}\b"),        // commit hashes
        new("/work" + "/runs"),
    ];

    [Fact]
    public void No_file_of_the_repository_carries_development_history()
    {
        var findings = new List<string>();
        foreach (var file in CheckedFiles())
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
                foreach (var pattern in HistoryPatterns)
                {
                    var match = pattern.Match(lines[i]);
                    if (match.Success) findings.Add($"{Relative(file)}:{i + 1}: '{match.Value}'");
                }
        }
        Assert.True(findings.Count == 0, "development history in the repository's text:\n" + string.Join('\n', findings));
    }

    [Fact]
    public void The_history_check_reads_every_kind_of_checked_file()
    {
        // A check that reads nothing cannot fail: make sure it sees the README, the docs, configs, code and deploy files.
        var files = CheckedFiles().Select(Relative).ToList();
        Assert.Contains("README.md", files);
        Assert.Contains("docs/method.md", files);
        Assert.Contains("configs/checkerboard-quick.yaml", files);
        Assert.Contains("src/GenNeg/Guidance/GuidedDenoiser.cs", files);
        Assert.Contains("deploy/slurm/submit-iteration.sh", files);
        Assert.Contains("tests/GenNeg.Tests/DocumentationTests.cs", files);
        Assert.Matches(HistoryPatterns[0], "see " + "ses" + "sion 7");
        Assert.Matches(HistoryPatterns[1], "I" + "ssue 17: locks");
    }

    [Fact]
    public void Every_relative_link_in_the_readme_and_docs_leads_to_a_file_and_heading()
    {
        var broken = new List<string>();
        var checkedLinks = 0;
        foreach (var page in MarkdownPages())
            foreach (var target in Links(File.ReadAllText(page)))
            {
                if (Regex.IsMatch(target, "^[a-z][a-z0-9+.-]*:")) continue;   // https:, mailto:
                checkedLinks++;
                var hash = target.IndexOf('#');
                var path = hash < 0 ? target : target[..hash];
                var anchor = hash < 0 ? "" : target[(hash + 1)..];
                var resolved = path.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, path));
                if (!File.Exists(resolved) && !Directory.Exists(resolved))
                    broken.Add($"{Relative(page)}: '{target}' names no file");
                else if (anchor.Length > 0 && resolved.EndsWith(".md", StringComparison.Ordinal)
                         && !HeadingAnchors(File.ReadAllText(resolved)).Contains(anchor))
                    broken.Add($"{Relative(page)}: '{target}' names no heading of {Relative(resolved)}");
            }
        Assert.True(checkedLinks > 20, $"only {checkedLinks} relative links found; is the link pattern right?");
        Assert.True(broken.Count == 0, "broken links:\n" + string.Join('\n', broken));
    }

    [Fact]
    public void The_readme_indexes_every_docs_page()
    {
        var readme = File.ReadAllText(Repository.File("README.md"));
        var linked = Links(readme).ToHashSet();
        var missing = Directory.GetFiles(Repository.File("docs"), "*.md")
            .Select(page => "docs/" + Path.GetFileName(page))
            .Where(page => !linked.Contains(page))
            .ToList();
        Assert.True(missing.Count == 0, "README.md does not link: " + string.Join(", ", missing));
    }

    [Fact]
    public void Links_and_anchors_are_read_as_GitHub_reads_them()
    {
        var anchors = HeadingAnchors("# Title\n\n```\n# not a heading\n```\n## Sequential importance sampling (SIS)\n"
                                     + "### Motion: no foot through the floor\n## `genneg.sis` keys\n");
        Assert.Equal(new HashSet<string> { "title", "sequential-importance-sampling-sis", "motion-no-foot-through-the-floor", "gennegsis-keys" },
            anchors);
        Assert.Equal(["b.md#x", "x.png"], Links("see [a](b.md#x) and `[c](d.md)` <img src=\"x.png\">\n```\n[e](f.md)\n```"));
    }

    private static IEnumerable<string> CheckedFiles()
    {
        foreach (var root in CheckedRoots)
        {
            var path = Repository.File(root);
            if (File.Exists(path)) { yield return path; continue; }
            foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
            {
                var relative = Relative(file);
                if (relative.Contains("/bin/", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal)) continue;
                if (TextExtensions.Contains(Path.GetExtension(file))) yield return file;
            }
        }
    }

    private static IEnumerable<string> MarkdownPages() =>
        new[] { Repository.File("README.md") }
            .Concat(Directory.GetFiles(Repository.File("docs"), "*.md"))
            .Concat(Directory.GetFiles(Repository.File("deploy"), "README.md", SearchOption.AllDirectories));

    /// <summary>Markdown link and image targets outside code blocks and code spans.</summary>
    private static IEnumerable<string> Links(string markdown)
    {
        var prose = Regex.Replace(markdown, "```.*?```", "", RegexOptions.Singleline);
        prose = Regex.Replace(prose, "`[^`\n]*`", "");
        foreach (Match link in Regex.Matches(prose, @"\]\(([^)\s]+)\)")) yield return link.Groups[1].Value;
        foreach (Match image in Regex.Matches(prose, "<img [^>]*src=\"([^\"]+)\"")) yield return image.Groups[1].Value;
    }

    /// <summary>The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to hyphens.</summary>
    private static HashSet<string> HeadingAnchors(string markdown)
    {
        var prose = Regex.Replace(markdown, "```.*?```", "", RegexOptions.Singleline);
        return Regex.Matches(prose, @"^#{1,6} +(.+?) *$", RegexOptions.Multiline)
            .Select(heading => Regex.Replace(heading.Groups[1].Value.Trim().ToLowerInvariant(), @"[^\w\- ]", "").Replace(' ', '-'))
            .ToHashSet();
    }

    private static string Relative(string path) =>
        Path.GetRelativePath(Repository.File(""), path).Replace('\\', '/');
}
