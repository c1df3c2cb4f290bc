use thiserror::Error;

/// What went wrong in storage, in words an operator can act on. Database error text is
/// kept out of `Display` where it could quote stored values; it goes to the log only
/// through `detail()`, at the call site's discretion.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("the database URL must start with sqlite: or postgres://")]
    UnsupportedUrl,
    #[error(
        "cannot reach the database ({reason}); check that it is running and that the URL, user and password are right"
    )]
    Unreachable { reason: String },
    #[error(
        "the database was last migrated by a newer version of Awladna (it has migration {version}, which this binary does not know); run the newer binary, or restore a backup made for this one"
    )]
    SchemaNewer { version: i64 },
    #[error("a migration failed and was rolled back, leaving the database as it was: {0}")]
    Migration(String),
    #[error("this code or name is already taken")]
    Duplicate,
    #[error("it refers to something that does not exist")]
    UnknownReference,
    #[error("a change was about to be saved without its audit entry, so it was not saved")]
    Unaudited,
    #[error("the audit log's sealed head cannot be extended ({0}); run `awladna audit verify`")]
    AuditHead(awladna_crypto::HeadMismatch),
    #[error("stored data is damaged: {0}")]
    Corrupt(&'static str),
    #[error("the database refused the operation")]
    Query(#[from] sqlx::Error),
}

impl StoreError {
    pub(crate) fn unreachable(e: sqlx::Error) -> StoreError {
        // Connection errors carry no stored data, only why the socket or file failed.
        let reason = match &e {
            sqlx::Error::Io(io) => io.to_string(),
            sqlx::Error::PoolTimedOut => "no connection within 10 seconds".to_owned(),
            sqlx::Error::PoolClosed => "the connection pool is closed".to_owned(),
            sqlx::Error::Database(db) => db.message().to_owned(),
            sqlx::Error::Configuration(c) => c.to_string(),
            other => other.to_string(),
        };
        StoreError::Unreachable { reason }
    }

    /// The underlying database error, for the log (never for a user).
    pub fn detail(&self) -> String {
        match self {
            StoreError::Query(e) => e.to_string(),
            other => other.to_string(),
        }
    }
}
