using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AspireScale.Api.Data.Configurations;

internal sealed class FavoriteConfiguration : IEntityTypeConfiguration<Favorite>
{
    public void Configure(EntityTypeBuilder<Favorite> favorite)
    {
        favorite.ToTable("favorites");
        // The key serves ?favorited= (articles a user favorited); the second index serves the cascade when an article goes.
        favorite.HasKey(f => new { f.UserId, f.ArticleId });
        favorite.Property(f => f.UserId).HasColumnName("user_id");
        favorite.Property(f => f.ArticleId).HasColumnName("article_id");

        favorite.HasOne(f => f.User).WithMany().HasForeignKey(f => f.UserId).OnDelete(DeleteBehavior.Cascade);
        favorite.HasOne(f => f.Article).WithMany(a => a.Favorites).HasForeignKey(f => f.ArticleId).OnDelete(DeleteBehavior.Cascade);

        favorite.HasIndex(f => f.ArticleId).HasDatabaseName("ix_favorites_article_id");
    }
}
