using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AspireScale.Api.Articles;

// "How to train your dragon" -> "how-to-train-your-dragon"; when that is taken, "how-to-train-your-dragon-k3x9qa".
// Accented Latin letters keep their base letter ("Crème brûlée" -> "creme-brulee").
internal static class Slugs
{
    private const int MaxBaseLength = 200;
    private const int SuffixLength = 6;
    private const string SuffixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    // The letters of Latin-1 and Latin Extended-A by their ASCII spelling. A table, not Unicode decomposition: with
    // invariant globalization (Directory.Build.props) string.Normalize leaves every non-ASCII letter as it is. Combining
    // marks, as in a title typed already decomposed, are dropped below.
    private static readonly FrozenDictionary<char, string> Latin = new (string Letters, string Ascii)[]
    {
        ("ÀÁÂÃÄÅàáâãäåĀāĂăĄą", "a"), ("Ææ", "ae"), ("ÇçĆćĈĉĊċČč", "c"), ("ÐðĎďĐđ", "d"), ("ÈÉÊËèéêëĒēĔĕĖėĘęĚě", "e"),
        ("ĜĝĞğĠġĢģ", "g"), ("ĤĥĦħ", "h"), ("ÌÍÎÏìíîïĨĩĪīĬĭĮįİı", "i"), ("Ĳĳ", "ij"), ("Ĵĵ", "j"), ("Ķķĸ", "k"),
        ("ĹĺĻļĽľĿŀŁł", "l"), ("ÑñŃńŅņŇňŉŊŋ", "n"), ("ÒÓÔÕÖØòóôõöøŌōŎŏŐő", "o"), ("Œœ", "oe"), ("ŔŕŖŗŘř", "r"),
        ("ŚśŜŝŞşŠšſ", "s"), ("ß", "ss"), ("ŢţŤťŦŧ", "t"), ("Þþ", "th"), ("ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų", "u"), ("Ŵŵ", "w"),
        ("ÝýÿŶŷŸ", "y"), ("ŹźŻżŽž", "z"),
    }.SelectMany(group => group.Letters.Select(letter => KeyValuePair.Create(letter, group.Ascii))).ToFrozenDictionary();

    public static string FromTitle(string title)
    {
        var slug = new StringBuilder(Math.Min(title.Length, MaxBaseLength));
        foreach (var c in title)
        {
            if (slug.Length >= MaxBaseLength)
            {
                break;
            }

            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(char.ToLowerInvariant(c));
            }
            else if (Latin.TryGetValue(c, out var ascii))
            {
                slug.Append(ascii);
            }
            else if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark && slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        var result = slug.ToString().Trim('-');
        // "feed" would be shadowed by GET /api/articles/feed; a title with no letters or digits still needs a slug.
        return result.Length == 0 || result == "feed" ? WithSuffix(result.Length == 0 ? "article" : result) : result;
    }

    public static string WithSuffix(string baseSlug) => $"{baseSlug}-{RandomNumberGenerator.GetString(SuffixAlphabet, SuffixLength)}";

    // Whether an existing slug already stands for this title (the same text, or it with a uniqueness suffix).
    public static bool Fits(string existingSlug, string titleSlug) =>
        existingSlug == titleSlug
        || (existingSlug.Length == titleSlug.Length + 1 + SuffixLength && existingSlug.StartsWith(titleSlug + "-", StringComparison.Ordinal));
}
