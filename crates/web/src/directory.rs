//! The directory of services in the interface: a province's organisations with their
//! entries and map (`/directory`), one entry's edit page, import from CSV or XLSX and
//! export to CSV, kept by the province's coordinator, secretariat or administrator; and
//! the public JSON answer `GET /api/v1/directory?territory=CODE`.
//!
//! Who sees what: anyone sees the entries marked public, without private contact
//! points; signed-in users of the province (and national users) see every entry and
//! every contact point. The help page (`help.rs`) shows the public view only.

use crate::admin::{actor_of, check, territory_label};
use crate::auth::Caller;
use crate::error::{page_error, page_refusal, refusal, store_failure};
use crate::extract::Shell;
use crate::i18n::Tr;
use crate::pages::{ChoiceView, GroupView, territory_groups};
use crate::spreadsheet;
use crate::state::AppState;
use crate::stats::map::{self, Map, Place};
use askama::Template;
use askama_web::WebTemplate;
use awladna_domain::access::{Action, Actor, Decision, decide};
use awladna_domain::directory::import::{self, Column, ImportProblem, LineError};
use awladna_domain::directory::{
    ContactInput, EntryInput, MAX_CONTACTS, SERVICES, phone_display, services_by_stage,
    sort_services,
};
use awladna_domain::forms::FieldError;
use awladna_domain::vocabulary::Vocabulary;
use awladna_store::directory::{Expect, Listing};
use axum::Json;
use axum::extract::{Multipart, OriginalUri, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// An import file of a province's directory is a few hundred kilobytes at most.
pub const IMPORT_BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Blank contact rows offered under the filled ones on the edit page.
const BLANK_CONTACTS: usize = 2;

/// The services vocabulary: the reference set is checked at start to hold it.
fn services_of(state: &AppState, t: Tr) -> Result<&Vocabulary, Response> {
    state
        .reference
        .vocabulary(SERVICES)
        .ok_or_else(|| crate::error::internal(false, t, "no services vocabulary"))
}

// ---- One organisation as readers see it ------------------------------------------------

pub struct ContactView {
    pub(crate) name: String,
    pub(crate) role: String,
    /// As Moroccans write it…
    pub(crate) phone: Option<String>,
    /// …and the `tel:` target.
    pub(crate) tel: String,
    pub(crate) email: Option<String>,
    pub(crate) private: bool,
}

pub struct StageView {
    pub(crate) stage: String,
    pub(crate) services: Vec<String>,
}

pub struct OrgView {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) sector: String,
    pub(crate) sector_code: String,
    pub(crate) described: bool,
    pub(crate) public: bool,
    pub(crate) address: String,
    pub(crate) hours: String,
    pub(crate) stages: Vec<StageView>,
    pub(crate) contacts: Vec<ContactView>,
    /// A `geo:` link: the phone's own map application shows the way, offline if it can.
    pub(crate) geo: Option<String>,
    /// Its number on the map, when it has a position.
    pub(crate) number: Option<usize>,
    /// Where its name links to (the edit page, or its card on the help page).
    pub(crate) href: String,
}

/// Turns listings into what pages show; `professional` readers see private contacts.
/// Organisations with a position are numbered in order, as the map numbers them.
pub(crate) fn org_views(
    state: &AppState,
    t: Tr,
    listings: &[Listing],
    professional: bool,
    href: impl Fn(&str) -> String,
) -> Vec<OrgView> {
    let sectors = state.reference.vocabulary("sectors");
    let services = state.reference.vocabulary(SERVICES);
    let stages = state.reference.vocabulary("stages");
    let mut number = 0;
    listings
        .iter()
        .map(|listing| {
            let o = &listing.organisation;
            let sector = sectors
                .and_then(|v| v.label(&o.sector, t.lang))
                .unwrap_or(&o.sector)
                .to_owned();
            let mut view = OrgView {
                code: o.code.clone(),
                name: o.name.clone(),
                sector,
                sector_code: o.sector.clone(),
                described: listing.entry.is_some(),
                public: false,
                address: String::new(),
                hours: String::new(),
                stages: Vec::new(),
                contacts: Vec::new(),
                geo: None,
                number: None,
                href: href(&o.code),
            };
            let Some(entry) = &listing.entry else {
                return view;
            };
            view.public = entry.public;
            view.address = entry.address.clone();
            view.hours = entry.opening_hours.clone();
            if let Some(services) = services {
                view.stages = services_by_stage(&entry.services, services)
                    .into_values()
                    .map(|(stage, codes)| StageView {
                        stage: stages
                            .and_then(|v| v.label(&stage, t.lang))
                            .unwrap_or(&stage)
                            .to_owned(),
                        services: codes
                            .iter()
                            .map(|c| services.label(c, t.lang).unwrap_or(c).to_owned())
                            .collect(),
                    })
                    .collect();
            }
            view.contacts = entry
                .contacts_for(professional)
                .map(|c| ContactView {
                    name: c.name.clone(),
                    role: c.role.clone(),
                    phone: c.phone.as_deref().map(phone_display),
                    tel: c
                        .phone
                        .as_ref()
                        .map(|p| format!("tel:{p}"))
                        .unwrap_or_default(),
                    email: c.email.clone(),
                    private: c.private,
                })
                .collect();
            if let Some(position) = entry.position {
                number += 1;
                view.number = Some(number);
                view.geo = Some(format!(
                    "geo:{},{}",
                    position.lat_text(),
                    position.lon_text()
                ));
            }
            view
        })
        .collect()
}

/// The map of the organisations shown, numbered as `org_views` numbered them.
pub(crate) fn map_of(listings: &[Listing], views: &[OrgView]) -> Option<Map> {
    let places: Vec<Place> = listings
        .iter()
        .zip(views)
        .filter_map(|(listing, view)| {
            let position = listing.entry.as_ref()?.position?;
            Some(Place {
                name: view.name.clone(),
                href: view.href.clone(),
                position,
            })
        })
        .collect();
    map::layout(&places)
}

/// Whether the caller reads the province's private contacts: a signed-in person (not a
/// machine token) of that province, or of a national body.
pub(crate) fn professional_of(caller: &Caller, territory: &str) -> bool {
    caller.actor.as_ref().is_some_and(|a| {
        a.token_scope.is_none() && !caller.pending_second_factor && a.covers(territory)
    })
}

// ---- The province's directory ------------------------------------------------------------

pub struct ReportRow {
    line: usize,
    column: String,
    message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "directory.html")]
pub struct DirectoryPage {
    shell: Shell,
    territory: Option<String>,
    territory_name: String,
    /// For a national user: the provinces to choose from.
    provinces: Vec<GroupView>,
    organisations: Vec<OrgView>,
    map: Option<Map>,
    notice: Option<String>,
    report: Vec<ReportRow>,
    columns: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct DirectoryQuery {
    #[serde(default)]
    territory: String,
    #[serde(default)]
    saved: String,
    #[serde(default)]
    imported: Option<usize>,
}

/// The province a keeper works on: their own, or the one a national user chose.
fn province(
    state: &AppState,
    t: Tr,
    actor: &Actor,
    asked: &str,
) -> Result<Option<String>, Response> {
    let asked = asked.trim();
    let territory = match (&actor.territory, asked) {
        (Some(own), "") => own.clone(),
        (None, "") => return Ok(None),
        (_, asked) => asked.to_owned(),
    };
    match state.reference.territory(&territory) {
        Some(p) if p.kind.hosts_mechanism() => {}
        _ => return Err(page_error(t, StatusCode::NOT_FOUND)),
    }
    check(t, actor, Action::ManageDirectory, Some(&territory))?;
    Ok(Some(territory))
}

#[allow(clippy::too_many_arguments)] // the page's parts, each needed once
async fn directory_page(
    state: &AppState,
    t: Tr,
    caller: &Caller,
    here: &str,
    territory: Option<String>,
    notice: Option<String>,
    report: Vec<ReportRow>,
) -> Response {
    let listings = match &territory {
        Some(code) => match state.store.directory(code).await {
            Ok(listings) => listings,
            Err(e) => return store_failure(t, &e),
        },
        None => Vec::new(),
    };
    let organisations = org_views(state, t, &listings, true, |code| {
        format!("/directory/organisations/{code}")
    });
    let map = map_of(&listings, &organisations);
    let status = if report.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let columns = Column::ALL
        .iter()
        .map(|c| {
            (
                c.code().to_owned(),
                t.get(&format!("directory-column-{}", c.code().replace('_', "-"))),
            )
        })
        .collect();
    let page = DirectoryPage {
        shell: Shell {
            t,
            here: here.to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        territory_name: territory_label(state, t, territory.as_deref()),
        provinces: if caller.actor.as_ref().is_some_and(Actor::is_national) {
            territory_groups(t, &state.reference, territory.as_deref().unwrap_or(""))
        } else {
            Vec::new()
        },
        territory,
        organisations,
        map,
        notice,
        report,
        columns,
    };
    (status, page).into_response()
}

pub async fn list(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Query(query): Query<DirectoryQuery>,
) -> Response {
    let actor = match actor_of(t, &caller) {
        Ok(actor) => actor.clone(),
        Err(response) => return response,
    };
    let territory = match province(&state, t, &actor, &query.territory) {
        Ok(territory) => territory,
        Err(response) => return response,
    };
    let notice = if let Some(n) = query.imported {
        Some(t.with(
            "directory-imported",
            &[("count", i64::try_from(n).unwrap_or(0))],
        ))
    } else if !query.saved.is_empty() {
        Some(t.get("directory-saved"))
    } else {
        None
    };
    directory_page(
        &state,
        t,
        &caller,
        uri.path(),
        territory,
        notice,
        Vec::new(),
    )
    .await
}

// ---- One entry's edit page -----------------------------------------------------------------

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

/// The organisation of an edit, if the caller keeps its province; else the refusal
/// (another province, or a national body: 404).
async fn kept_listing(
    state: &AppState,
    t: Tr,
    caller: &Caller,
    code: &str,
) -> Result<Listing, Response> {
    let actor = actor_of(t, caller)?;
    let listing = match state.store.directory_listing(code).await {
        Ok(Some(listing)) => listing,
        Ok(None) => return Err(page_error(t, StatusCode::NOT_FOUND)),
        Err(e) => return Err(store_failure(t, &e)),
    };
    // A national body has no province: it is not in any province's directory.
    let Some(territory) = listing.organisation.territory.as_deref() else {
        return Err(page_error(t, StatusCode::NOT_FOUND));
    };
    check(t, actor, Action::ManageDirectory, Some(territory))?;
    Ok(listing)
}

fn message_of(t: Tr, e: &FieldError) -> String {
    t.with(e.problem.message_id(), &e.problem.arguments())
}

#[allow(clippy::too_many_arguments)] // the page's parts, each needed once
fn edit_page(
    state: &AppState,
    t: Tr,
    caller: &Caller,
    here: &str,
    listing: &Listing,
    input: &EntryInput,
    version: Option<i64>,
    errors: &[FieldError],
    message: Option<String>,
) -> Result<EditPage, Response> {
    let services = services_of(state, t)?;
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
        shell: Shell {
            t,
            here: here.to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        code: listing.organisation.code.clone(),
        name: listing.organisation.name.clone(),
        sector: state
            .reference
            .vocabulary("sectors")
            .and_then(|v| v.label(&listing.organisation.sector, t.lang))
            .unwrap_or(&listing.organisation.sector)
            .to_owned(),
        territory_name: territory_label(state, t, territory),
        back: match (&caller.actor, territory) {
            (Some(actor), Some(code)) if actor.is_national() => {
                format!("/directory?territory={code}")
            }
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
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path(code): Path<String>,
) -> Response {
    let listing = match kept_listing(&state, t, &caller, &code).await {
        Ok(listing) => listing,
        Err(response) => return response,
    };
    let input = listing
        .entry
        .as_ref()
        .map(EntryInput::from_entry)
        .unwrap_or_default();
    match edit_page(
        &state,
        t,
        &caller,
        uri.path(),
        &listing,
        &input,
        listing.version,
        &[],
        None,
    ) {
        Ok(page) => page.into_response(),
        Err(response) => response,
    }
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
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path(code): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    let listing = match kept_listing(&state, t, &caller, &code).await {
        Ok(listing) => listing,
        Err(response) => return response,
    };
    let services = match services_of(&state, t) {
        Ok(services) => services,
        Err(response) => return response,
    };
    let (input, seen) = posted_entry(&pairs);
    let show_again = |errors: &[FieldError],
                      message: Option<String>,
                      version: Option<i64>,
                      status: StatusCode| {
        match edit_page(
            &state,
            t,
            &caller,
            uri.path(),
            &listing,
            &input,
            version,
            errors,
            message,
        ) {
            Ok(page) => (status, page).into_response(),
            Err(response) => response,
        }
    };
    let entry = match input.check(services) {
        Ok(entry) => entry,
        Err(errors) => return show_again(&errors, None, seen, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let expect = match seen {
        Some(version) => Expect::Version(version),
        None => Expect::Absent,
    };
    let territory = listing.organisation.territory.clone().unwrap_or_default();
    let now = state.now_ms();
    let by = caller.audit_actor().unwrap_or_default();
    let saved = async {
        let mut tx = state.store.begin().await?;
        if !tx
            .put_directory_entry(&code, &entry, expect, &by, now)
            .await?
        {
            return Ok(false);
        }
        tx.audit(caller.audit_entry(
            now,
            "directory.updated",
            ("organisation", &code),
            &territory,
            json!({"contacts": entry.contacts.len(), "public": entry.public}),
        ))
        .await?;
        tx.commit().await?;
        Ok::<bool, awladna_store::StoreError>(true)
    }
    .await;
    match saved {
        Ok(true) => {
            let province = if caller.actor.as_ref().is_some_and(Actor::is_national) {
                format!("&territory={territory}")
            } else {
                String::new()
            };
            Redirect::to(&format!("/directory?saved={code}{province}#org-{code}")).into_response()
        }
        // Someone saved this entry since the page was opened: what was typed is shown
        // again with the version now stored, so that saving once more is a decision to
        // replace theirs, not a second silent refusal.
        Ok(false) => match state.store.directory_listing(&code).await {
            Ok(now) => show_again(
                &[],
                Some(t.get("directory-conflict")),
                now.and_then(|l| l.version),
                StatusCode::CONFLICT,
            ),
            Err(e) => store_failure(t, &e),
        },
        Err(e) => store_failure(t, &e),
    }
}

// ---- Import and export -----------------------------------------------------------------

/// What the import form sent.
struct Upload {
    territory: String,
    bytes: Vec<u8>,
}

/// The form's fields, or the status of a malformed form (413 for a file over the
/// import's body limit).
async fn read_upload(mut multipart: Multipart) -> Result<Upload, StatusCode> {
    let mut upload = Upload {
        territory: String::new(),
        bytes: Vec::new(),
    };
    let status = |e: axum::extract::multipart::MultipartError| e.status();
    while let Some(field) = multipart.next_field().await.map_err(status)? {
        match field.name().unwrap_or_default() {
            "territory" => upload.territory = field.text().await.map_err(status)?,
            "file" => upload.bytes = field.bytes().await.map_err(status)?.to_vec(),
            _ => {}
        }
    }
    Ok(upload)
}

fn report_rows(t: Tr, errors: &[LineError]) -> Vec<ReportRow> {
    errors
        .iter()
        .map(|e| ReportRow {
            line: e.line,
            column: e.column.clone(),
            message: t.with(e.problem.message_id(), &e.problem.arguments()),
        })
        .collect()
}

pub async fn import(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let actor = match actor_of(t, &caller) {
        Ok(actor) => actor.clone(),
        Err(response) => return response,
    };
    let upload = match multipart {
        Ok(multipart) => read_upload(multipart).await,
        Err(_) => Err(StatusCode::BAD_REQUEST),
    };
    let upload = match upload {
        Ok(upload) => upload,
        Err(StatusCode::PAYLOAD_TOO_LARGE) => {
            return page_refusal(
                t,
                StatusCode::PAYLOAD_TOO_LARGE,
                "directory-import-too-large",
            );
        }
        Err(_) => {
            return page_refusal(t, StatusCode::BAD_REQUEST, "directory-import-unreadable");
        }
    };
    let Some(territory) = (match province(&state, t, &actor, &upload.territory) {
        Ok(territory) => territory,
        Err(response) => return response,
    }) else {
        return page_error(t, StatusCode::NOT_FOUND);
    };
    let here = uri.path();
    let refuse = |errors: Vec<LineError>| {
        directory_page(
            &state,
            t,
            &caller,
            here,
            Some(territory.clone()),
            None,
            report_rows(t, &errors),
        )
    };
    // Reading a workbook is CPU work of up to a second on a large file: off the
    // threads that answer other requests.
    let bytes = upload.bytes;
    let rows = match tokio::task::spawn_blocking(move || spreadsheet::read_rows(&bytes)).await {
        Ok(Ok(rows)) => rows,
        Ok(Err(problem)) => return refuse(vec![problem]).await,
        Err(_) => return refuse(vec![LineError::new(0, None, ImportProblem::Unreadable)]).await,
    };
    let services = match services_of(&state, t) {
        Ok(services) => services,
        Err(response) => return response,
    };
    let imported = match import::read_table(&rows, services) {
        Ok(imported) => imported,
        Err(errors) => return refuse(errors).await,
    };
    // Only the province's own organisations: another province's code is "unknown"
    // here, as it would be anywhere else in this province's pages.
    let known = match state.store.organisations(Some(&territory)).await {
        Ok(orgs) => orgs,
        Err(e) => return store_failure(t, &e),
    };
    let unknown: Vec<LineError> = imported
        .iter()
        .filter(|i| !known.iter().any(|o| o.code == i.code))
        .map(|i| {
            LineError::new(
                i.line,
                Some(Column::Code),
                ImportProblem::UnknownOrganisation,
            )
        })
        .collect();
    if !unknown.is_empty() {
        return refuse(unknown).await;
    }
    let province = if actor.is_national() {
        format!("&territory={territory}")
    } else {
        String::new()
    };
    if imported.is_empty() {
        // Only codes: nothing to change, so nothing to save or audit.
        return Redirect::to(&format!("/directory?imported=0{province}")).into_response();
    }
    let now = state.now_ms();
    let by = caller.audit_actor().unwrap_or_default();
    let written = async {
        let mut tx = state.store.begin().await?;
        for item in &imported {
            tx.put_directory_entry(&item.code, &item.entry, Expect::Any, &by, now)
                .await?;
            tx.audit(caller.audit_entry(
                now,
                "directory.imported",
                ("organisation", &item.code),
                &territory,
                json!({"contacts": item.entry.contacts.len(), "public": item.entry.public}),
            ))
            .await?;
        }
        tx.commit().await
    }
    .await;
    if let Err(e) = written {
        return store_failure(t, &e);
    }
    Redirect::to(&format!("/directory?imported={}{province}", imported.len())).into_response()
}

/// The province's directory as CSV, one line per contact point: the file to fill and
/// import back, private contacts included (only keepers download it).
pub async fn export(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Query(query): Query<DirectoryQuery>,
) -> Response {
    let actor = match actor_of(t, &caller) {
        Ok(actor) => actor.clone(),
        Err(response) => return response,
    };
    let Some(territory) = (match province(&state, t, &actor, &query.territory) {
        Ok(territory) => territory,
        Err(response) => return response,
    }) else {
        return page_error(t, StatusCode::NOT_FOUND);
    };
    let listings = match state.store.directory(&territory).await {
        Ok(listings) => listings,
        Err(e) => return store_failure(t, &e),
    };
    let services = state.reference.vocabulary(SERVICES);
    let mut rows = vec![import::header()];
    for listing in &listings {
        let o = &listing.organisation;
        let input = listing
            .entry
            .as_ref()
            .map(EntryInput::from_entry)
            .unwrap_or_default();
        let mut codes = input.services.clone();
        if let Some(v) = services {
            sort_services(&mut codes, v);
        }
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
        let own = vec![
            o.code.clone(),
            o.name.clone(),
            o.sector.clone(),
            input.address.clone(),
            input.opening_hours.clone(),
            input.latitude.clone(),
            input.longitude.clone(),
            codes.join("; "),
            yes_no(input.public),
        ];
        if input.contacts.is_empty() {
            let mut row = own.clone();
            row.extend(std::iter::repeat_n(String::new(), 5));
            rows.push(row);
        }
        for c in &input.contacts {
            let mut row = own.clone();
            row.extend([
                c.name.clone(),
                c.role.clone(),
                c.phone.clone(),
                c.email.clone(),
                yes_no(c.private),
            ]);
            rows.push(row);
        }
    }
    let audited = state
        .audit_alone(caller.audit_entry(
            state.now_ms(),
            "directory.exported",
            ("territory", &territory),
            &territory,
            json!({"organisations": listings.len()}),
        ))
        .await;
    if let Err(e) = audited {
        return store_failure(t, &e);
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"directory-{territory}.csv\""),
            ),
        ],
        spreadsheet::write_csv(&rows),
    )
        .into_response()
}

// ---- The API -----------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct ApiQuery {
    territory: Option<String>,
}

/// `GET /api/v1/directory?territory=CODE`: the province's public entries for anyone;
/// every entry and the private contact points for signed-in users of the province.
pub async fn api(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Query(query): Query<ApiQuery>,
) -> Response {
    let territory = query
        .territory
        .filter(|c| !c.trim().is_empty())
        .or_else(|| caller.actor.as_ref().and_then(|a| a.territory.clone()));
    let Some(territory) = territory else {
        return refusal(
            t,
            StatusCode::BAD_REQUEST,
            "territory_required",
            "directory-api-territory-required",
        );
    };
    let Some(province) = state
        .reference
        .territory(&territory)
        .filter(|p| p.kind.hosts_mechanism())
    else {
        return refusal(t, StatusCode::NOT_FOUND, "not_found", "error-not-found");
    };
    let professional = professional_of(&caller, &territory);
    let listings = match state.store.directory(&territory).await {
        Ok(listings) => listings,
        Err(e) => return crate::error::internal(true, t, &e.detail()),
    };
    let services = state.reference.vocabulary(SERVICES);
    let organisations: Vec<Value> = listings
        .iter()
        .filter_map(|listing| {
            let entry = listing.entry.as_ref()?;
            if !entry.public && !professional {
                return None;
            }
            let o = &listing.organisation;
            let mut codes = entry.services.clone();
            if let Some(v) = services {
                sort_services(&mut codes, v);
            }
            let stage_of = |code: &str| {
                services
                    .and_then(|v| v.term(code))
                    .and_then(|term| term.group.clone())
            };
            Some(json!({
                "code": o.code,
                "name": o.name,
                "sector": o.sector,
                "address": entry.address,
                "opening_hours": entry.opening_hours,
                "position": entry.position.map(|p| json!({"lat": p.lat(), "lon": p.lon()})),
                "services": codes.iter().map(|c| json!({"code": c, "stage": stage_of(c)})).collect::<Vec<_>>(),
                "public": entry.public,
                "contacts": entry.contacts_for(professional).map(|c| json!({
                    "name": c.name, "role": c.role, "phone": c.phone, "email": c.email, "private": c.private,
                })).collect::<Vec<_>>(),
            }))
        })
        .collect();
    Json(json!({
        "territory": {"code": province.code, "name_ar": province.name_ar, "name_fr": province.name_fr},
        "private_contacts_included": professional,
        "organisations": organisations,
    }))
    .into_response()
}

/// Whether the home page offers the directory to this user.
pub(crate) fn keeps_directory(actor: &Actor) -> bool {
    decide(Some(actor), Action::ManageDirectory, None) == Decision::Allow
        && actor.token_scope.is_none()
}
