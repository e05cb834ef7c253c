using System.Globalization;
using System.Net;
using System.Text;

namespace GenNeg.Reporting;

/// <summary>
/// report.html: the stage table, the pictures and the run's resolved config on one page that needs nothing beside
/// it (pictures as base64 PNG data URIs, styles inline), so it can be mailed or attached as a single file.
/// </summary>
public static class RunReportHtml
{
    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
        table { border-collapse: collapse; margin: 1em 0; }
        th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; }
        td { text-align: right; font-variant-numeric: tabular-nums; }
        td:first-child { text-align: left; white-space: nowrap; }
        th { background: #f0f0f0; }
        .figures { display: flex; flex-wrap: wrap; gap: 1em; }
        figure { margin: 0; }
        figure img { width: 400px; border: 1px solid #ddd; }
        figure.wide img { width: 800px; }
        pre { background: #f7f7f7; padding: 1em; overflow-x: auto; }
        """;

    /// <param name="figures">pictures as (caption, PNG bytes); the first is shown wide</param>
    /// <param name="configYaml">the run's resolved config.yaml</param>
    /// <param name="realismFigures">the stages' realism histograms, shown wide under the realism table</param>
    public static string Render(RunReportData report, IReadOnlyList<(string Caption, byte[] Png)> figures, string configYaml,
        IReadOnlyList<(string Caption, byte[] Png)>? realismFigures = null)
    {
        var c = CultureInfo.InvariantCulture;
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>").AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Gen-neG run report</title>");
        html.AppendLine(c, $"<style>{Style}</style></head><body>");
        html.AppendLine("<h1>Gen-neG run report</h1>");

        html.AppendLine("<table><thead><tr>");
        foreach (var header in ReportTable.Headers(report)) html.Append(c, $"<th>{Encode(header)}</th>");
        html.AppendLine("</tr></thead><tbody>");
        foreach (var row in report.Rows)
            html.AppendLine(c, $"<tr>{string.Concat(ReportTable.Cells(row, ReportTable.WithNll(report)).Select(cell => $"<td>{Encode(cell)}</td>"))}</tr>");
        html.AppendLine("</tbody></table>");
        html.AppendLine("<ul>");
        foreach (var note in ReportTable.Notes(report)) html.AppendLine(c, $"<li>{Encode(note)}</li>");
        html.AppendLine("</ul>");

        html.AppendLine("<h2>Pictures</h2><div class=\"figures\">");
        for (var i = 0; i < figures.Count; i++)
        {
            var (caption, png) = figures[i];
            html.AppendLine(c, $"<figure{(i == 0 ? " class=\"wide\"" : "")}><img alt=\"{Encode(caption)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">" +
                               $"<figcaption>{Encode(caption)}</figcaption></figure>");
        }
        html.AppendLine("</div>");

        var realismRows = ReportTable.RealismRows(report);
        if (realismRows.Count > 0)
        {
            AppendTable(html, "Realism", ReportTable.RealismNote, ReportTable.RealismHeaders(report), realismRows);
            html.AppendLine("<ul>");
            foreach (var line in ReportTable.RealismChanges(report)) html.AppendLine(c, $"<li>{Encode(line)}</li>");
            html.AppendLine("</ul><div class=\"figures\">");
            foreach (var (caption, png) in realismFigures ?? [])
                html.AppendLine(c, $"<figure class=\"wide\"><img alt=\"{Encode(caption)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"><figcaption>{Encode(caption)}</figcaption></figure>");
            html.AppendLine("</div>");
        }

        var memoryRows = ReportTable.MemoryRows(report);
        if (memoryRows.Count > 0) AppendTable(html, "Peak memory", ReportTable.MemoryNote, ReportTable.MemoryHeaders(report), memoryRows);

        html.AppendLine("<h2>Resolved config</h2>");
        html.AppendLine(c, $"<pre>{Encode(configYaml)}</pre>");
        html.AppendLine("</body></html>");
        return html.ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    /// <summary>A section: its title, a note, and a table of text cells (escaped).</summary>
    private static void AppendTable(StringBuilder html, string title, string note, IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var c = CultureInfo.InvariantCulture;
        html.AppendLine(c, $"<h2>{Encode(title)}</h2>");
        html.AppendLine(c, $"<p>{Encode(note)}</p>");
        html.AppendLine("<table><thead><tr>");
        foreach (var header in headers) html.Append(c, $"<th>{Encode(header)}</th>");
        html.AppendLine("</tr></thead><tbody>");
        foreach (var row in rows) html.AppendLine(c, $"<tr>{string.Concat(row.Select(cell => $"<td>{Encode(cell)}</td>"))}</tr>");
        html.AppendLine("</tbody></table>");
    }
}
