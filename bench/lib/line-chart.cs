// Turns "x y" lines (a benchmark's samples over time) into a line chart (SVG) for docs/. Several series: "x y1 y2 ..."
// lines after a header "# x name1 name2 ...", which names them in a legend.
// Usage: dotnet run bench/lib/line-chart.cs -- SAMPLES.dat OUT.svg "Title" "x label" "y label"
using System.Globalization;
using System.Net;
using System.Text;

if (args.Length < 5)
{
    Console.Error.WriteLine("usage: line-chart.cs SAMPLES.dat OUT.svg TITLE XLABEL YLABEL");
    return 2;
}

var lines = File.ReadAllLines(args[0]);
var names = lines.FirstOrDefault(line => line.StartsWith('#'))?.TrimStart('#').Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..] ?? [""];
var rows = lines
    .Where(line => !line.StartsWith('#'))
    .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
    .Where(cells => cells.Length >= names.Length + 1)
    .Select(cells => cells.Select(cell => double.Parse(cell, CultureInfo.InvariantCulture)).ToArray())
    .ToList();
if (rows.Count < 2)
{
    Console.Error.WriteLine($"{args[0]}: fewer than two samples");
    return 1;
}

const double Width = 640, Height = 300, Left = 60, Right = 20, Top = 40, Bottom = 45;
string[] colors = ["#2b6cb0", "#c05621", "#2f855a", "#9b2c2c", "#6b46c1", "#b7791f", "#2c7a7b", "#4a5568"];
var maxX = rows.Max(row => row[0]);
var maxY = Math.Max(1, rows.Max(row => row.Skip(1).Take(names.Length).Max()));
double Px(double x) => Left + (maxX == 0 ? 0 : x / maxX) * (Width - Left - Right);
double Py(double y) => Height - Bottom - y / maxY * (Height - Top - Bottom);
string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

var svg = new StringBuilder();
svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{Height}" font-family="sans-serif" font-size="12">""");
svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Width / 2}" y="20" text-anchor="middle" font-size="14">{WebUtility.HtmlEncode(args[2])}</text>""");
svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{Left}" y1="{Height - Bottom}" x2="{Width - Right}" y2="{Height - Bottom}" stroke="black"/>""");
svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{Left}" y1="{Top}" x2="{Left}" y2="{Height - Bottom}" stroke="black"/>""");
foreach (var fraction in new[] { 0, 0.5, 1 })
{
    svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left - 6}" y="{F(Py(maxY * fraction) + 4)}" text-anchor="end">{F(maxY * fraction)}</text>""");
    svg.Append(CultureInfo.InvariantCulture, $"""<text x="{F(Px(maxX * fraction))}" y="{Height - Bottom + 16}" text-anchor="middle">{F(maxX * fraction)}</text>""");
}

svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Width / 2}" y="{Height - 8}" text-anchor="middle">{WebUtility.HtmlEncode(args[3])}</text>""");
svg.Append(CultureInfo.InvariantCulture, $"""<text x="14" y="{Height / 2}" text-anchor="middle" transform="rotate(-90 14 {Height / 2})">{WebUtility.HtmlEncode(args[4])}</text>""");
for (var series = 0; series < names.Length; series++)
{
    var color = colors[series % colors.Length];
    svg.Append(CultureInfo.InvariantCulture, $"""<polyline fill="none" stroke="{color}" stroke-width="2" points=" """);
    svg.AppendJoin(' ', rows.Select(row => $"{F(Px(row[0]))},{F(Py(row[series + 1]))}"));
    svg.Append("\"/>");
    if (names[series].Length > 0)
    {
        var x = Left + 10 + series * (Width - Left - Right) / names.Length;
        svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{F(x)}" y="{Top - 12}" width="10" height="10" fill="{color}"/>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{F(x + 14)}" y="{Top - 3}">{WebUtility.HtmlEncode(names[series])}</text>""");
    }
}

svg.Append("</svg>\n");
File.WriteAllText(args[1], svg.ToString());
return 0;
