using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AspireScale.Api.Data.Configurations;

internal sealed class CommentConfiguration : IEntityTypeConfiguration<Comment>
{
    public void Configure(EntityTypeBuilder<Comment> comment)
    {
        comment.ToTable("comments");
        comment.HasKey(c => c.Id);
        comment.Property(c => c.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        comment.Property(c => c.ArticleId).HasColumnName("article_id");
        comment.Property(c => c.AuthorId).HasColumnName("author_id");
        comment.Property(c => c.Body).HasColumnName("body");
        comment.Property(c => c.CreatedAt).HasColumnName("created_at");
        comment.Property(c => c.UpdatedAt).HasColumnName("updated_at");

        comment.HasOne(c => c.Article).WithMany(a => a.Comments).HasForeignKey(c => c.ArticleId).OnDelete(DeleteBehavior.Cascade);
        comment.HasOne(c => c.Author).WithMany().HasForeignKey(c => c.AuthorId).OnDelete(DeleteBehavior.Cascade);

        // Comments of an article, newest first.
        comment.HasIndex(c => new { c.ArticleId, c.CreatedAt, c.Id }).IsDescending(false, true, true).HasDatabaseName("ix_comments_article_id_created_at_id");
        comment.HasIndex(c => c.AuthorId).HasDatabaseName("ix_comments_author_id");
    }
}
