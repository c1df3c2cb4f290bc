//! The province's children's register (سجل الأطفال): every child once, newest first,
//! with their number of cases and the latest one, and the search by name. The use
//! cases are `awladna_core::children`'.

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::forms::{ChoiceView, commune_choices};
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::children::{
    REGISTER_PAGE, RegisterPage as Register, register as read_register, search_register,
};
use awladna_core::sealing::display_name;
use awladna_core::{CoreError, act};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

pub struct ChildLine {
    name: String,
    sex: String,
    birth_year: String,
    cases: i64,
    last_case: Option<(String, String, String)>,
}

impl ChildLine {
    fn new(
        state: &AppState,
        t: Tr,
        name: String,
        sex: &str,
        birth_year: Option<i64>,
        cases: i64,
        last_case: Option<(String, String, String)>,
    ) -> ChildLine {
        ChildLine {
            name: if name.is_empty() {
                t.get("child-unnamed")
            } else {
                name
            },
            sex: state.label(t, "sex", sex),
            birth_year: birth_year.map(|y| y.to_string()).unwrap_or_default(),
            cases,
            last_case: last_case
                .map(|(id, number, stage)| (id, number, state.label(t, "stages", &stage))),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
pub struct RegisterPage {
    shell: Shell,
    territory: String,
    children: Vec<ChildLine>,
    total: i64,
    page: i64,
    pages: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "register_search.html")]
pub struct SearchPage {
    shell: Shell,
    q: String,
    birth_year: String,
    mother: String,
    sex: String,
    commune: String,
    sexes: Vec<ChoiceView>,
    communes: Vec<ChoiceView>,
    problem: Option<String>,
    children: Vec<(ChildLine, String)>,
    /// "N children found, M with the whole name", when there is an answer.
    summary: Option<String>,
    /// The invitation to narrow a large answer.
    narrow: Option<String>,
    page: i64,
    pages: i64,
}

#[derive(Deserialize)]
pub struct RegisterQuery {
    page: Option<i64>,
}

pub async fn register(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadCase>,
    Query(query): Query<RegisterQuery>,
) -> Result<RegisterPage, AppError> {
    let t = shell.t;
    let Register {
        territory,
        lines,
        total,
        page,
    } = read_register(&state, &permit, query.page).await?;
    let children = lines
        .into_iter()
        .map(|line| {
            let row = line.row;
            let name = display_name(&line.identity);
            ChildLine::new(
                &state,
                t,
                name,
                &row.sex,
                row.birth_year,
                row.cases,
                row.last_case,
            )
        })
        .collect();
    let place = state
        .reference
        .territory(&territory)
        .map(|p| {
            if t.lang == awladna_domain::Lang::Ar {
                p.name_ar.clone()
            } else {
                p.name_fr.clone()
            }
        })
        .unwrap_or(territory);
    Ok(RegisterPage {
        shell,
        territory: place,
        children,
        total,
        page,
        pages: (total + REGISTER_PAGE - 1) / REGISTER_PAGE,
    })
}

/// `POST /children/search` with `q` and what narrows it (`birth_year`, `sex`, `mother`,
/// `commune`) and `page`: the register's children whose name meets the query, best
/// first, each with their cases and how their name meets it; a large answer invites
/// the birth year or the mother's name. Posted, not in the address: a name typed there
/// would stay in the browser's history and in proxies' logs.
pub async fn search_page(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadCase>,
    axum::Form(query): axum::Form<super::children::SearchQuery>,
) -> Result<Response, AppError> {
    let t = shell.t;
    let searched = match query.search() {
        Ok(search) => search_register(&state, &permit, &search).await,
        Err(e) => Err(e),
    };
    let (found, searched, problem) = match searched {
        Ok((found, searched)) => (found, Some(searched), None),
        Err(CoreError::Invalid(errors)) => (
            Vec::new(),
            None,
            errors
                .first()
                .map(|e| t.with(e.problem.message_id(), &e.problem.arguments())),
        ),
        Err(e) => return Err(e.into()),
    };
    let children = found
        .into_iter()
        .map(|found| {
            let r = &found.ranked;
            let cases = i64::try_from(found.cases.len()).unwrap_or(i64::MAX);
            let last = found.cases.into_iter().next();
            let how = t.get(&format!("register-match-{}", found.name_match.code()));
            let line = ChildLine::new(&state, t, r.name(), r.sex(), r.birth_year(), cases, last);
            (line, how)
        })
        .collect();
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let totals = searched.as_ref().map(|s| s.totals).unwrap_or_default();
    let summary = (totals.answer > 0).then(|| {
        t.with(
            "register-search-total",
            &[("total", totals.answer), ("matched", totals.matched)],
        )
    });
    let narrow = searched
        .as_ref()
        .filter(|s| s.wants_narrowing())
        .map(|s| t.with("register-search-narrow", &[("count", s.totals.matched)]));
    let territory = permit.actor().territory.clone().unwrap_or_default();
    let sex = query.sex.trim();
    let sexes = state
        .choices(t, "sex")
        .into_iter()
        .map(|(value, label)| ChoiceView {
            checked: value == sex,
            value,
            label,
        })
        .collect();
    let clip = |v: &str| {
        v.chars()
            .take(awladna_core::children::MAX_QUERY)
            .collect::<String>()
    };
    let page = SearchPage {
        shell,
        q: clip(&query.q),
        birth_year: clip(&query.birth_year),
        mother: clip(&query.mother),
        sex: clip(sex),
        commune: clip(query.commune.trim()),
        sexes,
        communes: commune_choices(t, &state.reference, &territory, query.commune.trim()),
        problem,
        children,
        summary,
        narrow,
        page: searched.as_ref().map_or(1, |s| s.page),
        pages: searched.as_ref().map_or(1, |s| s.pages),
    };
    Ok((status, page).into_response())
}
