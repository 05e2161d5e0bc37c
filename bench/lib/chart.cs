// Turns one Markdown table printed by a benchmark into a horizontal bar chart (SVG), so docs/benchmarks.md can show it.
// Usage: dotnet run bench/lib/chart.cs -- TABLE.md COLUMN OUT.svg "Title"
//   TABLE.md  a file holding one Markdown table (first column: the label of each bar)
//   COLUMN    the header of the numeric column to plot (e.g. "req/s"); thousands separators and units are ignored
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

if (args.Length < 4)
{
    Console.Error.WriteLine("usage: chart.cs TABLE.md COLUMN OUT.svg TITLE");
    return 2;
}

var rows = File.ReadAllLines(args[0])
    .Where(line => line.TrimStart().StartsWith('|'))
    .Select(line => line.Trim().Trim('|').Split('|').Select(cell => cell.Trim()).ToArray())
    .ToList();
if (rows.Count < 3)
{
    Console.Error.WriteLine($"{args[0]}: no Markdown table");
    return 1;
}

var column = Array.FindIndex(rows[0], header => header.Equals(args[1], StringComparison.OrdinalIgnoreCase));
if (column < 0)
{
    Console.Error.WriteLine($"{args[0]}: no column '{args[1]}' in {string.Join(", ", rows[0])}");
    return 1;
}

var bars = new List<(string Label, double Value)>();
foreach (var row in rows.Skip(2))
{
    // "1,234.5", "643 (93 % fewer)", "12.3 ms": the first number in the cell.
    var match = Regex.Match(row.ElementAtOrDefault(column) ?? "", @"[0-9][0-9,]*(\.[0-9]+)?");
    if (match.Success && double.TryParse(match.Value.Replace(",", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
    {
        bars.Add((Label(row[0]), value));
    }
}

const int Width = 880, LabelWidth = 420, BarHeight = 22, Gap = 8, Top = 40, ValueWidth = 90;
var max = Math.Max(bars.Count == 0 ? 1 : bars.Max(b => b.Value), 1e-9);
var height = Top + bars.Count * (BarHeight + Gap) + 10;
var svg = new StringBuilder();
svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{height}" font-family="sans-serif" font-size="13">""").AppendLine();
svg.Append(CultureInfo.InvariantCulture, $"""<rect width="{Width}" height="{height}" fill="white"/>""").AppendLine();
svg.Append(CultureInfo.InvariantCulture, $"""<text x="10" y="24" font-size="15" font-weight="bold">{WebUtility.HtmlEncode(args[3])} ({WebUtility.HtmlEncode(args[1])})</text>""").AppendLine();
for (var i = 0; i < bars.Count; i++)
{
    var (label, value) = bars[i];
    var y = Top + i * (BarHeight + Gap);
    var length = (Width - LabelWidth - ValueWidth - 20) * value / max;
    svg.Append(CultureInfo.InvariantCulture, $"""<text x="{LabelWidth - 8}" y="{y + 16}" text-anchor="end">{WebUtility.HtmlEncode(Shorten(label))}</text>""").AppendLine();
    svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{LabelWidth}" y="{y}" width="{Math.Max(length, 1):F1}" height="{BarHeight}" fill="#3b7dd8"/>""").AppendLine();
    svg.Append(CultureInfo.InvariantCulture, $"""<text x="{LabelWidth + length + 6:F1}" y="{y + 16}">{value.ToString("#,0.##", CultureInfo.InvariantCulture)}</text>""").AppendLine();
}

svg.AppendLine("</svg>");
File.WriteAllText(args[2], svg.ToString());
return 0;

// A bar's label is the row's without its asides: "(`--replicas 1`)" says how, the words before it say what.
static string Label(string cell) => Regex.Replace(cell.Replace("`", "", StringComparison.Ordinal), @"\s*\([^)]*\)", "").Trim();

static string Shorten(string text) => text.Length <= 60 ? text : text[..59] + "…";
