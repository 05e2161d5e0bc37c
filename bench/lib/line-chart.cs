// Turns a series of "x y" lines (a benchmark's samples over time) into a line chart (SVG) for docs/.
// Usage: dotnet run bench/lib/line-chart.cs -- SAMPLES.dat OUT.svg "Title" "x label" "y label"
using System.Globalization;
using System.Net;
using System.Text;

if (args.Length < 5)
{
    Console.Error.WriteLine("usage: line-chart.cs SAMPLES.dat OUT.svg TITLE XLABEL YLABEL");
    return 2;
}

var points = File.ReadAllLines(args[0])
    .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
    .Where(cells => cells.Length >= 2)
    .Select(cells => (X: double.Parse(cells[0], CultureInfo.InvariantCulture), Y: double.Parse(cells[1], CultureInfo.InvariantCulture)))
    .ToList();
if (points.Count < 2)
{
    Console.Error.WriteLine($"{args[0]}: fewer than two samples");
    return 1;
}

const double Width = 640, Height = 300, Left = 60, Right = 20, Top = 40, Bottom = 45;
var maxX = points.Max(p => p.X);
var maxY = Math.Max(1, points.Max(p => p.Y));
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
svg.Append("""<polyline fill="none" stroke="#2b6cb0" stroke-width="2" points=" """);
svg.AppendJoin(' ', points.Select(p => $"{F(Px(p.X))},{F(Py(p.Y))}"));
svg.Append("\"/></svg>\n");
File.WriteAllText(args[1], svg.ToString());
return 0;
