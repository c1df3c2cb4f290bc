//! The retention run is `awladna_core::retention`'s (`awladna retention run` and the
//! server's daily task call it from here); what the pages need of it is below.

pub use awladna_core::retention::{ChildErasure, RetentionReport, run};

/// The day a child's identity (or, failing that, the first kind) was erased, for the
/// pages that show the child: "erased under the retention rule on DATE".
pub async fn erased_on(state: &crate::AppState, child_id: &str) -> Result<Option<String>, String> {
    let day = state.erased_on(child_id).await.map_err(|e| e.detail())?;
    Ok(day.map(|d| d.to_string()))
}
