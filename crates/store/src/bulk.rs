//! Multi-row inserts: the demo generator and imports write millions of rows, one
//! statement per few hundred rows, inside the caller's transaction.

use sqlx::{Any, Transaction};

/// A value to bind. Only the portable types that both backends store alike.
#[derive(Debug, Clone)]
pub enum Cell {
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
    /// A missing value, typed: PostgreSQL refuses a NULL bound as BIGINT for a TEXT
    /// column once the statement has been prepared with other rows.
    Null(NullOf),
}

#[derive(Debug, Clone, Copy)]
pub enum NullOf {
    Int,
    Text,
    Blob,
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

impl From<Option<i64>> for Cell {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Cell::Null(NullOf::Int), Cell::Int)
    }
}

impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Self {
        v.map_or(Cell::Null(NullOf::Text), Cell::Text)
    }
}

impl From<Option<&str>> for Cell {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Cell::Null(NullOf::Text), Cell::from)
    }
}

impl From<Option<Vec<u8>>> for Cell {
    fn from(v: Option<Vec<u8>>) -> Self {
        v.map_or(Cell::Null(NullOf::Blob), Cell::Blob)
    }
}

// SQLite looks each `$n` placeholder up by name, so a statement's cost grows with the
// square of its placeholders: measured, a few hundred per statement is fastest.
const MAX_BINDS: usize = 1_000;

/// Inserts `rows` into `table`. Table and column names come from code, never from input.
pub async fn insert(
    tx: &mut Transaction<'_, Any>,
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
                Cell::Null(NullOf::Int) => query.bind(None::<i64>),
                Cell::Null(NullOf::Text) => query.bind(None::<String>),
                Cell::Null(NullOf::Blob) => query.bind(None::<Vec<u8>>),
            };
        }
        query.execute(&mut **tx).await?;
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
    #[test]
    fn numbers_placeholders_across_rows() {
        assert_eq!(
            super::insert_sql("t", &["a", "b"], 2, ""),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }
}
