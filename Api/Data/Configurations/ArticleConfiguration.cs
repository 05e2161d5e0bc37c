using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AspireScale.Api.Data.Configurations;

internal sealed class ArticleConfiguration : IEntityTypeConfiguration<Article>
{
    public void Configure(EntityTypeBuilder<Article> article)
    {
        article.ToTable("articles");
        article.HasKey(a => a.Id);
        article.Property(a => a.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        article.Property(a => a.Slug).HasColumnName("slug").HasMaxLength(Limits.Slug);
        article.Property(a => a.Title).HasColumnName("title").HasMaxLength(Limits.Title);
        article.Property(a => a.Description).HasColumnName("description").HasMaxLength(Limits.Description);
        article.Property(a => a.Body).HasColumnName("body");
        article.Property(a => a.TagList).HasColumnName("tag_list");
        article.Property(a => a.AuthorId).HasColumnName("author_id");
        // timestamptz keeps microseconds; the API truncates to microseconds before it stores or returns a time.
        article.Property(a => a.CreatedAt).HasColumnName("created_at");
        article.Property(a => a.UpdatedAt).HasColumnName("updated_at");
        article.Property(a => a.FannedOut).HasColumnName("fanned_out");
        var favoritesCount = article.Property(a => a.FavoritesCount).HasColumnName("favorites_count").HasDefaultValue(0);
        favoritesCount.Metadata.SetBeforeSaveBehavior(PropertySaveBehavior.Ignore);
        favoritesCount.Metadata.SetAfterSaveBehavior(PropertySaveBehavior.Ignore);

        article.HasOne(a => a.Author).WithMany(u => u.Articles).HasForeignKey(a => a.AuthorId).OnDelete(DeleteBehavior.Cascade);

        article.HasIndex(a => a.Slug).IsUnique().HasDatabaseName(ConstraintNames.ArticlesSlug);
        // Global list and feed order: newest first, id as the tie-breaker.
        article.HasIndex(a => new { a.CreatedAt, a.Id }).IsDescending(true, true).HasDatabaseName("ix_articles_created_at_id");
        // ?author= and the feed (articles by followed authors), already in page order.
        article.HasIndex(a => new { a.AuthorId, a.CreatedAt, a.Id }).IsDescending(false, true, true).HasDatabaseName("ix_articles_author_id_created_at_id");
        // The feed's "published but not fanned out yet" branch: a handful of rows at any time.
        article.HasIndex(a => a.AuthorId).HasFilter("NOT fanned_out").HasDatabaseName("ix_articles_author_id_not_fanned_out");
        // ?tag= uses tag_list @> ARRAY[tag].
        article.HasIndex(a => a.TagList).HasMethod("gin").HasDatabaseName("ix_articles_tag_list");
    }
}
