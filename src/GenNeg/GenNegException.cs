namespace GenNeg;

/// <summary>
/// A problem with the user's input (config, run folder, arguments) that the user can fix.
/// The CLI prints its message as one line and exits non-zero; it never shows a stack trace for it. Long values the
/// message repeats are shortened (<see cref="EchoedText"/>).
/// </summary>
public class GenNegException : Exception
{
    public GenNegException(string message) : base(EchoedText.ShortenValues(message)) { }

    public GenNegException(string message, Exception inner) : base(EchoedText.ShortenValues(message), inner) { }
}
