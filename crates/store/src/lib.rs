//! Awladna's storage. One code path serves SQLite (the embedded default) and
//! PostgreSQL through sqlx's `Any` driver: queries are written once with `$n`
//! placeholders and portable types (BIGINT, TEXT, BLOB/BYTEA); only the migrations
//! differ per backend. See the README's architecture section for why.

pub mod accounts;
mod assignment;
pub mod audit;
pub mod bulk;
pub mod cards;
pub mod cases;
pub mod committee;
pub mod contributions;
pub mod devices;
pub mod directory;
pub mod documents;
mod error;
pub mod events;
mod facts;
pub mod grants;
pub mod identity;
pub mod keys;
pub mod maintenance;
pub mod name_search;
pub mod periodic_reports;
pub mod plan;
// Issue 14 §3–4: the diagnosis and the action plan.
pub mod planning;
mod reference;
pub mod referrals;
pub mod register;
pub mod retention;
pub mod sealer;
pub mod stats;
mod tally;
// Issue 15.
pub mod library;
pub mod rollout;
pub mod training;
// journeys2 (issue 18)
pub mod approvals;
pub mod flags;
pub mod merges;
pub mod transfers;
// Offline field work (issue 16 §3).
pub mod field;
// Issue 15 §4 / 19 §1: services and delays against the protocol.
pub mod protocol_stats;
// Issue 17 §1: the Observatory's records and its status outbox.
pub mod observatory;
// Issue 19 §3: the data-quality page.
pub mod public_stats;
pub mod quality;

pub use error::StoreError;
pub use reference::ReferenceCounts;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{AnyPool, ConnectOptions, Executor};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// Where the schema of a database stands against this binary's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaStatus {
    pub applied: Option<i64>,
    pub latest: i64,
    pub pending: usize,
}

#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Kept for the connection that listens to notifications (PostgreSQL only).
    url: std::sync::Arc<str>,
}

impl Store {
    /// Opens a pool and checks that the database answers. Does not migrate.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let mut options =
            AnyConnectOptions::from_str(url).map_err(|_| StoreError::UnsupportedUrl)?;
        // SQL text is never logged: it could one day carry a value a user typed.
        options = options.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers work while one writer writes; foreign keys are
                        // off by default in SQLite; a busy writer is waited for, not failed.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;").await?;
                        // 32 MB of pages per connection (the default is 2 MB): a case list
                        // that looks up a few thousand cases by id read the same pages from
                        // the file again and again (median 74 ms against 25 ms with it, at
                        // 1,000,000 children; see BENCHMARKS.md).
                        conn.execute("PRAGMA cache_size = -32768;").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(StoreError::unreachable)?;
        Ok(Store {
            pool,
            backend,
            url: url.into(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The pool itself, for tests that set up or inspect what no use case writes or
    /// reads. Only with the `testing` feature, which only the tests enable: the
    /// application goes through the store's methods.
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    pub fn pool_for_tests(&self) -> &AnyPool {
        &self.pool
    }

    /// Answers whether the database is reachable right now (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(StoreError::unreachable)?;
        Ok(())
    }

    /// Applies the pending migrations, each in its own transaction. A database that
    /// holds a migration this binary does not know is refused: it was written by a
    /// newer version of Awladna and this one must not touch it.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.refuse_newer_schema().await?;
        self.backend
            .migrator()
            .run(&self.pool)
            .await
            .map_err(|e| match e {
                MigrateError::VersionMissing(version) => StoreError::SchemaNewer { version },
                other => StoreError::Migration(other.to_string()),
            })
    }

    pub async fn schema_status(&self) -> Result<SchemaStatus, StoreError> {
        let migrator = self.backend.migrator();
        let latest = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        let applied = self.applied_versions().await?;
        let pending = migrator
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .count();
        Ok(SchemaStatus {
            applied: applied.iter().copied().max(),
            latest,
            pending,
        })
    }

    /// Fails if the database was migrated by a newer binary (see `migrate`).
    pub async fn migrate_check(&self) -> Result<(), StoreError> {
        self.refuse_newer_schema().await
    }

    async fn refuse_newer_schema(&self) -> Result<(), StoreError> {
        let known: Vec<i64> = self.backend.migrator().iter().map(|m| m.version).collect();
        match self
            .applied_versions()
            .await?
            .into_iter()
            .find(|v| !known.contains(v))
        {
            Some(version) => Err(StoreError::SchemaNewer { version }),
            None => Ok(()),
        }
    }

    async fn applied_versions(&self) -> Result<Vec<i64>, StoreError> {
        // A fresh database has no migration table yet: nothing is applied.
        let exists = match self.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
            }
        };
        let count: i64 = sqlx::query_scalar(exists).fetch_one(&self.pool).await?;
        if count == 0 {
            return Ok(Vec::new());
        }
        let versions = sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(versions)
    }

    /// Waits for in-flight queries and closes every connection (at shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
