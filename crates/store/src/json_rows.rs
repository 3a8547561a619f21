//! Many rows through one value: a list of keys bound as one JSON array parameter (`json_each` on
//! SQLite, `json_array_elements_text` on PostgreSQL), and many rows read back as one JSON array.
//! Bulk reads use it where decoding every returned row through the driver costs more than the
//! database work itself. Bulk writes on PostgreSQL send their rows the same way, as one JSON array
//! of objects unpacked by `json_populate_recordset` into the table's own row type: one statement
//! text whatever the row count, nothing to re-plan, and no 65,535-parameter bound. (sqlx's `COPY`
//! needs a `PgConnection`, which the `Any` connection a transaction runs on does not expose.)
//! SQLite keeps binding many rows per statement: there that is cheaper than unpacking JSON per
//! field.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

use crate::ledger::Style;
use crate::{Conn, StoreError, StoreResult};

/// The texts of a JSON array of strings bound as parameter `number`, as a one-column `SELECT`.
pub(crate) fn texts(style: Style, number: usize) -> String {
    match style {
        Style::Positional => "SELECT value FROM json_each(?)".to_owned(),
        Style::Numbered => format!("SELECT value FROM json_array_elements_text(${number}::json)"),
    }
}

/// `SELECT` list that folds the rows of `FROM (...) AS r` into one JSON array of arrays of
/// `columns` (an empty result is `[]` on SQLite and NULL on PostgreSQL; `read` takes both).
pub(crate) fn aggregate(style: Style, columns: &str) -> String {
    match style {
        Style::Positional => format!("json_group_array(json_array({columns}))"),
        Style::Numbered => format!("CAST(json_agg(json_build_array({columns})) AS TEXT)"),
    }
}

/// PostgreSQL: the rows of the JSON array of objects bound as parameter `number`, typed as the
/// columns of `table` (keys are column names; a missing key is NULL), to select from.
pub(crate) fn records(table: &str, number: usize) -> String {
    format!("json_populate_recordset(NULL::{table}, ${number}::json)")
}

/// The JSON text of `rows`, to bind as one parameter.
pub(crate) fn bind_value<T: Serialize>(rows: &[T]) -> StoreResult<String> {
    serde_json::to_string(rows).map_err(|e| StoreError::Sql(sqlx::Error::Encode(Box::new(e))))
}

/// Runs a query answering one row of one `aggregate` column and parses it into rows.
pub(crate) async fn read<'q, T: DeserializeOwned>(
    conn: &mut Conn,
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
) -> StoreResult<Vec<T>> {
    let row = query.fetch_one(&mut *conn).await?;
    let json: Option<String> = row.try_get(0)?;
    match json {
        None => Ok(Vec::new()),
        Some(json) => {
            serde_json::from_str(&json).map_err(|e| StoreError::Sql(sqlx::Error::Decode(Box::new(e))))
        }
    }
}

/// Deserializes a status text into its domain enum (`#[serde(deserialize_with = ...)]` on a row
/// read back from a JSON array), the JSON twin of `#[sqlx(try_from = "String")]`.
pub(crate) fn parsed<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<String, Error = domain::UnknownText>,
{
    let text = <String as serde::Deserialize>::deserialize(deserializer)?;
    T::try_from(text).map_err(serde::de::Error::custom)
}
