//! The schema is ready to distribute by merchant: `deploy/citus.sql` names every table of the
//! migrated PostgreSQL schema once, as distributed, reference or local, and the catalog holds to
//! what Citus needs of each kind. A distributed table has a NOT NULL `merchant_id` in its primary
//! key and in every unique index, and its foreign keys to other distributed tables pair
//! `merchant_id` with `merchant_id` (so both rows sit on one node), with the parent distributed
//! first. No table points at a local table, and a reference table points only at reference tables.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{Executor, Row};
use test_support::TestDb;

/// The three kinds of table in Citus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Distributed,
    Reference,
    Local,
}

/// What `deploy/citus.sql` says: each table's kind, in the file's order.
type Plan = Vec<(String, Kind)>;

fn read_plan(sql: &str) -> Plan {
    let calls = [
        ("create_distributed_table('", Kind::Distributed),
        ("create_reference_table('", Kind::Reference),
        ("citus_add_local_table_to_metadata('", Kind::Local),
    ];
    let mut plan = Plan::new();
    for line in sql.lines().filter(|line| line.starts_with("SELECT ")) {
        let (table, kind) = calls
            .iter()
            .find_map(|(call, kind)| {
                let rest = line.split_once(call)?.1;
                Some((rest.split_once('\'')?.0.to_owned(), *kind))
            })
            .unwrap_or_else(|| panic!("deploy/citus.sql: a statement this test does not read: {line}"));
        assert!(kind_of(&plan, &table).is_none(), "deploy/citus.sql names {table} twice");
        if kind == Kind::Distributed {
            assert!(line.contains(", 'merchant_id'"), "{table} is distributed by merchant_id: {line}");
        }
        plan.push((table, kind));
    }
    plan
}

fn kind_of(plan: &Plan, table: &str) -> Option<Kind> {
    plan.iter().find(|(t, _)| t == table).map(|(_, kind)| *kind)
}

/// A foreign key: its columns paired with the parent's, in key order.
#[derive(Debug, Clone)]
struct ForeignKey {
    table: String,
    parent: String,
    pairs: Vec<(String, String)>,
}

/// What the test reads of the migrated catalog.
#[derive(Debug, Default)]
struct Catalog {
    tables: BTreeSet<String>,
    /// Tables with a NOT NULL merchant_id.
    with_merchant: BTreeSet<String>,
    primary_keys: BTreeMap<String, Vec<String>>,
    /// Each unique index (not the primary key): its table and columns.
    uniques: Vec<(String, String, Vec<String>)>,
    foreign_keys: Vec<ForeignKey>,
}

async fn read_catalog(db: &store::Db) -> Catalog {
    let mut conn = db.read().await.unwrap();
    let mut catalog = Catalog::default();
    let tables = conn.fetch_all(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE '_sqlx_%'",
    );
    catalog.tables = tables.await.unwrap().iter().map(|row| row.get(0)).collect();
    let merchant = conn.fetch_all(
        "SELECT table_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND column_name = 'merchant_id' AND is_nullable = 'NO'",
    );
    catalog.with_merchant = merchant.await.unwrap().iter().map(|row| row.get(0)).collect();
    let indexes = conn.fetch_all(
        "SELECT t.relname::text, c.relname::text, i.indisprimary, \
                array_to_string(array(SELECT coalesce(a.attname::text, '(expression)') \
                    FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
                    LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0 \
                    ORDER BY k.n), ',') \
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public' \
         WHERE i.indisunique AND t.relname NOT LIKE '_sqlx_%'",
    );
    for row in indexes.await.unwrap() {
        let (table, index, primary, columns): (String, String, bool, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let columns: Vec<String> = columns.split(',').map(str::to_owned).collect();
        if primary {
            catalog.primary_keys.insert(table, columns);
        } else {
            catalog.uniques.push((table, index, columns));
        }
    }
    let keys = conn.fetch_all(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text, \
                array_to_string(array(SELECT a.attname::text || '=' || f.attname::text \
                    FROM unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(attnum, fnum, n) \
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
                    JOIN pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = k.fnum \
                    ORDER BY k.n), ',') \
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace AND n.nspname = 'public' \
         WHERE c.contype = 'f'",
    );
    for row in keys.await.unwrap() {
        let (table, parent, pairs): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        let pairs = pairs
            .split(',')
            .map(|pair| pair.split_once('=').map(|(a, b)| (a.to_owned(), b.to_owned())).unwrap())
            .collect();
        catalog.foreign_keys.push(ForeignKey { table, parent, pairs });
    }
    catalog
}

/// Every way the catalog and the plan fall short of a distributable schema, one sentence each.
fn violations(catalog: &Catalog, plan: &Plan) -> Vec<String> {
    let mut found = Vec::new();
    for table in &catalog.tables {
        if kind_of(plan, table).is_none() {
            found.push(format!("{table}: not in deploy/citus.sql"));
        }
    }
    for (table, kind) in plan {
        if !catalog.tables.contains(table) {
            found.push(format!("{table}: in deploy/citus.sql but not in the schema"));
        }
        if *kind != Kind::Distributed {
            continue;
        }
        if !catalog.with_merchant.contains(table) {
            found.push(format!("{table}: distributed without a NOT NULL merchant_id"));
        }
        match catalog.primary_keys.get(table) {
            None => found.push(format!("{table}: distributed without a primary key")),
            Some(key) if !key.iter().any(|c| c == "merchant_id") => {
                found.push(format!("{table}: primary key ({}) lacks merchant_id", key.join(", ")))
            }
            Some(_) => {}
        }
    }
    for (table, index, columns) in &catalog.uniques {
        if kind_of(plan, table) == Some(Kind::Distributed) && !columns.iter().any(|c| c == "merchant_id") {
            found.push(format!("{table}: unique index {index} ({}) lacks merchant_id", columns.join(", ")));
        }
    }
    let position = |table: &str| plan.iter().position(|(t, _)| t == table);
    for key in &catalog.foreign_keys {
        let (Some(from), Some(to)) = (kind_of(plan, &key.table), kind_of(plan, &key.parent)) else {
            continue;
        };
        let (table, parent) = (&key.table, &key.parent);
        match (from, to) {
            (_, Kind::Local) if from != Kind::Local => {
                found.push(format!("{table}: points at {parent}, a local table"))
            }
            (Kind::Reference | Kind::Local, Kind::Distributed) => {
                found.push(format!("{table}: points at {parent}, a distributed table"))
            }
            (Kind::Distributed, Kind::Distributed) => {
                let paired = key.pairs.iter().any(|(a, b)| a == "merchant_id" && b == "merchant_id");
                if !paired {
                    let columns: Vec<&str> = key.pairs.iter().map(|(a, _)| a.as_str()).collect();
                    found.push(format!(
                        "{table}: foreign key ({}) to {parent} lacks merchant_id",
                        columns.join(", ")
                    ));
                }
                if position(parent) > position(table) {
                    found.push(format!("{table}: distributed before {parent}, which it points at"));
                }
            }
            _ => {}
        }
    }
    found
}

fn plan() -> Plan {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/citus.sql");
    read_plan(&std::fs::read_to_string(path).expect("deploy/citus.sql"))
}

async fn migrated_postgres() -> (store::Db, TestDb) {
    let postgres = TestDb::postgres().await;
    (postgres.open().await, postgres)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_table_is_ready_to_distribute_by_merchant() {
    let (db, _postgres) = migrated_postgres().await;
    let catalog = read_catalog(&db).await;
    db.close().await;
    let plan = plan();
    let distributed = plan.iter().filter(|(_, kind)| *kind == Kind::Distributed).count();
    assert!(distributed >= 45, "the tenant tables are distributed: {distributed}");
    assert!(catalog.foreign_keys.len() >= 30, "foreign keys were read: {}", catalog.foreign_keys.len());
    assert!(catalog.uniques.len() >= 10, "unique indexes were read: {}", catalog.uniques.len());
    let violations = violations(&catalog, &plan);
    assert!(violations.is_empty(), "the schema is not ready for Citus:\n{}", violations.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_added_without_merchant_id_in_its_keys_is_refused() {
    let (db, _postgres) = migrated_postgres().await;
    db.pool()
        .execute(
            "CREATE TABLE coupons (id BIGINT PRIMARY KEY, merchant_id BIGINT NOT NULL, \
             shop_id BIGINT NOT NULL, code TEXT NOT NULL UNIQUE, \
             FOREIGN KEY (shop_id, merchant_id) REFERENCES shops (id, merchant_id)); \
             CREATE TABLE coupon_uses (coupon_id BIGINT NOT NULL REFERENCES coupons (id), \
             order_id BIGINT NOT NULL, PRIMARY KEY (coupon_id, order_id))",
        )
        .await
        .unwrap();
    let catalog = read_catalog(&db).await;
    db.close().await;

    // Not named in deploy/citus.sql: refused as unplanned.
    assert_eq!(
        violations(&catalog, &plan()),
        vec!["coupon_uses: not in deploy/citus.sql", "coupons: not in deploy/citus.sql"]
    );

    // Distributed: each key without merchant_id is named.
    let mut planned = plan();
    planned.push(("coupons".into(), Kind::Distributed));
    planned.push(("coupon_uses".into(), Kind::Distributed));
    let mut found = violations(&catalog, &planned);
    found.sort();
    assert_eq!(
        found,
        vec![
            "coupon_uses: distributed without a NOT NULL merchant_id",
            "coupon_uses: foreign key (coupon_id) to coupons lacks merchant_id",
            "coupon_uses: primary key (coupon_id, order_id) lacks merchant_id",
            "coupons: primary key (id) lacks merchant_id",
            "coupons: unique index coupons_code_key (code) lacks merchant_id",
        ]
    );

    // A reference table may not point at a distributed one.
    let mut planned = plan();
    planned.push(("coupons".into(), Kind::Reference));
    planned.push(("coupon_uses".into(), Kind::Local));
    let mut found = violations(&catalog, &planned);
    found.sort();
    assert_eq!(found, vec!["coupons: points at shops, a distributed table"]);
}

#[test]
fn the_plan_names_a_table_once() {
    let twice =
        "SELECT create_reference_table('users');\nSELECT citus_add_local_table_to_metadata('users');\n";
    let read = std::panic::catch_unwind(|| read_plan(twice));
    assert!(read.is_err(), "a table named twice is refused");
    let plan = read_plan("SELECT create_distributed_table('shops', 'merchant_id');\n");
    assert_eq!(plan, vec![("shops".to_owned(), Kind::Distributed)]);
}
