using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireScale.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class ArticleTotalsSlots : Migration
    {
        // The count moves from one row to 32 slots: a create takes the slot of its session (backend pid modulo 32), so
        // concurrent creates on different connections no longer queue on one row lock held through each commit.
        private const string Slots = """
            INSERT INTO article_totals (id, articles_count) SELECT slot, 0 FROM generate_series(0, 31) AS slot
            ON CONFLICT (id) DO NOTHING;

            CREATE OR REPLACE FUNCTION article_totals_add() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                changed int := (SELECT count(*) FROM changed_rows);
            BEGIN
                IF changed <> 0 THEN
                    UPDATE article_totals SET articles_count = articles_count + TG_ARGV[0]::int * changed
                    WHERE id = pg_backend_pid() % 32;
                END IF;
                RETURN NULL;
            END $$;

            CREATE OR REPLACE FUNCTION article_totals_reset() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE article_totals SET articles_count = 0 WHERE articles_count <> 0;
                RETURN NULL;
            END $$;
            """;

        private const string OneRow = """
            UPDATE article_totals SET articles_count = (SELECT sum(articles_count)::int FROM article_totals) WHERE id = 1;
            DELETE FROM article_totals WHERE id <> 1;

            CREATE OR REPLACE FUNCTION article_totals_add() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                changed int := (SELECT count(*) FROM changed_rows);
            BEGIN
                IF changed <> 0 THEN
                    UPDATE article_totals SET articles_count = articles_count + TG_ARGV[0]::int * changed WHERE id = 1;
                END IF;
                RETURN NULL;
            END $$;

            CREATE OR REPLACE FUNCTION article_totals_reset() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE article_totals SET articles_count = 0 WHERE id = 1;
                RETURN NULL;
            END $$;
            """;

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_article_totals_single_row",
                table: "article_totals");

            migrationBuilder.AddCheckConstraint(
                name: "ck_article_totals_slot",
                table: "article_totals",
                sql: "id >= 0 AND id < 32");

            migrationBuilder.Sql(Slots);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(OneRow);

            migrationBuilder.DropCheckConstraint(
                name: "ck_article_totals_slot",
                table: "article_totals");

            migrationBuilder.AddCheckConstraint(
                name: "ck_article_totals_single_row",
                table: "article_totals",
                sql: "id = 1");
        }
    }
}
