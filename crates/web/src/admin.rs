//! Administration pages: organisations and users of the administrator's territory (all
//! of them for a national administrator), and the audit log for coordinators and
//! administrators. A record outside the user's territory answers 404.

use crate::auth::Caller;
use crate::error::{page_error, page_refusal, store_failure};
use crate::extract::Shell;
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_domain::access::{Action, Actor, Decision, Role, decide};
use awladna_domain::forms::local_zone;
use awladna_store::accounts::{self, AccountError, By, IssuedSecrets, NewUser};
use awladna_store::audit::AuditFilter;
use awladna_store::identity::Organisation;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;

pub(crate) fn by(state: &AppState, caller: &Caller) -> By {
    By {
        actor: caller.audit_actor().unwrap_or_default(),
        origin: caller.origin.clone(),
        at_ms: state.now_ms(),
    }
}

/// Whether a record of `territory` (None: national) is within the actor's scope.
pub(crate) fn in_scope(actor: &Actor, territory: Option<&str>) -> bool {
    match (&actor.territory, territory) {
        (None, _) => true,
        (Some(own), Some(t)) => own == t,
        (Some(_), None) => false,
    }
}

/// The policy's answer for one record, as a response when it is a refusal.
pub(crate) fn check(
    t: Tr,
    actor: &Actor,
    action: Action,
    territory: Option<&str>,
) -> Result<(), Response> {
    if !in_scope(actor, territory) {
        return Err(page_error(t, StatusCode::NOT_FOUND));
    }
    match decide(Some(actor), action, territory) {
        Decision::Allow => Ok(()),
        Decision::Hidden => Err(page_error(t, StatusCode::NOT_FOUND)),
        _ => Err(page_refusal(t, StatusCode::FORBIDDEN, "auth-forbidden")),
    }
}

pub(crate) fn actor_of(t: Tr, caller: &Caller) -> Result<&Actor, Response> {
    caller
        .actor
        .as_ref()
        .ok_or_else(|| page_refusal(t, StatusCode::UNAUTHORIZED, "auth-sign-in-required"))
}

pub(crate) fn territory_label(state: &AppState, t: Tr, code: Option<&str>) -> String {
    match code.and_then(|c| state.reference.territory(c)) {
        Some(territory) if t.lang == awladna_domain::Lang::Ar => territory.name_ar.clone(),
        Some(territory) => territory.name_fr.clone(),
        None => t.get("admin-national"),
    }
}

// ---- Users -----------------------------------------------------------------------------

pub struct UserRow {
    id: String,
    username: String,
    organisation: String,
    roles: String,
    disabled: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    shell: Shell,
    users: Vec<UserRow>,
    organisations: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    message: Option<String>,
    form_username: String,
}

async fn users_page(
    state: &AppState,
    t: Tr,
    caller: &Caller,
    here: &str,
    message: Option<String>,
    form_username: String,
) -> Response {
    let Some(actor) = &caller.actor else {
        return page_error(t, StatusCode::UNAUTHORIZED);
    };
    let users = match state.store.users(actor.territory.as_deref()).await {
        Ok(users) => users,
        Err(e) => return store_failure(t, &e),
    };
    let organisations = match state.store.organisations(actor.territory.as_deref()).await {
        Ok(orgs) => orgs.into_iter().map(|o| (o.code, o.name)).collect(),
        Err(e) => return store_failure(t, &e),
    };
    let users = users
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            username: u.username,
            organisation: u.organisation,
            roles: u
                .roles
                .iter()
                .map(|r| t.get(&format!("role-{r}")))
                .collect::<Vec<_>>()
                .join("، "),
            disabled: u.disabled,
        })
        .collect();
    let roles = Role::ALL
        .iter()
        .map(|r| (r.code().to_owned(), t.get(&format!("role-{}", r.code()))))
        .collect();
    let status = status_for(&message);
    let page = UsersPage {
        shell: Shell {
            t,
            here: here.to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        users,
        organisations,
        roles,
        message,
        form_username,
    };
    (status, page).into_response()
}

pub async fn users(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
) -> Response {
    users_page(&state, t, &caller, uri.path(), None, String::new()).await
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_secrets.html")]
pub struct SecretsPage {
    shell: Shell,
    title: String,
    password: Option<String>,
    qr: Option<String>,
    otpauth: Option<String>,
}

fn secrets_page(
    t: Tr,
    caller: &Caller,
    here: &str,
    title: String,
    secrets: IssuedSecrets,
) -> Response {
    let qr = secrets
        .otpauth
        .as_deref()
        .and_then(|uri| awladna_crypto::totp::qr_svg(uri).ok())
        .map(|svg| {
            format!(
                "data:image/svg+xml;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(svg)
            )
        });
    SecretsPage {
        shell: Shell {
            t,
            here: here.to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        title,
        password: secrets.password,
        qr,
        otpauth: secrets.otpauth,
    }
    .into_response()
}

pub async fn add_user(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    let actor = match actor_of(t, &caller) {
        Ok(actor) => actor.clone(),
        Err(response) => return response,
    };
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let roles = pairs
        .iter()
        .filter(|(k, _)| k == "role")
        .filter_map(|(_, v)| v.parse::<Role>().ok())
        .collect();
    let organisation = match state.store.organisation(&field("organisation")).await {
        Ok(Some(org)) => org,
        Ok(None) => {
            return users_page(
                &state,
                t,
                &caller,
                uri.path(),
                Some(t.get("admin-error-organisation")),
                field("username"),
            )
            .await;
        }
        Err(e) => return store_failure(t, &e),
    };
    if let Err(response) = check(
        t,
        &actor,
        Action::ManageUsers,
        organisation.territory.as_deref(),
    ) {
        return response;
    }
    let new = NewUser {
        username: field("username"),
        organisation: organisation.code,
        roles,
        password: None,
    };
    match accounts::add_user(&state.store, &state.keyring, new, &by(&state, &caller)).await {
        Ok((_, secrets)) => {
            let title = t.get("admin-user-added");
            secrets_page(t, &caller, uri.path(), title, secrets)
        }
        Err(AccountError::Store(e)) => store_failure(t, &e),
        Err(e) => {
            users_page(
                &state,
                t,
                &caller,
                uri.path(),
                Some(t.get(e.message_id())),
                field("username"),
            )
            .await
        }
    }
}

/// Loads a user the administrator may manage, or answers 404.
async fn managed_user(
    state: &AppState,
    t: Tr,
    caller: &Caller,
    id: &str,
) -> Result<String, Response> {
    let actor = actor_of(t, caller)?;
    let user = match state.store.user_by_id(id).await {
        Ok(Some(user)) => user,
        Ok(None) => return Err(page_error(t, StatusCode::NOT_FOUND)),
        Err(e) => return Err(store_failure(t, &e)),
    };
    check(
        t,
        actor,
        Action::ManageUsers,
        user.organisation.territory.as_deref(),
    )?;
    Ok(user.id)
}

pub async fn disable_user(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path(id): Path<String>,
) -> Response {
    let id = match managed_user(&state, t, &caller, &id).await {
        Ok(id) => id,
        Err(response) => return response,
    };
    match accounts::disable_user(&state.store, &id, &by(&state, &caller)).await {
        Ok(_) => users_page(&state, t, &caller, uri.path(), None, String::new()).await,
        Err(e) => crate::error::internal(false, t, &e.to_string()),
    }
}

pub async fn reset_user(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path(id): Path<String>,
) -> Response {
    let id = match managed_user(&state, t, &caller, &id).await {
        Ok(id) => id,
        Err(response) => return response,
    };
    match accounts::reset_user(
        &state.store,
        &state.keyring,
        &id,
        None,
        &by(&state, &caller),
    )
    .await
    {
        Ok(secrets) => {
            let title = t.get("admin-user-reset");
            secrets_page(t, &caller, uri.path(), title, secrets)
        }
        Err(e) => crate::error::internal(false, t, &e.to_string()),
    }
}

// ---- Organisations -----------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "admin_organisations.html")]
pub struct OrganisationsPage {
    shell: Shell,
    organisations: Vec<(String, String, String, String)>,
    sectors: Vec<(String, String)>,
    territories: Vec<(String, String)>,
    national: bool,
    message: Option<String>,
}

async fn organisations_page(
    state: &AppState,
    t: Tr,
    caller: &Caller,
    here: &str,
    message: Option<String>,
) -> Response {
    let Some(actor) = &caller.actor else {
        return page_error(t, StatusCode::UNAUTHORIZED);
    };
    let organisations = match state.store.organisations(actor.territory.as_deref()).await {
        Ok(orgs) => orgs,
        Err(e) => return store_failure(t, &e),
    };
    let sectors_vocabulary = state.reference.vocabulary("sectors");
    let sector_label = |code: &str| {
        sectors_vocabulary
            .and_then(|v| v.label(code, t.lang))
            .unwrap_or(code)
            .to_owned()
    };
    let organisations = organisations
        .iter()
        .map(|o| {
            (
                o.code.clone(),
                o.name.clone(),
                sector_label(&o.sector),
                territory_label(state, t, o.territory.as_deref()),
            )
        })
        .collect();
    let sectors = sectors_vocabulary
        .map(|v| {
            v.terms
                .iter()
                .map(|s| (s.code.clone(), s.labels.get(t.lang).to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let territories = state
        .reference
        .territories()
        .iter()
        .filter(|p| p.kind.hosts_mechanism() && in_scope(actor, Some(&p.code)))
        .map(|p| (p.code.clone(), territory_label(state, t, Some(&p.code))))
        .collect();
    let status = status_for(&message);
    let page = OrganisationsPage {
        shell: Shell {
            t,
            here: here.to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        organisations,
        sectors,
        territories,
        national: actor.is_national(),
        message,
    };
    (status, page).into_response()
}

pub async fn organisations(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
) -> Response {
    organisations_page(&state, t, &caller, uri.path(), None).await
}

#[derive(Deserialize)]
pub struct OrganisationForm {
    code: String,
    sector: String,
    territory: String,
    name: String,
}

pub async fn add_organisation(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    axum::Form(form): axum::Form<OrganisationForm>,
) -> Response {
    let actor = match actor_of(t, &caller) {
        Ok(actor) => actor.clone(),
        Err(response) => return response,
    };
    let territory = Some(form.territory.trim().to_owned()).filter(|t| !t.is_empty());
    if let Err(response) = check(t, &actor, Action::ManageOrganisations, territory.as_deref()) {
        return response;
    }
    let org = Organisation {
        code: form.code.trim().to_owned(),
        sector: form.sector,
        territory,
        name: form.name,
    };
    match accounts::add_organisation(&state.store, &state.reference, org, &by(&state, &caller))
        .await
    {
        Ok(()) => organisations_page(&state, t, &caller, uri.path(), None).await,
        Err(AccountError::Store(e)) => store_failure(t, &e),
        Err(e) => {
            organisations_page(&state, t, &caller, uri.path(), Some(t.get(e.message_id()))).await
        }
    }
}

// ---- Audit log -----------------------------------------------------------------------------

pub struct AuditRow {
    at: String,
    actor: String,
    action: String,
    record: String,
    origin: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub struct AuditPage {
    shell: Shell,
    rows: Vec<AuditRow>,
    username: String,
    record: String,
    from: String,
    to: String,
    older: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    username: String,
    #[serde(default)]
    record: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: i64,
}

const AUDIT_PAGE: i64 = 50;

/// A day typed in the filter, as milliseconds at its start in Morocco.
fn day_start(text: &str, days_after: i64) -> Result<Option<i64>, ()> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let date: jiff::civil::Date = text.trim().parse().map_err(|_| ())?;
    let date = date
        .checked_add(jiff::Span::new().days(days_after))
        .map_err(|_| ())?;
    let zoned = date.to_zoned(local_zone()).map_err(|_| ())?;
    Ok(Some(zoned.timestamp().as_millisecond()))
}

pub async fn audit(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Query(query): Query<AuditQuery>,
) -> Response {
    let actor = match actor_of(t, &caller) {
        Ok(actor) => actor.clone(),
        Err(response) => return response,
    };
    let (Ok(from_ms), Ok(to_ms)) = (day_start(&query.from, 0), day_start(&query.to, 1)) else {
        return audit_page(
            t,
            &caller,
            uri.path(),
            &query,
            Vec::new(),
            false,
            Some(t.get("form-error-not-a-date")),
        );
    };
    let user_id = if query.username.trim().is_empty() {
        None
    } else {
        match state.store.user_by_username(query.username.trim()).await {
            Ok(Some(user)) if in_scope(&actor, user.organisation.territory.as_deref()) => {
                Some(user.id)
            }
            Ok(_) => Some(String::from("-")),
            Err(e) => return store_failure(t, &e),
        }
    };
    let filter = AuditFilter {
        actor: user_id,
        record_id: Some(query.record.trim().to_owned()).filter(|r| !r.is_empty()),
        territory: actor.territory.clone(),
        from_ms,
        to_ms,
    };
    let page = query.page.clamp(0, 10_000);
    let entries = match state
        .store
        .audit_entries(&filter, AUDIT_PAGE + 1, page * AUDIT_PAGE)
        .await
    {
        Ok(entries) => entries,
        Err(e) => return store_failure(t, &e),
    };
    let more = entries.len() as i64 > AUDIT_PAGE;
    let mut rows = Vec::new();
    for stored in entries.into_iter().take(AUDIT_PAGE as usize) {
        let e = stored.entry;
        let actor_name = match e.actor.as_deref() {
            Some(id) => match state.store.user_by_id(id).await {
                Ok(Some(user)) => user.username,
                _ => id.to_owned(),
            },
            None => "—".to_owned(),
        };
        let at = jiff::Timestamp::from_millisecond(e.at_ms)
            .map(|ts| {
                ts.to_zoned(local_zone())
                    .strftime("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_default();
        rows.push(AuditRow {
            at,
            actor: actor_name,
            action: e.action,
            record: [
                e.record_kind.unwrap_or_default(),
                e.record_id.unwrap_or_default(),
            ]
            .join(" ")
            .trim()
            .to_owned(),
            origin: e.origin.unwrap_or_default(),
        });
    }
    audit_page(t, &caller, uri.path(), &query, rows, more, None)
}

fn audit_page(
    t: Tr,
    caller: &Caller,
    here: &str,
    query: &AuditQuery,
    rows: Vec<AuditRow>,
    more: bool,
    message: Option<String>,
) -> Response {
    let older = more.then(|| {
        serde_urlencoded::to_string([
            ("username", query.username.as_str()),
            ("record", query.record.as_str()),
            ("from", query.from.as_str()),
            ("to", query.to.as_str()),
            ("page", &(query.page + 1).to_string()),
        ])
        .unwrap_or_default()
    });
    let status = status_for(&message);
    let page = AuditPage {
        shell: Shell {
            t,
            here: here.to_owned(),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        rows,
        username: query.username.clone(),
        record: query.record.clone(),
        from: query.from.clone(),
        to: query.to.clone(),
        older,
        message,
    };
    (status, page).into_response()
}

/// A page shown again with a message is a refusal of what was sent.
pub(crate) fn status_for(message: &Option<String>) -> StatusCode {
    if message.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}
