//! Multi-row inserts: the demo generator and imports write millions of rows, one
//! statement per few hundred rows, inside the caller's transaction. Outside the store,
//! rows are written as the typed rows of [`rows`]: the column lists live here only.

use sqlx::{Any, AnyConnection, Transaction};

mod rows;

pub use rows::{
    BulkAssignment, BulkBatch, BulkCard, BulkCase, BulkChild, BulkMove, BulkPlanAction,
    BulkReferral, BulkStep, BulkWriter, CaseSequence,
};

/// A value to bind. Only the portable types that both backends store alike.
///
/// A NULL has a type too: PostgreSQL fixes a statement's parameter types when it first
/// prepares it, and each chunk of rows reuses that statement, so a NULL sent as an
/// integer where a later chunk sends text was refused ("incorrect binary data format").
#[derive(Debug, Clone)]
pub(crate) enum Cell {
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
    NullInt,
    NullText,
    NullBlob,
}

/// The NULL of a column's type, for an absent value.
pub(crate) trait Nullable: Into<Cell> {
    const NULL: Cell;
}

impl Nullable for i64 {
    const NULL: Cell = Cell::NullInt;
}

impl Nullable for String {
    const NULL: Cell = Cell::NullText;
}

impl Nullable for &str {
    const NULL: Cell = Cell::NullText;
}

impl Nullable for Vec<u8> {
    const NULL: Cell = Cell::NullBlob;
}

impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}

impl From<String> for Cell {
    fn from(v: String) -> Self {
        Cell::Text(v)
    }
}

impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Text(v.to_owned())
    }
}

impl From<Vec<u8>> for Cell {
    fn from(v: Vec<u8>) -> Self {
        Cell::Blob(v)
    }
}

impl<T: Nullable> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(T::NULL, Into::into)
    }
}

// SQLite looks each `$n` placeholder up by name, so a statement's cost grows with the
// square of its placeholders: measured, a few hundred per statement is fastest.
const MAX_BINDS: usize = 1_000;

/// Inserts `rows` into `table`. Table and column names come from code, never from input.
pub(crate) async fn insert(
    tx: &mut Transaction<'_, Any>,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Cell>],
    conflict_clause: &str,
) -> Result<(), sqlx::Error> {
    insert_on(tx, table, columns, rows, conflict_clause).await
}

/// `insert` on a connection (a transaction's, or the pool's).
pub(crate) async fn insert_on(
    conn: &mut AnyConnection,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Cell>],
    conflict_clause: &str,
) -> Result<(), sqlx::Error> {
    let per_statement = (MAX_BINDS / columns.len().max(1)).max(1);
    for chunk in rows.chunks(per_statement) {
        let sql = insert_sql(table, columns, chunk.len(), conflict_clause);
        let mut query = sqlx::query(&sql);
        for cell in chunk.iter().flatten() {
            query = match cell {
                Cell::Int(v) => query.bind(*v),
                Cell::Text(v) => query.bind(v.as_str()),
                Cell::Blob(v) => query.bind(v.as_slice()),
                Cell::NullInt => query.bind(None::<i64>),
                Cell::NullText => query.bind(None::<&str>),
                Cell::NullBlob => query.bind(None::<&[u8]>),
            };
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

fn insert_sql(table: &str, columns: &[&str], rows: usize, conflict_clause: &str) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 0;
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns.len() {
            if column > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push_str(&format!("${n}"));
        }
        sql.push(')');
    }
    if !conflict_clause.is_empty() {
        sql.push(' ');
        sql.push_str(conflict_clause);
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::Cell;

    #[test]
    fn an_absent_value_is_a_null_of_its_type() {
        assert!(matches!(Cell::from(None::<&str>), Cell::NullText));
        assert!(matches!(Cell::from(None::<String>), Cell::NullText));
        assert!(matches!(Cell::from(None::<i64>), Cell::NullInt));
        assert!(matches!(Cell::from(None::<Vec<u8>>), Cell::NullBlob));
        assert!(matches!(Cell::from(Some(3)), Cell::Int(3)));
    }

    #[test]
    fn numbers_placeholders_across_rows() {
        assert_eq!(
            super::insert_sql("t", &["a", "b"], 2, ""),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }
}
