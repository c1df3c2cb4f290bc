//! The SQLite side of a backup: a consistent copy of a live database, and what a copy
//! holds. `VACUUM INTO` reads the database in one read transaction, so the copy is the
//! database as of one instant, WAL included, while the server keeps writing (in WAL mode a
//! reader neither waits for nor blocks the writer).

use anyhow::{Context, anyhow, bail};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// What a database file holds, read from the file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    pub schema_version: i64,
    pub tables: BTreeMap<String, u64>,
}

/// Writes a consistent copy of the live database `source` to the new file `copy`.
pub async fn snapshot(source: &Path, copy: &Path) -> anyhow::Result<()> {
    let options = SqliteConnectOptions::new()
        .filename(source)
        .busy_timeout(Duration::from_secs(30))
        .disable_statement_logging();
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .with_context(|| format!("cannot open the database {}", source.display()))?;
    let target = copy
        .to_str()
        .ok_or_else(|| anyhow!("the backup's path must be valid UTF-8"))?;
    sqlx::query("VACUUM INTO ?1")
        .bind(target)
        .execute(&mut conn)
        .await
        .with_context(|| format!("cannot copy the database {}", source.display()))?;
    conn.close().await?;
    Ok(())
}

/// Makes a fresh copy self-contained (no WAL: one file) and reads what it holds.
pub async fn seal_copy(copy: &Path) -> anyhow::Result<Contents> {
    let options = SqliteConnectOptions::new()
        .filename(copy)
        .disable_statement_logging();
    let mut conn = SqliteConnection::connect_with(&options).await?;
    sqlx::query("PRAGMA journal_mode = DELETE")
        .execute(&mut conn)
        .await?;
    let contents = read_contents(&mut conn, copy).await;
    conn.close().await?;
    contents
}

/// Reads what a database file unpacked from a backup holds, without changing it.
pub async fn inspect(file: &Path) -> anyhow::Result<Contents> {
    let options = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .immutable(true)
        .disable_statement_logging();
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| anyhow!("the database in the backup cannot be opened: {e}"))?;
    let contents = read_contents(&mut conn, file).await;
    conn.close().await?;
    contents
}

/// SQLite's own full check, then the schema version and the rows of every table.
async fn read_contents(conn: &mut SqliteConnection, file: &Path) -> anyhow::Result<Contents> {
    let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| anyhow!("the database in the backup cannot be read: {e}"))?;
    if problems != ["ok"] {
        let first: Vec<&str> = problems.iter().take(3).map(String::as_str).collect();
        bail!(
            "the database in the backup is damaged (SQLite's integrity check: {}); use another backup",
            first.join("; ")
        );
    }
    let schema_version: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut *conn)
            .await
            .map_err(|_| {
                anyhow!(
                    "{} is not an Awladna database (it has no migration table)",
                    file.display()
                )
            })?;
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tables = BTreeMap::new();
    for name in names {
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM \"{}\"",
            name.replace('"', "\"\"")
        ))
        .fetch_one(&mut *conn)
        .await?;
        tables.insert(name, u64::try_from(count).unwrap_or_default());
    }
    Ok(Contents {
        schema_version: schema_version.unwrap_or_default(),
        tables,
    })
}
