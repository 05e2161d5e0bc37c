using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AspireScale.Api.Data.Configurations;

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> user)
    {
        user.ToTable("users");
        user.HasKey(u => u.Id);
        user.Property(u => u.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        user.Property(u => u.Username).HasColumnName("username").HasMaxLength(Limits.Username);
        user.Property(u => u.Email).HasColumnName("email").HasMaxLength(Limits.Email);
        user.Property(u => u.PasswordHash).HasColumnName("password_hash");
        user.Property(u => u.Bio).HasColumnName("bio").HasMaxLength(Limits.Bio);
        user.Property(u => u.Image).HasColumnName("image").HasMaxLength(Limits.Image);

        // Constraint names are matched by the handlers that turn a unique violation into 409/422.
        user.HasIndex(u => u.Username).IsUnique().HasDatabaseName(ConstraintNames.UsersUsername);
        user.HasIndex(u => u.Email).IsUnique().HasDatabaseName(ConstraintNames.UsersEmail);
    }
}
