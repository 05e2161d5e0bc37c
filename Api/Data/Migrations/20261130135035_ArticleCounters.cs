using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireScale.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class ArticleCounters : Migration
    {
        // TG_ARGV[0] is +1 for inserts and -1 for deletes. A statement that changes no row (a repeated favorite's
        // ON CONFLICT DO NOTHING) updates nothing, so it takes no lock on the totals row.
        private const string Triggers = """
            CREATE FUNCTION article_totals_add() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                changed int := (SELECT count(*) FROM changed_rows);
            BEGIN
                IF changed <> 0 THEN
                    UPDATE article_totals SET articles_count = articles_count + TG_ARGV[0]::int * changed WHERE id = 1;
                END IF;
                RETURN NULL;
            END $$;

            CREATE FUNCTION article_totals_reset() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE article_totals SET articles_count = 0 WHERE id = 1;
                RETURN NULL;
            END $$;

            CREATE TRIGGER articles_count_on_insert AFTER INSERT ON articles REFERENCING NEW TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION article_totals_add('1');
            CREATE TRIGGER articles_count_on_delete AFTER DELETE ON articles REFERENCING OLD TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION article_totals_add('-1');
            CREATE TRIGGER articles_count_on_truncate AFTER TRUNCATE ON articles
                FOR EACH STATEMENT EXECUTE FUNCTION article_totals_reset();

            CREATE FUNCTION articles_favorites_count_add() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE articles AS a SET favorites_count = a.favorites_count + TG_ARGV[0]::int * c.n
                FROM (SELECT article_id, count(*)::int AS n FROM changed_rows GROUP BY article_id) AS c
                WHERE a.id = c.article_id;
                RETURN NULL;
            END $$;

            CREATE FUNCTION articles_favorites_count_reset() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE articles SET favorites_count = 0 WHERE favorites_count <> 0;
                RETURN NULL;
            END $$;

            CREATE TRIGGER favorites_count_on_insert AFTER INSERT ON favorites REFERENCING NEW TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION articles_favorites_count_add('1');
            CREATE TRIGGER favorites_count_on_delete AFTER DELETE ON favorites REFERENCING OLD TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION articles_favorites_count_add('-1');
            CREATE TRIGGER favorites_count_on_truncate AFTER TRUNCATE ON favorites
                FOR EACH STATEMENT EXECUTE FUNCTION articles_favorites_count_reset();
            """;

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "favorites_count",
                table: "articles",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "article_totals",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    articles_count = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_article_totals", x => x.id);
                    table.CheckConstraint("ck_article_totals_single_row", "id = 1");
                });

            // Counts kept exact in the writing transaction by statement-level triggers over the changed rows (transition
            // tables): one UPDATE per statement, however many rows it inserts or deletes (the seed inserts thousands).
            migrationBuilder.Sql(Triggers);
            migrationBuilder.Sql("""
                UPDATE articles AS a SET favorites_count = f.n
                FROM (SELECT article_id, count(*)::int AS n FROM favorites GROUP BY article_id) AS f
                WHERE a.id = f.article_id;
                INSERT INTO article_totals (id, articles_count) SELECT 1, count(*)::int FROM articles;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER articles_count_on_insert ON articles;
                DROP TRIGGER articles_count_on_delete ON articles;
                DROP TRIGGER articles_count_on_truncate ON articles;
                DROP TRIGGER favorites_count_on_insert ON favorites;
                DROP TRIGGER favorites_count_on_delete ON favorites;
                DROP TRIGGER favorites_count_on_truncate ON favorites;
                DROP FUNCTION article_totals_add();
                DROP FUNCTION article_totals_reset();
                DROP FUNCTION articles_favorites_count_add();
                DROP FUNCTION articles_favorites_count_reset();
                """);

            migrationBuilder.DropTable(
                name: "article_totals");

            migrationBuilder.DropColumn(
                name: "favorites_count",
                table: "articles");
        }
    }
}
