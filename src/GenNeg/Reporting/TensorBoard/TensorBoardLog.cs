using TorchSharp.Modules;
using static TorchSharp.torch.utils.tensorboard;

namespace GenNeg.Reporting.TensorBoard;

/// <summary>
/// One TensorBoard run: an event file in its own folder, written through TorchSharp's SummaryWriter (which appends
/// and flushes every event, so a crash loses nothing already logged). `tensorboard --logdir runs/` shows each such
/// folder as a run named by its path.
/// </summary>
public sealed class TensorBoardLog
{
    private readonly SummaryWriter writer;

    public TensorBoardLog(string folder)
    {
        Directory.CreateDirectory(folder);
        Folder = folder;
        writer = SummaryWriter(folder);
    }

    public string Folder { get; }

    public void Scalar(string tag, double value, long step) => writer.add_scalar(tag, (float)value, checked((int)step));

    public void Text(string tag, string text, long step) => writer.add_text(tag, text, checked((int)step));

    /// <summary>An image from an encoded file (PNG); TorchSharp decodes and re-encodes it as PNG.</summary>
    public void Image(string tag, string pngPath, long step) => writer.add_img(tag, pngPath, checked((int)step));
}
