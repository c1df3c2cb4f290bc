use awladna_core::Core;
use awladna_crypto::Keyring;
use awladna_domain::{Clock, Reference};
use awladna_store::Store;
use std::sync::Arc;

/// Limits of sign-in and sessions. The defaults are ours (documented in the README).
#[derive(Clone)]
pub struct Settings {
    /// A session unused this long must sign in again.
    pub idle_timeout_ms: i64,
    /// A session older than this must sign in again, used or not.
    pub absolute_timeout_ms: i64,
    /// Delays after failed sign-ins (password or second factor), per account and address.
    pub throttle: crate::throttle::Throttle,
    /// Reverse proxies whose `X-Forwarded-For` names the client (none by default).
    pub trusted_proxies: crate::client_address::TrustedProxies,
    /// Cookies marked Secure: behind TLS, directly or through a proxy.
    pub secure_cookies: bool,
    /// Send Strict-Transport-Security: only when serving TLS ourselves.
    pub hsts: bool,
    /// Mail services when a linking card waits for them (off when `None`).
    pub mailer: Option<crate::mail::Mailer>,
    /// Issue 17: the server pushes statuses to the Observatory (`--observatory-url`);
    /// without it the Observatory pulls them.
    pub observatory_push: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            idle_timeout_ms: 30 * 60 * 1000,
            absolute_timeout_ms: 12 * 60 * 60 * 1000,
            throttle: crate::throttle::Throttle::default(),
            trusted_proxies: crate::client_address::TrustedProxies::default(),
            secure_cookies: false,
            hsts: false,
            mailer: None,
            observatory_push: false,
        }
    }
}

/// What every handler may use: the use cases' `Core` (through `Deref`) and what only
/// the web needs. Cheap to clone: everything is shared.
#[derive(Clone)]
pub struct AppState {
    pub core: Core,
    pub settings: Arc<Settings>,
    pub events: Arc<crate::events::EventBus>,
}

impl AppState {
    pub fn new(
        store: Store,
        reference: Arc<Reference>,
        clock: Arc<dyn Clock>,
        keyring: Arc<Keyring>,
        settings: Settings,
    ) -> Self {
        Self {
            events: Arc::new(crate::events::EventBus::new(store.backend())),
            core: Core::new(store, reference, clock, keyring),
            settings: Arc::new(settings),
        }
    }

    /// Starts relaying the database's event notifications to this process's streams
    /// (PostgreSQL; nothing to do on SQLite).
    pub fn start_events(&self) {
        let (events, store) = (self.events.clone(), self.store.clone());
        tokio::spawn(async move { events.relay(store).await });
    }

    /// The label of a vocabulary's code in the reader's language (the code itself if
    /// the vocabulary does not know it: an old record stays readable).
    pub fn label(&self, t: crate::i18n::Tr, vocabulary: &str, code: &str) -> String {
        self.reference
            .vocabulary(vocabulary)
            .and_then(|v| v.label(code, t.lang))
            .unwrap_or(code)
            .to_owned()
    }

    /// A vocabulary's (code, label) pairs in the reader's language, in the file's order.
    pub fn choices(&self, t: crate::i18n::Tr, vocabulary: &str) -> Vec<(String, String)> {
        self.reference
            .vocabulary(vocabulary)
            .map(|v| {
                v.terms
                    .iter()
                    .map(|term| (term.code.clone(), term.labels.get(t.lang).to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl std::ops::Deref for AppState {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}
