//! One organisation's entry: its edit page, and saving it. Two keepers editing at once
//! do not overwrite each other silently: the second is shown the form again.

use super::pages::back_to_directory;
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::forms::{ChoiceView, GroupView};
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::CoreError;
use awladna_core::act;
use awladna_core::directory::{self as use_case, DirectoryError};
use awladna_domain::directory::{ContactInput, EntryInput, MAX_CONTACTS};
use awladna_domain::forms::FieldError;
use awladna_store::directory::Listing;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Blank contact rows offered under the filled ones on the edit page.
const BLANK_CONTACTS: usize = 2;

/// A field of the edit form: its element id, its name, the value as typed and its
/// problem if any.
pub struct Typed {
    id: String,
    name: String,
    value: String,
    error: Option<String>,
}

pub struct ContactRow {
    index: usize,
    name: Typed,
    role: Typed,
    phone: Typed,
    email: Typed,
    private: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "directory_edit.html")]
pub struct EditPage {
    shell: Shell,
    code: String,
    name: String,
    sector: String,
    territory_name: String,
    back: String,
    version: String,
    address: Typed,
    hours: Typed,
    latitude: Typed,
    longitude: Typed,
    services_error: Option<String>,
    stages: Vec<GroupView>,
    public: bool,
    contacts: Vec<ContactRow>,
    errors: Vec<(String, String)>,
    message: Option<String>,
}

fn message_of(t: Tr, e: &FieldError) -> String {
    t.with(e.problem.message_id(), &e.problem.arguments())
}

#[allow(clippy::too_many_arguments)] // the page's parts, each needed once
fn edit_page(
    state: &AppState,
    shell: Shell,
    national: bool,
    listing: &Listing,
    input: &EntryInput,
    version: Option<i64>,
    errors: &[FieldError],
    message: Option<String>,
) -> Result<EditPage, AppError> {
    let t = shell.t;
    let services = use_case::services(state)?;
    let error_of = |field: &str| {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| message_of(t, e))
    };
    let typed = |field: &str, value: &str| Typed {
        id: format!("f-{}", field.replace('.', "-")),
        name: field.to_owned(),
        value: value.to_owned(),
        error: error_of(field),
    };
    let stage_vocabulary = state.reference.vocabulary("stages");
    let mut stages: Vec<GroupView> = Vec::new();
    for term in &services.terms {
        let stage = term.group.clone().unwrap_or_default();
        let label = stage_vocabulary
            .and_then(|v| v.label(&stage, t.lang))
            .unwrap_or(&stage)
            .to_owned();
        let choice = ChoiceView {
            value: term.code.clone(),
            label: term.labels.get(t.lang).to_owned(),
            checked: input.services.contains(&term.code),
        };
        match stages.last_mut() {
            Some(group) if group.label == label => group.options.push(choice),
            _ => stages.push(GroupView {
                label,
                options: vec![choice],
            }),
        }
    }
    let mut rows: Vec<ContactInput> = input.contacts.clone();
    let blank = BLANK_CONTACTS.min(MAX_CONTACTS.saturating_sub(rows.len()));
    rows.extend(std::iter::repeat_n(ContactInput::default(), blank));
    let contacts = rows
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let field = |name: &str, value: &str| typed(&format!("contacts.{i}.{name}"), value);
            ContactRow {
                index: i,
                name: field("name", &c.name),
                role: field("role", &c.role),
                phone: field("phone", &c.phone),
                email: field("email", &c.email),
                private: c.private,
            }
        })
        .collect();
    let summary = errors
        .iter()
        .map(|e| (format!("f-{}", e.field.replace('.', "-")), message_of(t, e)))
        .collect();
    let territory = listing.organisation.territory.as_deref();
    Ok(EditPage {
        shell,
        code: listing.organisation.code.clone(),
        name: listing.organisation.name.clone(),
        sector: state
            .reference
            .vocabulary("sectors")
            .and_then(|v| v.label(&listing.organisation.sector, t.lang))
            .unwrap_or(&listing.organisation.sector)
            .to_owned(),
        territory_name: crate::admin::territory_label(state, t, territory),
        back: match territory {
            Some(code) if national => format!("/directory?territory={code}"),
            _ => "/directory".to_owned(),
        },
        version: version.map(|v| v.to_string()).unwrap_or_default(),
        address: typed("address", &input.address),
        hours: typed("opening_hours", &input.opening_hours),
        latitude: typed("latitude", &input.latitude),
        longitude: typed("longitude", &input.longitude),
        services_error: error_of("services"),
        stages,
        public: input.public,
        contacts,
        errors: summary,
        message,
    })
}

pub async fn edit(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ManageDirectory>,
    shell: Shell,
    Path(code): Path<String>,
) -> Result<EditPage, AppError> {
    let listing = use_case::kept_listing(&state, &permit, &code).await?;
    let input = listing
        .entry
        .as_ref()
        .map(EntryInput::from_entry)
        .unwrap_or_default();
    let national = permit.actor().is_national();
    edit_page(
        &state,
        shell,
        national,
        &listing,
        &input,
        listing.version,
        &[],
        None,
    )
}

/// The posted edit form as an entry to check. Contact rows are `contacts.{i}.{field}`;
/// an index past what the page can show is ignored rather than allocated.
fn posted_entry(pairs: &[(String, String)]) -> (EntryInput, Option<i64>) {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut contacts: Vec<ContactInput> = Vec::new();
    for (key, value) in pairs {
        let Some(rest) = key.strip_prefix("contacts.") else {
            continue;
        };
        let Some((index, name)) = rest.split_once('.') else {
            continue;
        };
        let Ok(index) = index.parse::<usize>() else {
            continue;
        };
        if index >= MAX_CONTACTS + BLANK_CONTACTS {
            continue;
        }
        if contacts.len() <= index {
            contacts.resize(index + 1, ContactInput::default());
        }
        let contact = &mut contacts[index];
        match name {
            "name" => contact.name = value.clone(),
            "role" => contact.role = value.clone(),
            "phone" => contact.phone = value.clone(),
            "email" => contact.email = value.clone(),
            "private" => contact.private = true,
            _ => {}
        }
    }
    let input = EntryInput {
        address: field("address"),
        opening_hours: field("opening_hours"),
        latitude: field("latitude"),
        longitude: field("longitude"),
        services: pairs
            .iter()
            .filter(|(k, _)| k == "services")
            .map(|(_, v)| v.clone())
            .collect(),
        public: pairs.iter().any(|(k, _)| k == "public"),
        contacts,
    };
    (input, field("_version").trim().parse().ok())
}

pub async fn save(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ManageDirectory>,
    shell: Shell,
    Path(code): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let listing = use_case::kept_listing(&state, &permit, &code).await?;
    let (input, seen) = posted_entry(&pairs);
    let national = permit.actor().is_national();
    let t = shell.t;
    let show_again = |errors: &[FieldError], message, version, status: StatusCode| {
        edit_page(
            &state, shell, national, &listing, &input, version, errors, message,
        )
        .map(|page| (status, page).into_response())
    };
    match use_case::save(&state, &permit, &listing, &input, seen).await {
        Ok(()) => {
            let territory = listing
                .organisation
                .territory
                .as_deref()
                .unwrap_or_default();
            let back = back_to_directory(
                &permit,
                territory,
                &format!("saved={code}"),
                &format!("#org-{code}"),
            );
            Ok(back.into_response())
        }
        Err(DirectoryError::Core(CoreError::Invalid(errors))) => {
            show_again(&errors, None, seen, StatusCode::UNPROCESSABLE_ENTITY)
        }
        // Someone saved this entry since the page was opened: what was typed is shown
        // again with the version now stored, so that saving once more is a decision to
        // replace theirs, not a second silent refusal.
        Err(DirectoryError::Changed(now)) => show_again(
            &[],
            Some(t.get("directory-conflict")),
            now,
            StatusCode::CONFLICT,
        ),
        Err(e) => Err(e.into()),
    }
}
