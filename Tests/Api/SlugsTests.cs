using AspireScale.Api.Articles;

namespace AspireScale.Tests.Api;

// Slugs from titles (Api/Articles/Slugs.cs): pure logic, under the same invariant globalization as the Api.
public sealed class SlugsTests
{
    [Theory]
    [InlineData("How to train your dragon", "how-to-train-your-dragon")]
    [InlineData("Ünïcödé Tïtlé", "unicode-title")]
    [InlineData("Crème brûlée, ça va?", "creme-brulee-ca-va")]
    [InlineData("Straße in Łódź", "strasse-in-lodz")]
    [InlineData("Ærøskøbing Œuvre", "aeroskobing-oeuvre")]
    [InlineData("Cafe\u0301 au lait", "cafe-au-lait")]
    [InlineData("  --Hello,   World!--  ", "hello-world")]
    public void ATitleBecomesLowerCaseAsciiWordsJoinedByHyphens(string title, string slug) =>
        Assert.Equal(slug, Slugs.FromTitle(title));

    [Theory]
    [InlineData("日本語のタイトル", "article-")]
    [InlineData("feed", "feed-")]
    public void ATitleWithNoUsableLettersOrTheFeedsNameGetsASuffix(string title, string prefix)
    {
        var slug = Slugs.FromTitle(title);

        Assert.StartsWith(prefix, slug, StringComparison.Ordinal);
        Assert.Equal(prefix.Length + 6, slug.Length);
        Assert.Matches("^[a-z0-9-]+$", slug);
    }
}
