use awladna_domain::{Clock, Reference};
use awladna_store::Store;
use std::sync::Arc;

/// What every handler may use. Cheap to clone: everything is shared.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub reference: Arc<Reference>,
    pub clock: Arc<dyn Clock>,
}

impl AppState {
    pub fn new(store: Store, reference: Arc<Reference>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            reference,
            clock,
        }
    }
}
