namespace AspireScale.Tests.Deployment;

// The part of azure.yaml the consistency tests read. A tiny reader for the subset azure.yaml uses (nested mappings,
// lists of scalars, comments, optional quotes) rather than a YAML package nobody else needs.
public sealed class AzureYaml
{
    private AzureYaml(Dictionary<string, object> root) => Root = root;

    public Dictionary<string, object> Root { get; }

    public IReadOnlyDictionary<string, AzdService> Services =>
        Mapping(Root, "services").ToDictionary(s => s.Key, s => new AzdService(s.Key, (Dictionary<string, object>)s.Value));

    public static AzureYaml Load(string path) => new(Parse(File.ReadAllLines(path)));

    internal static Dictionary<string, object> Parse(IEnumerable<string> lines)
    {
        var root = new Dictionary<string, object>();
        // Open containers by indentation: a key with no value opens a mapping or a list, decided by its first child.
        var stack = new List<(int Indent, object Container)> { (-1, root) };
        string? pendingKey = null;
        var pendingIndent = -1;
        Dictionary<string, object>? pendingParent = null;

        foreach (var raw in lines)
        {
            var line = StripComment(raw);
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var indent = line.Length - line.TrimStart().Length;
            var text = line.Trim();
            while (stack.Count > 1 && stack[^1].Indent >= indent)
            {
                stack.RemoveAt(stack.Count - 1);
            }

            if (pendingKey is not null && pendingParent is not null)
            {
                // Deeper than its key: the key's value. Otherwise the key had none and stays an empty mapping.
                if (indent > pendingIndent)
                {
                    object child = text.StartsWith("- ", StringComparison.Ordinal) ? new List<string>() : new Dictionary<string, object>();
                    pendingParent[pendingKey] = child;
                    stack.Add((pendingIndent, child));
                }

                pendingKey = null;
            }

            if (text.StartsWith("- ", StringComparison.Ordinal))
            {
                var list = stack[^1].Container as List<string>
                    ?? throw new FormatException($"azure.yaml: list item outside a list: '{raw}'");
                list.Add(Unquote(text[2..].Trim()));
                continue;
            }

            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new FormatException($"azure.yaml: expected 'key: value': '{raw}'");
            }

            var key = text[..colon].Trim();
            var value = text[(colon + 1)..].Trim();
            var mapping = stack[^1].Container as Dictionary<string, object>
                ?? throw new FormatException($"azure.yaml: mapping entry inside a list: '{raw}'");
            if (value.Length == 0)
            {
                pendingKey = key;
                pendingIndent = indent;
                pendingParent = mapping;
                mapping[key] = new Dictionary<string, object>();
            }
            else
            {
                mapping[key] = Unquote(value);
            }
        }

        return root;
    }

    internal static Dictionary<string, object> Mapping(Dictionary<string, object> parent, string key) =>
        parent.TryGetValue(key, out var value) && value is Dictionary<string, object> mapping ? mapping : [];

    private static string StripComment(string line)
    {
        var quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                return line[..i];
            }
        }

        return line;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] is '"' or '\'') && value[^1] == value[0] ? value[1..^1] : value;
}

public sealed record AzdService(string Name, Dictionary<string, object> Settings)
{
    public string? Project => Settings.GetValueOrDefault("project") as string;
    public string? Language => Settings.GetValueOrDefault("language") as string;
    public string? Host => Settings.GetValueOrDefault("host") as string;
    public IReadOnlyList<string> Uses => Settings.GetValueOrDefault("uses") as List<string> ?? [];

    public Dictionary<string, object> Hook(string name) => AzureYaml.Mapping(AzureYaml.Mapping(Settings, "hooks"), name);
}
