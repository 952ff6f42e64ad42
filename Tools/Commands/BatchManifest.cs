using System.Globalization;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;

namespace CineKernel.Tools;

/// <summary>
/// A <c>cinekernel batch</c> manifest: one photo per row, as CSV with a header row (parsed by CsvHelper, RFC 4180
/// quoting) or as JSON lines (one object per line, System.Text.Json; blank lines and lines starting with <c>#</c>
/// skipped). Column names are animate's long option names without the dashes (<c>frames</c>, <c>size</c>, ...) plus
/// <c>photo</c>, <c>output</c> and <c>arrows</c>; values are text (a JSON number or boolean is taken as written, a JSON
/// array as a list, for arrows only). A row that cannot be read is kept with its <see cref="BatchRow.Error"/>, so the
/// others still render; a manifest that cannot be read at all is an error (exit 2, nothing rendered).
/// </summary>
internal sealed class BatchManifest
{
    private BatchManifest(string path, IReadOnlyList<BatchRow> rows, IReadOnlyList<(string Key, int Line)> columns)
    {
        Path = path;
        Folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>The manifest as given.</summary>
    public string Path { get; }

    /// <summary>The folder relative paths in the rows are taken from.</summary>
    public string Folder { get; }

    /// <summary>Every data row in order (the shard of row i is i mod N).</summary>
    public IReadOnlyList<BatchRow> Rows { get; }

    /// <summary>
    /// Every column the manifest names, as a key, with the line that first names it (CSV: the header's; JSON lines: the
    /// first object holding it, null or not), so that a column no row may have is refused even when every cell is empty.
    /// </summary>
    public IReadOnlyList<(string Key, int Line)> Columns { get; }

    /// <summary>Reads a manifest: JSON lines for <c>.jsonl</c>, <c>.ndjson</c> and <c>.json</c>, CSV for <c>.csv</c>, else JSON lines when the first character is <c>{</c>.</summary>
    /// <exception cref="CliException">The file is missing, a folder, unreadable or has no rows; a CSV header is empty or names a column twice, as does a JSON line; a
    /// quoted CSV field is never closed (exit 2: the manifest is unusable).</exception>
    public static BatchManifest Load(string path)
    {
        if (Directory.Exists(path)) throw new CliException($"manifest {path} is a folder; give the manifest file (CSV or JSON lines)", 2);
        if (!File.Exists(path)) throw new CliException($"manifest not found: {path}", 2);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{path}: cannot read the manifest ({e.Message})", 2);
        }
        string extension = System.IO.Path.GetExtension(path).ToLowerInvariant();
        bool jsonLines = extension is ".jsonl" or ".ndjson" or ".json" || (extension != ".csv" && text.TrimStart().StartsWith('{'));
        var columns = new List<(string Key, int Line)>();
        var rows = jsonLines ? ReadJsonLines(path, text, columns) : ReadCsv(path, text, columns);
        if (rows.Count == 0) throw new CliException($"{path}: the manifest has no rows", 2);
        return new BatchManifest(path, rows, columns);
    }

    /// <summary>The column name as a key: trimmed, lower case, without leading dashes (<c>--Frames</c> is <c>frames</c>).</summary>
    public static string Key(string column) => column.Trim().TrimStart('-').ToLowerInvariant();

    private static List<BatchRow> ReadCsv(string path, string text, List<(string Key, int Line)> columns)
    {
        bool unterminated = false;
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            TrimOptions = TrimOptions.Trim,
            // A stray quote inside a field is read as text; a quoted field never closed swallows the rest of the file,
            // which CsvHelper reports here (an odd number of quotes: "" is an escaped quote).
            BadDataFound = bad => unterminated |= bad.Field.TrimStart().StartsWith('"') && bad.RawRecord.Count(c => c == '"') % 2 == 1,
            IgnoreBlankLines = true,
        };
        // CsvHelper's RawRow is where a record ends (one past it at the end of the file), so the line a record starts
        // on is counted here: the line after the previous record, past blank lines, as the reader skips them.
        var lines = text.Split('\n');
        int end = 0;
        int NextRecord(string raw)
        {
            int start = end + 1;
            while (start <= lines.Length && lines[start - 1].TrimEnd('\r').Length == 0) start++;
            end = start + raw.TrimEnd('\n').TrimEnd('\r').Count(c => c == '\n');
            return start;
        }

        using var reader = new CsvReader(new StringReader(text), config);
        if (!reader.Read() || !reader.ReadHeader() || reader.HeaderRecord is not { Length: > 0 } header || header.All(string.IsNullOrWhiteSpace))
            throw new CliException($"{path}: the CSV manifest needs a header row naming its columns (photo, output, ...)", 2);
        int headerLine = NextRecord(reader.Parser.RawRecord);
        if (unterminated) throw Unterminated(path, headerLine);
        var keys = header.Select(Key).ToArray();
        if (keys.FirstOrDefault(string.IsNullOrEmpty) is not null)
            throw new CliException($"{path} line {headerLine}: the header has an empty column name (column {Array.IndexOf(keys, "") + 1})", 2);
        if (keys.GroupBy(k => k).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new CliException($"{path} line {headerLine}: the header names column '{twice.Key}' twice", 2);
        columns.AddRange(keys.Select(k => (k, headerLine)));
        var rows = new List<BatchRow>();
        while (reader.Read())
        {
            int line = NextRecord(reader.Parser.RawRecord);
            var fields = reader.Parser.Record ?? []; // the fields are parsed here, and bad data found
            if (unterminated) throw Unterminated(path, line);
            if (fields.All(string.IsNullOrWhiteSpace)) continue;
            if (fields.Length != keys.Length)
            {
                rows.Add(new BatchRow(rows.Count + 1, line, new Dictionary<string, IReadOnlyList<string>>(),
                    $"the row has {fields.Length} fields; the header has {keys.Length}"));
                continue;
            }
            var values = new Dictionary<string, IReadOnlyList<string>>();
            for (int i = 0; i < keys.Length; i++)
                if (!string.IsNullOrWhiteSpace(fields[i])) values[keys[i]] = [fields[i].Trim()];
            rows.Add(new BatchRow(rows.Count + 1, line, values, null));
        }
        return rows;
    }

    /// <summary>A quoted field that is never closed: every later row would be read into it, so the manifest is unusable.</summary>
    private static CliException Unterminated(string path, int line) =>
        new($"{path} line {line}: unterminated quoted field (a '\"' that is never closed; the rest of the file would be read as that one field)", 2);

    private static List<BatchRow> ReadJsonLines(string path, string text, List<(string Key, int Line)> columns)
    {
        var rows = new List<BatchRow>();
        int line = 0;
        foreach (string raw in text.Split('\n'))
        {
            line++;
            string s = raw.Trim();
            if (s.Length == 0 || s.StartsWith('#')) continue;
            rows.Add(ReadJsonRow(path, rows.Count + 1, line, s, columns));
        }
        return rows;
    }

    /// <summary>
    /// One JSON line as a row. A value that is not text is the row's error (the row's line is said with every error,
    /// so not again here), while its other fields, its output among them, are still read for the report; a key named
    /// twice is the manifest's error, as a CSV header naming a column twice is.
    /// </summary>
    private static BatchRow ReadJsonRow(string path, int number, int line, string json, List<(string Key, int Line)> columns)
    {
        var values = new Dictionary<string, IReadOnlyList<string>>();
        var seen = new HashSet<string>();
        string? error = null;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return new BatchRow(number, line, values, $"not a JSON object ({Describe(doc.RootElement.ValueKind)}); give one object per line");
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                string key = Key(property.Name);
                if (!columns.Exists(c => c.Key == key)) columns.Add((key, line));
                if (!seen.Add(key)) throw new CliException($"{path} line {line}: the object names column '{key}' twice", 2);
                if (property.Value.ValueKind == JsonValueKind.Null) continue;
                try
                {
                    values[key] = Values(key, property.Value);
                }
                catch (FormatException e)
                {
                    error ??= e.Message;
                }
            }
        }
        catch (JsonException e)
        {
            return new BatchRow(number, line, new Dictionary<string, IReadOnlyList<string>>(), $"not valid JSON ({e.Message})");
        }
        return new BatchRow(number, line, values, error);
    }

    /// <summary>A JSON value as the column's values: text, a number or true/false, or for arrows a list of them.</summary>
    /// <exception cref="FormatException">Any other value, naming the column.</exception>
    private static List<string> Values(string key, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
            return [Scalar(value) ?? throw new FormatException($"'{key}' is {Describe(value.ValueKind)}; give text, a number{(Repeats(key) ? ", true/false or a list" : " or true/false")}")];
        // Only arrows repeat; a list anywhere else would be joined into one value no one asked for (an output
        // "a.gif;b.gif"), so it is the row's error, naming the column.
        if (!Repeats(key)) throw new FormatException($"'{key}' is a JSON list; only arrows may hold a list: give {key} one value");
        return value.EnumerateArray().Select(item => Scalar(item) ?? throw new FormatException($"'{key}' holds {Describe(item.ValueKind)} in its list; give text or numbers")).ToList();
    }

    /// <summary>Whether a column may hold several values: only arrows (animate's repeatable <c>--arrow</c>).</summary>
    private static bool Repeats(string key) => key is "arrows" or "arrow";

    /// <summary>A JSON value's kind in a sentence: "an object", "an array", "null".</summary>
    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "a JSON object",
        JsonValueKind.Array => "a JSON array",
        JsonValueKind.Null => "null",
        _ => $"a JSON {kind.ToString().ToLowerInvariant()}",
    };

    private static string? Scalar(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}
