//! What happens to referrals, pushed to the users of the organisations concerned while
//! they have a page open (server-sent events). Every server process hears every event:
//! through PostgreSQL's NOTIFY when several processes share a database, in memory on
//! SQLite (one process).

pub use awladna_core::referrals::Event;
use awladna_store::{Backend, Store};
use std::time::Duration;
use tokio::sync::broadcast;

/// The process's fan-out of events to its open event streams.
pub struct EventBus {
    sender: broadcast::Sender<Event>,
    backend: Backend,
}

impl EventBus {
    pub fn new(backend: Backend) -> EventBus {
        // A slow page that falls this far behind skips events and reloads its counts.
        let (sender, _) = broadcast::channel(1024);
        EventBus { sender, backend }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }

    /// After the change is committed: on SQLite this process is the only one and hands
    /// the event to its streams; on PostgreSQL the NOTIFY sent in the transaction
    /// reaches every process's listener, this one included.
    pub fn committed(&self, event: Event) {
        if self.backend == Backend::Sqlite {
            // No open stream is not an error.
            let _ = self.sender.send(event);
        }
    }

    /// Listens to the database's notifications and hands them to this process's
    /// streams, reconnecting after a lost connection (PostgreSQL; returns at once on
    /// SQLite). Runs until the process ends.
    pub async fn relay(&self, store: Store) {
        loop {
            let mut listener = match store.event_listener().await {
                Ok(Some(listener)) => listener,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e.detail(), "cannot listen to events; retrying");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
            };
            loop {
                match listener.recv().await {
                    Ok(notification) => {
                        match serde_json::from_str::<Event>(notification.payload()) {
                            Ok(event) => {
                                let _ = self.sender.send(event);
                            }
                            Err(e) => tracing::warn!(error = %e, "an event could not be read"),
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the event connection was lost; reconnecting");
                        break;
                    }
                }
            }
        }
    }
}
