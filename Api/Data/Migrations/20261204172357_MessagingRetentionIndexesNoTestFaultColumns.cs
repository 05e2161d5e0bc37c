using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireScale.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class MessagingRetentionIndexesNoTestFaultColumns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "fault_delay_ms",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "fault_fail_attempts",
                table: "jobs");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_messages_sent_at",
                table: "outbox_messages",
                column: "sent_at",
                filter: "sent_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_inbox_messages_processed_at",
                table: "inbox_messages",
                column: "processed_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_outbox_messages_sent_at",
                table: "outbox_messages");

            migrationBuilder.DropIndex(
                name: "ix_inbox_messages_processed_at",
                table: "inbox_messages");

            migrationBuilder.AddColumn<int>(
                name: "fault_delay_ms",
                table: "jobs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "fault_fail_attempts",
                table: "jobs",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }
    }
}
