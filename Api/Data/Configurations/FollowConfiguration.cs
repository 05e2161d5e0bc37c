using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AspireScale.Api.Data.Configurations;

internal sealed class FollowConfiguration : IEntityTypeConfiguration<Follow>
{
    public void Configure(EntityTypeBuilder<Follow> follow)
    {
        follow.ToTable("follows");
        // The key serves "whom does X follow" (feed, following flags); the second index serves "who follows X".
        follow.HasKey(f => new { f.FollowerId, f.FolloweeId });
        follow.Property(f => f.FollowerId).HasColumnName("follower_id");
        follow.Property(f => f.FolloweeId).HasColumnName("followee_id");

        follow.HasOne(f => f.Follower).WithMany(u => u.Following).HasForeignKey(f => f.FollowerId).OnDelete(DeleteBehavior.Cascade);
        follow.HasOne(f => f.Followee).WithMany(u => u.Followers).HasForeignKey(f => f.FolloweeId).OnDelete(DeleteBehavior.Cascade);

        follow.HasIndex(f => f.FolloweeId).HasDatabaseName("ix_follows_followee_id");
    }
}
