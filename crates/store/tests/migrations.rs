//! The two migration sets define one schema: after migrating, SQLite and PostgreSQL have the same
//! tables, columns (type family, nullability, primary key), foreign keys and indexes.
//!
//! The type spellings that differ by engine are normalised (`INTEGER`/`BIGINT` → integer,
//! `REAL`/`DOUBLE PRECISION` → real, `BLOB`/`BYTEA` → bytes); index names are not compared, only
//! what each index covers and whether it is unique.

use std::collections::BTreeSet;

use sqlx::{Executor, Row};
use test_support::TestDb;

/// One fact of a schema, in words, so a difference reads as a sentence.
type Schema = BTreeSet<String>;

fn type_family(declared: &str) -> &'static str {
    let declared = declared.to_ascii_uppercase();
    match declared.as_str() {
        "INTEGER" | "BIGINT" | "INT8" | "INT" | "SMALLINT" => "integer",
        "TEXT" | "CHARACTER VARYING" | "VARCHAR" => "text",
        "REAL" | "DOUBLE PRECISION" | "FLOAT8" => "real",
        "BLOB" | "BYTEA" => "bytes",
        _ => "unknown",
    }
}

async fn rows(conn: &mut sqlx::AnyConnection, query: &str) -> Vec<sqlx::any::AnyRow> {
    conn.fetch_all(query).await.unwrap_or_else(|error| panic!("{query}: {error}"))
}

async fn sqlite_schema(db: &store::Db) -> Schema {
    let mut conn = db.read().await.unwrap();
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx_%' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|row| row.get(0))
    .collect();
    let mut schema = Schema::new();
    for table in &tables {
        schema.insert(format!("table {table}"));
        let columns = format!("SELECT name, type, \"notnull\", pk FROM pragma_table_info('{table}')");
        for row in rows(&mut conn, &columns).await {
            let (name, declared): (String, String) = (row.get(0), row.get(1));
            // SQLite lets a primary key column hold NULL unless it says NOT NULL; PostgreSQL never does.
            let not_null = row.get::<i64, _>(2) == 1 || row.get::<i64, _>(3) > 0;
            schema.insert(format!(
                "column {table}.{name} {} {}",
                type_family(&declared),
                nullability(not_null)
            ));
            if row.get::<i64, _>(3) > 0 {
                schema.insert(format!("primary key {table}.{name}"));
            }
        }
        let keys = format!("SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list('{table}')");
        for row in rows(&mut conn, &keys).await {
            let (from, to_table, to): (String, String, Option<String>) = (row.get(0), row.get(1), row.get(2));
            schema.insert(format!(
                "foreign key {table}.{from} -> {to_table}.{}",
                to.unwrap_or_else(|| "id".into())
            ));
        }
        let indexes =
            format!("SELECT name, \"unique\" FROM pragma_index_list('{table}') WHERE origin <> 'pk'");
        for row in rows(&mut conn, &indexes).await {
            let (index, unique): (String, i64) = (row.get(0), row.get(1));
            let columns = format!("SELECT name FROM pragma_index_info('{index}') ORDER BY seqno");
            let columns: Vec<String> = rows(&mut conn, &columns)
                .await
                .iter()
                .map(|row| row.get::<Option<String>, _>(0).unwrap_or_else(|| "(expression)".into()))
                .collect();
            schema.insert(index_fact(table, unique == 1, &columns));
        }
    }
    schema
}

async fn postgres_schema(db: &store::Db) -> Schema {
    let mut conn = db.read().await.unwrap();
    let mut schema = Schema::new();
    let tables = conn.fetch_all(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE '_sqlx_%'",
    );
    for row in tables.await.unwrap() {
        schema.insert(format!("table {}", row.get::<String, _>(0)));
    }
    let columns = conn.fetch_all(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx_%'",
    );
    for row in columns.await.unwrap() {
        let (table, name, declared, nullable): (String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        schema.insert(format!(
            "column {table}.{name} {} {}",
            type_family(&declared),
            nullability(nullable == "NO")
        ));
    }
    let keys = conn.fetch_all(
        "SELECT c.conrelid::regclass::text, a.attname::text, c.confrelid::regclass::text, f.attname::text, c.contype::text \
         FROM pg_constraint c \
         JOIN pg_namespace n ON n.oid = c.connamespace AND n.nspname = 'public' \
         CROSS JOIN LATERAL unnest(c.conkey, coalesce(c.confkey, c.conkey)) AS k(attnum, fnum) \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
         LEFT JOIN pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = k.fnum \
         WHERE c.contype IN ('p', 'f') AND c.conrelid::regclass::text NOT LIKE '_sqlx_%'",
    );
    for row in keys.await.unwrap() {
        let (table, column, to_table, to, kind): (String, String, String, Option<String>, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        if kind == "p" {
            schema.insert(format!("primary key {table}.{column}"));
        } else {
            schema.insert(format!("foreign key {table}.{column} -> {to_table}.{}", to.unwrap_or_default()));
        }
    }
    let indexes = conn.fetch_all(
        "SELECT t.relname::text, i.indisunique, \
                array_to_string(array(SELECT coalesce(a.attname::text, '(expression)') \
                    FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
                    LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0 \
                    ORDER BY k.n), ',') \
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public' \
         WHERE NOT i.indisprimary AND t.relname NOT LIKE '_sqlx_%'",
    );
    for row in indexes.await.unwrap() {
        let (table, unique, columns): (String, bool, String) = (row.get(0), row.get(1), row.get(2));
        let columns: Vec<String> = columns.split(',').map(str::to_owned).collect();
        schema.insert(index_fact(&table, unique, &columns));
    }
    without_distribution_keys(schema)
}

/// On PostgreSQL a table distributed by merchant has `merchant_id` in its primary key and in its
/// foreign keys to the tables distributed with it (deploy/citus.sql, checked by tests/citus.rs);
/// on SQLite, one node, a rowid table's key is `id` alone and foreign keys point at that `id`.
/// Those facts are set aside; natural keys and unique indexes carry `merchant_id` on both engines.
fn without_distribution_keys(mut schema: Schema) -> Schema {
    let rowid_tables: Vec<String> = schema
        .iter()
        .filter_map(|fact| fact.strip_prefix("primary key ")?.strip_suffix(".id").map(str::to_owned))
        .collect();
    for table in rowid_tables {
        schema.remove(&format!("primary key {table}.merchant_id"));
    }
    schema.retain(|fact| {
        !(fact.starts_with("foreign key ")
            && fact.contains(".merchant_id -> ")
            && fact.ends_with(".merchant_id"))
    });
    schema
}

fn nullability(not_null: bool) -> &'static str {
    if not_null { "not null" } else { "null" }
}

fn index_fact(table: &str, unique: bool, columns: &[String]) -> String {
    let kind = if unique { "unique index" } else { "index" };
    format!("{kind} {table}({})", columns.join(", "))
}

/// What one schema has that the other lacks, each fact with the engine that has it.
fn differences(sqlite: &Schema, postgres: &Schema) -> Vec<String> {
    let only_sqlite = sqlite.difference(postgres).map(|fact| format!("only SQLite: {fact}"));
    let only_postgres = postgres.difference(sqlite).map(|fact| format!("only PostgreSQL: {fact}"));
    only_sqlite.chain(only_postgres).collect()
}

/// Both engines migrated: their schemas, and the SQLite database left open (with its file).
async fn migrated_schemas() -> (Schema, Schema, store::Db, TestDb) {
    let (sqlite, postgres) = (TestDb::sqlite(), TestDb::postgres().await);
    let (sqlite_db, postgres_db) = (sqlite.open().await, postgres.open().await);
    let postgres_schema = postgres_schema(&postgres_db).await;
    postgres_db.close().await;
    let sqlite_schema = sqlite_schema(&sqlite_db).await;
    (sqlite_schema, postgres_schema, sqlite_db, sqlite)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgresql_migrations_define_the_same_schema() {
    let (sqlite, postgres, db, _file) = migrated_schemas().await;
    db.close().await;
    assert!(sqlite.len() > 100, "the SQLite schema was read: {} facts", sqlite.len());
    assert!(sqlite.iter().any(|fact| fact.starts_with("foreign key")), "foreign keys were read");
    assert!(sqlite.iter().any(|fact| fact.starts_with("unique index")), "unique indexes were read");
    assert!(!sqlite.iter().any(|fact| fact.contains(" unknown ")), "every column type has a family");
    let differences = differences(&sqlite, &postgres);
    assert!(differences.is_empty(), "the migration sets differ:\n{}", differences.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_column_added_to_one_engine_only_is_a_difference() {
    let (_, postgres, db, _file) = migrated_schemas().await;
    db.pool().execute("ALTER TABLE shops ADD COLUMN motto TEXT").await.unwrap();
    db.pool().execute("CREATE INDEX shops_by_motto ON shops (motto)").await.unwrap();
    let sqlite = sqlite_schema(&db).await;
    db.close().await;
    assert_eq!(
        differences(&sqlite, &postgres),
        vec!["only SQLite: column shops.motto text null", "only SQLite: index shops(motto)"]
    );
}
