using System.Text;

namespace CineKernel.WeightsLoader;

/// <summary>
/// Quotes text taken from a file (tensor names, keys, dtypes) for a one-line message: control and
/// line-breaking characters are escaped and very long text is cut, so a hostile name cannot forge or
/// split an error line.
/// </summary>
public static class Printable
{
    public static string Quote(string text, int max = 120) => $"'{Clean(text, max)}'";

    /// <summary>The same escaping and cut, without the quotes.</summary>
    public static string Clean(string text, int max = 120)
    {
        var sb = new StringBuilder(Math.Min(text.Length, max) + 3);
        foreach (char c in text.Length > max ? text[..max] : text)
        {
            if (c < 0x20 || c == 0x7f || c == '\u0085' || c == '\u2028' || c == '\u2029')
                sb.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ => $"\\u{(int)c:x4}" });
            else sb.Append(c);
        }
        if (text.Length > max) sb.Append("...");
        return sb.ToString();
    }
}
