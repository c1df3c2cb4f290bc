//! Notifications that reach every server process: on PostgreSQL, NOTIFY sent inside the
//! writing transaction (delivered at commit, never for a rolled-back change) and LISTEN
//! on a dedicated connection; SQLite has one process, which publishes in memory.

use crate::audit::Tx;
use crate::{Backend, Store, StoreError};

/// The channel the server processes listen on.
const CHANNEL: &str = "awladna_events";

impl Tx<'_> {
    /// Sends `payload` to every listening process once this transaction commits
    /// (PostgreSQL); nothing on SQLite, where the caller publishes after commit.
    pub async fn notify(&mut self, payload: &str) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(payload)
                .execute(&mut *self.inner)
                .await?;
        }
        Ok(())
    }
}

impl Store {
    /// A connection listening to the notifications of every process (PostgreSQL only:
    /// `None` on SQLite).
    pub async fn event_listener(&self) -> Result<Option<sqlx::postgres::PgListener>, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let mut listener = sqlx::postgres::PgListener::connect(&self.url)
            .await
            .map_err(StoreError::unreachable)?;
        listener.listen(CHANNEL).await?;
        Ok(Some(listener))
    }
}
