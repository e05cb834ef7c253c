using GenNeg.Guidance;
using GenNeg.Sampling;
using GenNeg.Training;

namespace GenNeg.Workflows;

/// <summary>
/// Where a workflow reports its phases (training, sampling, drawing synthetic data); each call opens one phase.
/// The CLI shows them as progress bars; <see cref="None"/> discards them.
/// </summary>
public interface IWorkflowProgress
{
    IProgress<TrainingProgress> Training(string phase);
    IProgress<SamplingProgress> Sampling(string phase);
    IProgress<DrawProgress> Drawing(string phase);

    public static IWorkflowProgress None { get; } = new Silent();

    private sealed class Silent : IWorkflowProgress, IProgress<TrainingProgress>, IProgress<SamplingProgress>, IProgress<DrawProgress>
    {
        public IProgress<TrainingProgress> Training(string phase) => this;
        public IProgress<SamplingProgress> Sampling(string phase) => this;
        public IProgress<DrawProgress> Drawing(string phase) => this;
        public void Report(TrainingProgress value) { }
        public void Report(SamplingProgress value) { }
        public void Report(DrawProgress value) { }
    }
}
