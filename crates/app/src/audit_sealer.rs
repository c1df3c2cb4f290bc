//! The server's audit sealer: every second it chains the entries that committed
//! transactions left waiting (see `awladna_store::sealer`), and, when asked to, appends the
//! sealed head to a file outside the database for the operator to ship elsewhere.

use awladna_crypto::{Keyring, StoredHead};
use awladna_domain::Clock;
use awladna_store::sealer::{ExpectedHead, hex};
use awladna_store::{Store, StoreError};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

const EVERY: Duration = Duration::from_secs(1);
/// The head file gets a line at most this often (and at stop), not one per second.
const HEAD_FILE_EVERY: Duration = Duration::from_secs(60);

pub struct Sealer {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

struct Context {
    store: Store,
    keyring: Arc<Keyring>,
    clock: Arc<dyn Clock>,
    head_file: Option<PathBuf>,
}

impl Sealer {
    /// Seals once now (so that a forged head is reported before the first request), then
    /// every second until [`Sealer::stop`].
    pub async fn start(
        store: Store,
        keyring: Arc<Keyring>,
        clock: Arc<dyn Clock>,
        head_file: Option<PathBuf>,
    ) -> Sealer {
        let context = Context {
            store,
            keyring,
            clock,
            head_file,
        };
        let mut state = State::default();
        context.round(&mut state, false).await;
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep(EVERY) => context.round(&mut state, false).await,
                    _ = stopped.changed() => {
                        context.round(&mut state, true).await;
                        return;
                    }
                }
            }
        });
        Sealer { stop, task }
    }

    /// Seals what the last requests left, writes the head file, and ends the task.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

#[derive(Default)]
struct State {
    written: Option<(u64, Instant)>,
    reported_refusal: bool,
}

impl Context {
    async fn round(&self, state: &mut State, last: bool) {
        let now_ms = self.clock.now().as_millisecond();
        match self.store.seal_audit(&self.keyring, now_ms).await {
            Ok(head) => {
                state.reported_refusal = false;
                if let Err(e) = self.note_head(&head, state, last) {
                    tracing::warn!(error = %e, "cannot append the audit head to its file");
                }
            }
            // Reported once, not every second; entries keep waiting, nothing is lost.
            Err(StoreError::AuditHead(mismatch)) if !state.reported_refusal => {
                state.reported_refusal = true;
                tracing::error!(
                    problem = %mismatch,
                    "the audit log's head was changed outside Awladna; new entries are kept but not chained until `awladna audit verify` has been looked into"
                );
            }
            Err(StoreError::AuditHead(_)) => {}
            Err(e) => tracing::warn!(error = %e.detail(), "audit sealing failed; retrying"),
        }
    }

    fn note_head(&self, head: &StoredHead, state: &mut State, last: bool) -> std::io::Result<()> {
        let Some(path) = &self.head_file else {
            return Ok(());
        };
        let due = match state.written {
            None => true,
            Some((seq, at)) => seq != head.head.seq && (last || at.elapsed() >= HEAD_FILE_EVERY),
        };
        if !due {
            return Ok(());
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path)?;
        writeln!(file, "{}", head_line(head))?;
        file.sync_data()?;
        state.written = Some((head.head.seq, Instant::now()));
        Ok(())
    }
}

/// `SEQ:HASH MAC SEALED_AT_MS`: the first word is what `audit verify --expect-head` takes.
pub fn head_line(head: &StoredHead) -> String {
    format!(
        "{} {} {}",
        ExpectedHead(head.head),
        head.mac.map(|m| hex(&m)).unwrap_or_else(|| "-".to_owned()),
        head.sealed_at_ms
    )
}
