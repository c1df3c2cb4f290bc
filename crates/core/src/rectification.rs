//! The right of rectification (Law 09-08, art. 8): a case worker or coordinator corrects
//! the identity of a case's child. The identity it replaces stays, sealed, in the
//! history with who changed which fields and when; the case's readers see that history.
//! The name tokens follow the new name, so that a search finds the child by it.

use crate::cases::{CaseError, Use};
use crate::children::search_tokens;
use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::access::Action;
use awladna_domain::forms::{is_direction_control, local_zone};
use awladna_store::cases::CaseRecord;
use awladna_store::keys::sealed_aad;
use awladna_store::retention::IdentityChange;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use thiserror::Error;

/// The fields of a child's identity, as stored.
pub const FIELDS: [&str; 5] = [
    "first_name",
    "last_name",
    "birth_date",
    "mother_name",
    "address",
];
const MAX_TEXT: usize = 200;

/// What is wrong with a field of a submitted identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityProblem {
    /// Too long, or not a single line.
    Text,
    /// Direction controls, which can make a name show as another text.
    DirectionControls,
    /// Not a date, or one in the future.
    Date,
}

/// Each refused field with its problem.
pub type Problems = Vec<(&'static str, IdentityProblem)>;

#[derive(Debug, Error)]
pub enum RectifyError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("the case is closed")]
    Closed,
    /// The submission breaks the rules: the case, the values given (to show again) and
    /// each field's problem.
    #[error("the identity is not valid")]
    Invalid {
        case: Box<CaseRecord>,
        values: Map<String, Value>,
        problems: Problems,
    },
    /// The identity was erased under the retention rule: there is nothing to correct.
    #[error("the identity was erased")]
    Erased,
    /// Someone else corrected it between the read and the write.
    #[error("the identity changed meanwhile")]
    ChangedMeanwhile,
}

crate::wraps_core_error!(RectifyError);

impl From<CaseError> for RectifyError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::Core(e) => RectifyError::Core(e),
            CaseError::Closed => RectifyError::Closed,
        }
    }
}

fn text<'a>(identity: &'a Value, field: &str) -> &'a str {
    identity
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The child's identity now, sealed as stored and opened.
async fn current(core: &Core, case: &CaseRecord) -> Result<(Option<Vec<u8>>, Value), RectifyError> {
    if core.erased_on(&case.child_id).await?.is_some() {
        return Err(RectifyError::Erased);
    }
    let sealed = core
        .store
        .child_identity(&case.child_id)
        .await?
        .and_then(|(_, _, sealed)| sealed);
    let opened = core.open_identity(&case.child_id, sealed.as_deref())?;
    Ok((sealed, opened))
}

/// The case and its child's identity, for the correction form.
pub async fn open(
    core: &Core,
    permit: &Permit<act::RectifyIdentity>,
    case_id: &str,
) -> Result<(CaseRecord, Value), RectifyError> {
    let case = core
        .case_for(permit.who(), case_id, Action::RectifyIdentity, Use::Read)
        .await?;
    let (_, identity) = current(core, &case).await?;
    Ok((case, identity))
}

/// The submitted identity, checked: short single-line texts, a date not in the future.
fn check(
    core: &Core,
    given: &[(String, String)],
) -> Result<Map<String, Value>, (Map<String, Value>, Problems)> {
    let given: HashMap<&str, &str> = given.iter().map(|(k, v)| (k.as_str(), v.trim())).collect();
    let mut values = Map::new();
    let mut problems = Vec::new();
    for field in FIELDS {
        let value = given.get(field).copied().unwrap_or_default();
        if value.is_empty() {
            continue;
        }
        values.insert(field.to_owned(), Value::String(value.to_owned()));
        if value.chars().count() > MAX_TEXT || value.chars().any(char::is_control) {
            problems.push((field, IdentityProblem::Text));
        } else if value.chars().any(is_direction_control) {
            problems.push((field, IdentityProblem::DirectionControls));
        }
    }
    if let Some(date) = values.get("birth_date").and_then(Value::as_str) {
        let today = core.clock.now().to_zoned(local_zone()).date();
        if !date.parse::<jiff::civil::Date>().is_ok_and(|d| d <= today) {
            problems.push(("birth_date", IdentityProblem::Date));
        }
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err((values, problems))
    }
}

/// Corrects the identity of the case's child from the submitted fields (an empty one
/// is removed); answers the case's id. Nothing changed is nothing stored.
pub async fn rectify(
    core: &Core,
    permit: &Permit<act::RectifyIdentity>,
    case_id: &str,
    given: &[(String, String)],
) -> Result<String, RectifyError> {
    let case = core
        .case_for(permit.who(), case_id, Action::RectifyIdentity, Use::Read)
        .await?;
    let values = match check(core, given) {
        Ok(values) => values,
        Err((values, problems)) => {
            return Err(RectifyError::Invalid {
                case: Box::new(case),
                values,
                problems,
            });
        }
    };
    let (sealed, old) = current(core, &case).await?;
    let changed: Vec<String> = FIELDS
        .iter()
        .filter(|f| text(&old, f) != values.get(**f).and_then(Value::as_str).unwrap_or_default())
        .map(|f| (*f).to_owned())
        .collect();
    if !changed.is_empty() {
        store(
            core,
            permit,
            &case,
            sealed.as_deref(),
            &old,
            values,
            changed,
        )
        .await?;
    }
    Ok(case.id)
}

/// Seals the new identity and the old one (for the history) and stores both, unless
/// the identity changed since it was read.
async fn store(
    core: &Core,
    permit: &Permit<act::RectifyIdentity>,
    case: &CaseRecord,
    read: Option<&[u8]>,
    old: &Value,
    values: Map<String, Value>,
    changed: Vec<String>,
) -> Result<(), RectifyError> {
    let change_id = uuid::Uuid::now_v7().to_string();
    let previous = match old {
        Value::Null => None,
        old => Some(
            core.keyring
                .seal_json(old, &sealed_aad("identity_history", "previous", &change_id))?,
        ),
    };
    let tokens = search_tokens(core, &case.child_id, &values).await?;
    let identity = core.keyring.seal_json(
        &Value::Object(values),
        &sealed_aad("children", "identity", &case.child_id),
    )?;
    let now = core.now_ms();
    let who = permit.who();
    let change = IdentityChange {
        id: change_id,
        changed_at: now,
        changed_by: who.audit_name.clone(),
        fields: changed,
        previous,
    };
    let mut tx = core.store.begin().await?;
    let stored = tx
        .rectify_identity(
            &case.child_id,
            read,
            &identity,
            &change,
            &case.territory,
            &tokens,
        )
        .await?;
    if !stored {
        return Err(RectifyError::ChangedMeanwhile);
    }
    tx.audit(who.audit(
        now,
        "child.identity_rectified",
        ("child", &case.child_id),
        &case.territory,
        json!({"case": case.id, "change": change.id, "fields": change.fields}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A correction of a child's identity, its replaced values opened.
pub struct Correction {
    pub changed_at: i64,
    /// The username of who corrected it (their id if the account is gone).
    pub by: String,
    pub fields: Vec<String>,
    /// The identity it replaced (`Null` for a child recorded without one).
    pub previous: Value,
}

impl Correction {
    /// A replaced field's value.
    pub fn previous(&self, field: &str) -> &str {
        text(&self.previous, field)
    }
}

impl Core {
    /// The corrections of a child's identity, for a reader of the child's case (who may
    /// read the identity, so the replaced values are opened too).
    pub async fn corrections(&self, child_id: &str) -> Result<Vec<Correction>, CoreError> {
        let mut corrections = Vec::new();
        for change in self.store.identity_history(child_id).await? {
            let previous = match &change.previous {
                Some(sealed) => self.keyring.open_json(
                    sealed,
                    &sealed_aad("identity_history", "previous", &change.id),
                )?,
                None => Value::Null,
            };
            let by = match self.store.user_by_id(&change.changed_by).await? {
                Some(user) => user.username,
                None => change.changed_by,
            };
            corrections.push(Correction {
                changed_at: change.changed_at,
                by,
                fields: change.fields,
                previous,
            });
        }
        Ok(corrections)
    }
}
