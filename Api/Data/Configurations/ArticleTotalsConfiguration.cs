using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AspireScale.Api.Data.Configurations;

internal sealed class ArticleTotalsConfiguration : IEntityTypeConfiguration<ArticleTotals>
{
    public void Configure(EntityTypeBuilder<ArticleTotals> totals)
    {
        totals.ToTable("article_totals", table => table.HasCheckConstraint("ck_article_totals_slot", $"id >= 0 AND id < {ArticleTotals.Slots}"));
        totals.HasKey(t => t.Id);
        totals.Property(t => t.Id).HasColumnName("id").ValueGeneratedNever();
        totals.Property(t => t.ArticlesCount).HasColumnName("articles_count");
    }
}
