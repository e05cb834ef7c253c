using System.Globalization;
using GenNeg.Runs;

namespace GenNeg.Reporting.TensorBoard;

/// <summary>
/// The report's figures in TensorBoard (run "stages"): infraction rate, MMD, the likelihood figure and step latency
/// against stage (step = the stage's position in the report), and the report's pictures as images (tag "samples",
/// one step per stage, each titled with its stage; tag "metrics"). Rewritten whole with every report.
/// </summary>
public static class TensorBoardStageSummary
{
    public const string RunName = "stages";

    /// <param name="scatters">the stages' scatter pictures, as run-relative paths in <paramref name="report"/>'s row order</param>
    public static void Write(RunFolder run, RunReportData report, IReadOnlyDictionary<string, string> scatters, string metricsFigure)
    {
        var folder = run.PathOf(Path.Combine(TensorBoardProgress.Folder, RunName));
        if (Directory.Exists(folder))
            foreach (var old in Directory.GetFiles(folder, "events.out.tfevents.*")) File.Delete(old);
        var log = new TensorBoardLog(folder);
        var likelihoodTag = report.Likelihood == "ELBO" ? "stage/elbo" : "stage/r_elbo";
        for (var i = 0; i < report.Rows.Count; i++)
        {
            var row = report.Rows[i];
            log.Scalar("stage/infraction_rate", row.InfractionRate, i);
            log.Scalar("stage/mmd", row.Mmd, i);
            log.Scalar(likelihoodTag, row.Elbo, i);
            log.Scalar("stage/step_latency_ms", row.StepLatencyMs, i);
            log.Scalar("stage/classifiers", row.Classifiers, i);
            if (scatters.TryGetValue(row.Stage, out var scatter)) log.Image("samples", run.PathOf(scatter), i);
        }
        log.Image("metrics", run.PathOf(metricsFigure), 0);
        log.Text("stage/names", string.Join(", ", report.Rows.Select((r, i) => string.Create(CultureInfo.InvariantCulture, $"{i}: {r.Stage}"))), 0);
    }
}
