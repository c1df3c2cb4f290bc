//! Server-rendered pages. Each page struct carries the translator `t` and `here` (the
//! current path, for the language switcher).

use crate::auth::Caller;
use crate::error::page_error;
use crate::extract::Shell;
use crate::i18n::{LANG_COOKIE, Tr};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_domain::Lang;
use awladna_domain::access::{Action, Actor, Decision, decide};
use awladna_domain::forms::{Completeness, FieldError, FieldType, Form, local_zone};
use awladna_domain::reference::Reference;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

fn here(uri: &OriginalUri) -> String {
    uri.path().to_owned()
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    shell: Shell,
    stages: Vec<String>,
    today: Option<Today>,
    can_report: bool,
    can_read_cases: bool,
    can_keep_directory: bool,
    can_view_statistics: bool,
}

/// What needs attention today, as counters that are links (each for those who may act).
#[derive(Default)]
pub struct Today {
    waiting: Option<i64>,
    immediate: Option<i64>,
    high: Option<i64>,
    alerts: Option<i64>,
    /// Open cases the user follows, and the province's overdue plan actions.
    mine: Option<i64>,
    overdue: Option<i64>,
}

async fn today(state: &AppState, actor: &Actor) -> Result<Today, awladna_store::StoreError> {
    let Some(territory) = actor.territory.clone() else {
        return Ok(Today::default());
    };
    let may = |action| decide(Some(actor), action, Some(&territory)) == Decision::Allow;
    let open_at = |risk: &str| awladna_store::cases::CaseFilter {
        territory: Some(territory.clone()),
        risk: Some(risk.to_owned()),
        open_only: true,
        ..Default::default()
    };
    let mut today = Today::default();
    if may(Action::Triage) {
        today.waiting = Some(state.store.reports_awaiting_triage(&territory, 0).await?.1);
    }
    if may(Action::ReadCase) {
        today.immediate = Some(state.store.cases_page(&open_at("immediate"), 0, 0).await?.1);
        today.high = Some(state.store.cases_page(&open_at("high"), 0, 0).await?.1);
        let mine = awladna_store::cases::CaseFilter {
            territory: Some(territory.clone()),
            assigned_to: Some(actor.user_id.clone()),
            open_only: true,
            ..Default::default()
        };
        today.mine = Some(state.store.cases_page(&mine, 0, 0).await?.1);
        let now = state.now_ms();
        today.overdue = Some(
            state
                .store
                .overdue_actions(Some(&territory), now, 0, 0)
                .await?
                .1,
        );
    }
    if may(Action::ViewAlerts) {
        today.alerts =
            Some(i64::try_from(state.store.open_alerts(&territory, 100).await?.len()).unwrap_or(0));
    }
    Ok(today)
}

pub async fn home(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
) -> Response {
    let stages = state
        .reference
        .vocabulary("stages")
        .map(|v| {
            v.terms
                .iter()
                .filter(|s| s.code != "closed")
                .map(|s| s.labels.get(t.lang).to_owned())
                .collect()
        })
        .unwrap_or_default();
    let actor = caller.actor.as_ref().filter(|a| a.token_scope.is_none());
    let today = match actor {
        Some(actor) => match today(&state, actor).await {
            Ok(today) => Some(today),
            Err(e) => return crate::error::store_failure(t, &e),
        },
        None => None,
    };
    let allowed = |action| actor.is_some_and(|a| decide(Some(a), action, None) == Decision::Allow);
    HomePage {
        shell: Shell {
            t,
            here: here(&uri),
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        today,
        can_report: allowed(Action::RecordReport),
        can_read_cases: allowed(Action::ReadCase),
        can_keep_directory: actor.is_some_and(crate::directory::keeps_directory),
        can_view_statistics: actor.is_some_and(|a| {
            awladna_domain::access::decide(
                Some(a),
                awladna_domain::access::Action::ViewStatistics,
                None,
            ) == awladna_domain::access::Decision::Allow
        }),
        stages,
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Remembers the chosen language for a year and returns to the page the user was on.
pub async fn switch_language(Path(code): Path<String>, Query(query): Query<NextQuery>) -> Response {
    let Ok(lang) = code.parse::<Lang>() else {
        return page_error(Tr::new(Lang::default()), StatusCode::NOT_FOUND);
    };
    // Only a local path: a crafted link must not send the user to another site.
    let next = query
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".to_owned());
    let cookie = format!("{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly");
    ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}

pub struct VocabularyView {
    code: String,
    name: String,
    terms: Vec<(String, String)>,
}

pub struct RegionView {
    name: String,
    territories: Vec<(String, String, Option<u8>)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "reference.html")]
pub struct ReferencePage {
    shell: Shell,
    vocabularies: Vec<VocabularyView>,
    regions: Vec<RegionView>,
}

pub async fn reference(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
) -> ReferencePage {
    let r = &state.reference;
    let vocabularies = r
        .vocabularies()
        .map(|v| VocabularyView {
            code: v.code.clone(),
            name: v.labels.get(t.lang).to_owned(),
            terms: v
                .terms
                .iter()
                .map(|term| (term.code.clone(), term.labels.get(t.lang).to_owned()))
                .collect(),
        })
        .collect();
    let regions = r
        .territories()
        .iter()
        .filter(|region| region.parent_code.is_none())
        .map(|region| RegionView {
            name: territory_name(t, &region.name_ar, &region.name_fr),
            territories: r
                .territories()
                .iter()
                .filter(|p| p.parent_code.as_deref() == Some(region.code.as_str()))
                .map(|p| {
                    (
                        p.code.clone(),
                        territory_name(t, &p.name_ar, &p.name_fr),
                        p.wave,
                    )
                })
                .collect(),
        })
        .collect();
    ReferencePage {
        shell: Shell {
            t,
            here: here(&uri),
            user: caller.username,
            csrf: caller.csrf,
        },
        vocabularies,
        regions,
    }
}

/// Territories are named in Arabic and French only; English readers get the French.
pub(crate) fn territory_name(t: Tr, ar: &str, fr: &str) -> String {
    if t.lang == Lang::Ar {
        ar.to_owned()
    } else {
        fr.to_owned()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "forms.html")]
pub struct FormsPage {
    shell: Shell,
    forms: Vec<(String, String, u32)>,
}

pub async fn forms(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
) -> FormsPage {
    let forms = state
        .reference
        .forms()
        .map(|f| (f.code.clone(), f.labels.get(t.lang).to_owned(), f.version))
        .collect();
    FormsPage {
        shell: Shell {
            t,
            here: here(&uri),
            user: caller.username,
            csrf: caller.csrf,
        },
        forms,
    }
}

// ---- One form, rendered from its definition --------------------------------------

pub struct ChoiceView {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) checked: bool,
}

pub struct GroupView {
    pub(crate) label: String,
    pub(crate) options: Vec<ChoiceView>,
}

pub struct FieldView {
    code: String,
    /// How the field is drawn: text, textarea, date, datetime-local, number, checkbox,
    /// chips-one, chips-many, territory, commune.
    widget: &'static str,
    label: String,
    hint: Option<String>,
    required: bool,
    personal: bool,
    value: String,
    max_length: Option<usize>,
    min: Option<i64>,
    max: Option<i64>,
    choices: Vec<ChoiceView>,
    groups: Vec<GroupView>,
    error: Option<String>,
}

impl FieldView {
    fn dom_id(&self) -> String {
        format!("f-{}", self.code.replace('.', "-"))
    }
}

pub struct SectionView {
    title: String,
    fields: Vec<FieldView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "form.html")]
pub(crate) struct FormPage {
    shell: Shell,
    code: String,
    title: String,
    version: u32,
    sections: Vec<SectionView>,
    errors: Vec<(String, String, String)>,
    outcome: Option<String>,
    /// Where the form posts, and whether it is only a preview (nothing stored).
    pub(crate) action: String,
    pub(crate) preview: bool,
}

pub async fn form(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path(code): Path<String>,
) -> Response {
    let Some(form) = state.reference.form(&code) else {
        return page_error(t, StatusCode::NOT_FOUND);
    };
    let mut values = BTreeMap::new();
    // A quick capture starts at "now": most reports are typed as they come in.
    let now_local = state
        .clock
        .now()
        .to_zoned(local_zone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    for field in form
        .fields()
        .filter(|f| f.kind == FieldType::Datetime && f.required)
    {
        values.insert(field.code.clone(), vec![now_local.clone()]);
    }
    render_form(
        t,
        here(&uri),
        &caller,
        form,
        &state.reference,
        &values,
        &[],
        None,
    )
    .into_response()
}

/// Checks a filled form and shows it again with every value kept and each problem next
/// to its field. Nothing is stored: saving cards comes with case management.
pub async fn try_form(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    uri: OriginalUri,
    Path(code): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    let Some(form) = state.reference.form(&code) else {
        return page_error(t, StatusCode::NOT_FOUND);
    };
    let (values, input, completeness) = read_submission(form, pairs);
    let result = form.check(&input, completeness, &state.reference, state.clock.now());
    let (errors, outcome, status) = match result {
        Ok(card) if card.complete => (
            Vec::new(),
            Some(t.get("form-outcome-complete")),
            StatusCode::OK,
        ),
        Ok(_) => (
            Vec::new(),
            Some(t.get("form-outcome-draft")),
            StatusCode::OK,
        ),
        Err(errors) => (errors, None, StatusCode::UNPROCESSABLE_ENTITY),
    };
    (
        status,
        render_form(
            t,
            here(&uri),
            &caller,
            form,
            &state.reference,
            &values,
            &errors,
            outcome,
        ),
    )
        .into_response()
}

/// What a posted form holds: the values as typed (to show again), the JSON the engine
/// reads, and whether the user saves a draft.
pub(crate) fn read_submission(
    form: &Form,
    pairs: Vec<(String, String)>,
) -> (BTreeMap<String, Vec<String>>, Value, Completeness) {
    let draft = pairs.iter().any(|(k, v)| k == "_action" && v == "draft");
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, value) in pairs.into_iter().filter(|(k, _)| !k.starts_with('_')) {
        values.entry(key).or_default().push(value);
    }
    let input = submission_json(form, &values);
    (
        values,
        input,
        if draft {
            Completeness::Draft
        } else {
            Completeness::Complete
        },
    )
}

/// Posted pairs become the JSON the engine reads: lists for multi-choice fields.
fn submission_json(form: &Form, values: &BTreeMap<String, Vec<String>>) -> Value {
    let mut object = Map::new();
    for (key, list) in values {
        let many = form
            .field(key)
            .is_some_and(|f| f.kind == FieldType::MultiChoice);
        let value = match (many, list.as_slice()) {
            (true, _) => Value::Array(list.iter().cloned().map(Value::String).collect()),
            (false, [one]) => Value::String(one.clone()),
            (false, _) => Value::Array(list.iter().cloned().map(Value::String).collect()),
        };
        object.insert(key.clone(), value);
    }
    Value::Object(object)
}

/// A form that stores what it receives at `action` (not a preview): blank (200), or
/// shown again with the values typed and each problem beside its field (422).
#[allow(clippy::too_many_arguments)] // the page's parts, each needed once
pub(crate) fn storing_form(
    t: Tr,
    here: String,
    caller: &Caller,
    form: &Form,
    reference: &Reference,
    action: String,
    values: &BTreeMap<String, Vec<String>>,
    errors: &[FieldError],
) -> Response {
    let mut page = render_form(t, here, caller, form, reference, values, errors, None);
    page.action = action;
    page.preview = false;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, page).into_response()
}

#[allow(clippy::too_many_arguments)] // the page's parts, each needed once
pub(crate) fn render_form(
    t: Tr,
    here: String,
    caller: &Caller,
    form: &Form,
    reference: &Reference,
    values: &BTreeMap<String, Vec<String>>,
    errors: &[FieldError],
    outcome: Option<String>,
) -> FormPage {
    let message = |e: &FieldError| t.with(e.problem.message_id(), &e.problem.arguments());
    let sections = form
        .sections
        .iter()
        .map(|section| SectionView {
            title: section.labels.get(t.lang).to_owned(),
            fields: section
                .fields
                .iter()
                .map(|field| {
                    let given = values.get(&field.code).cloned().unwrap_or_default();
                    let error = errors.iter().find(|e| e.field == field.code).map(message);
                    field_view(t, field, reference, values, given, error)
                })
                .collect(),
        })
        .collect();
    let errors = errors
        .iter()
        .map(|e| {
            let label = form
                .field(&e.field)
                .map_or_else(|| e.field.clone(), |f| f.labels.get(t.lang).to_owned());
            (
                format!("f-{}", e.field.replace('.', "-")),
                label,
                message(e),
            )
        })
        .collect();
    FormPage {
        shell: Shell {
            t,
            here,
            user: caller.username.clone(),
            csrf: caller.csrf.clone(),
        },
        action: format!("/forms/{}", form.code),
        preview: true,
        code: form.code.clone(),
        title: form.labels.get(t.lang).to_owned(),
        version: form.version,
        sections,
        errors,
        outcome,
    }
}

fn field_view(
    t: Tr,
    field: &awladna_domain::forms::Field,
    reference: &Reference,
    all_values: &BTreeMap<String, Vec<String>>,
    given: Vec<String>,
    error: Option<String>,
) -> FieldView {
    let first = given.first().cloned().unwrap_or_default();
    let mut choices = Vec::new();
    let mut groups = Vec::new();
    let widget = match field.kind {
        FieldType::Text => "text",
        FieldType::Textarea => "textarea",
        FieldType::Date => "date",
        FieldType::Datetime => "datetime-local",
        FieldType::Integer => "number",
        FieldType::Boolean => "checkbox",
        FieldType::Choice | FieldType::MultiChoice => {
            if let Some(vocabulary) = field
                .vocabulary
                .as_deref()
                .and_then(|v| reference.vocabulary(v))
            {
                choices = vocabulary
                    .terms
                    .iter()
                    .map(|term| ChoiceView {
                        value: term.code.clone(),
                        label: term.labels.get(t.lang).to_owned(),
                        checked: given.contains(&term.code),
                    })
                    .collect();
            }
            if field.kind == FieldType::Choice {
                "chips-one"
            } else {
                "chips-many"
            }
        }
        FieldType::Territory => {
            groups = territory_groups(t, reference, &first);
            "territory"
        }
        FieldType::Commune => {
            // The communes of the territory chosen on the same form, if any.
            let territory = all_values
                .get("territory")
                .and_then(|v| v.first())
                .cloned()
                .unwrap_or_default();
            choices = commune_choices(t, reference, &territory, &first);
            "commune"
        }
    };
    FieldView {
        code: field.code.clone(),
        widget,
        label: field.labels.get(t.lang).to_owned(),
        hint: field.hint.as_ref().map(|h| h.get(t.lang).to_owned()),
        required: field.required,
        personal: field.personal,
        value: first,
        max_length: field.max_length,
        min: field.min,
        max: field.max,
        choices,
        groups,
        error,
    }
}

pub(crate) fn territory_groups(t: Tr, reference: &Reference, selected: &str) -> Vec<GroupView> {
    let all = reference.territories();
    all.iter()
        .filter(|region| region.parent_code.is_none())
        .map(|region| GroupView {
            label: territory_name(t, &region.name_ar, &region.name_fr),
            options: all
                .iter()
                .filter(|p| {
                    p.parent_code.as_deref() == Some(region.code.as_str())
                        && p.kind.hosts_mechanism()
                })
                .map(|p| ChoiceView {
                    value: p.code.clone(),
                    label: territory_name(t, &p.name_ar, &p.name_fr),
                    checked: p.code == selected,
                })
                .collect(),
        })
        .collect()
}

fn commune_choices(
    t: Tr,
    reference: &Reference,
    territory: &str,
    selected: &str,
) -> Vec<ChoiceView> {
    reference
        .communes_of(territory)
        .map(|c| ChoiceView {
            value: c.hcp_code.clone(),
            label: territory_name(t, &c.name_ar, &c.name_fr),
            checked: c.hcp_code == selected,
        })
        .collect()
}

#[derive(Deserialize)]
pub struct CommuneQuery {
    territory: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "commune_options.html")]
pub struct CommuneOptions {
    t: Tr,
    choices: Vec<ChoiceView>,
}

/// The commune list for a territory, swapped in by htmx when the territory changes.
pub async fn commune_options(
    State(state): State<AppState>,
    t: Tr,
    Query(query): Query<CommuneQuery>,
) -> CommuneOptions {
    let territory = query.territory.unwrap_or_default();
    CommuneOptions {
        t,
        choices: commune_choices(t, &state.reference, &territory, ""),
    }
}
