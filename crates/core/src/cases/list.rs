//! The cases of the user's province, newest first, filtered and paginated. Every
//! filter arrives as text and is checked here, so that a wrong one is answered as a
//! field's problem in the user's language, not by the query-string parser.

use crate::permit::act;
use crate::{Core, CoreError, Permit};
use awladna_domain::access::Actor;
use awladna_domain::child::born_in;
use awladna_domain::forms::{FieldError, Problem, local_zone};
use awladna_store::cases::{CaseFilter, CaseRow};
use serde::Deserialize;

pub const MAX_PER_PAGE: i64 = 100;
pub const PER_PAGE: i64 = 25;

/// The list's filters, as the API and the page receive them.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub stage: Option<String>,
    pub risk: Option<String>,
    pub sex: Option<String>,
    /// 0-5, 6-11, 12-14 or 15-17 (the report age bands).
    pub age_band: Option<String>,
    /// A code of the concerns vocabulary.
    pub concern: Option<String>,
    /// `true`: the cases the user follows.
    pub mine: Option<String>,
    /// `true`: the cases with an open plan action past its deadline.
    pub overdue: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// A value given, trimmed; an empty one (a form's "—") is none.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn field_error(field: &str, problem: Problem) -> FieldError {
    FieldError {
        field: field.to_owned(),
        problem,
    }
}

/// The filter a query asks for, within the user's province, or what is wrong with it.
fn case_filter(
    core: &Core,
    actor: &Actor,
    query: &ListQuery,
) -> Result<CaseFilter, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut code = |field: &str, value: &Option<String>, vocabulary: &str| -> Option<String> {
        let value = given(value)?;
        if core
            .reference
            .vocabulary(vocabulary)
            .is_some_and(|v| v.contains(value))
        {
            Some(value.to_owned())
        } else {
            errors.push(field_error(field, Problem::UnknownCode));
            None
        }
    };
    let stage = code("stage", &query.stage, "stages");
    let risk = code("risk", &query.risk, "urgency");
    let sex = code("sex", &query.sex, "sex");
    let concern = code("concern", &query.concern, "concerns");
    let mut flag = |field: &str, value: &Option<String>| match given(value) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            errors.push(field_error(field, Problem::NotABoolean));
            false
        }
    };
    let mine = flag("mine", &query.mine);
    let overdue = flag("overdue", &query.overdue);
    let year = i64::from(core.clock.now().to_zoned(local_zone()).year());
    let band = given(&query.age_band).and_then(|b| {
        let range = born_in(b, year);
        if range.is_none() {
            errors.push(field_error("age_band", Problem::UnknownCode));
        }
        range
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CaseFilter {
        territory: actor.territory.clone(),
        stage,
        risk,
        sex,
        born_from: band.map(|b| b.0),
        born_to: band.map(|b| b.1),
        open_only: false,
        // A machine client's id is never a case's follower: its "my cases" are none.
        assigned_to: mine.then(|| actor.user_id.clone()),
        concern,
        overdue_at: overdue.then(|| core.now_ms()),
    })
}

pub struct CaseList {
    pub filter: CaseFilter,
    pub rows: Vec<CaseRow>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// One page of the province's cases; every problem of the query is told at once.
pub async fn list(
    core: &Core,
    permit: &Permit<act::ReadCase>,
    query: &ListQuery,
) -> Result<CaseList, CoreError> {
    let (filter, mut errors) = match case_filter(core, permit.actor(), query) {
        Ok(filter) => (Some(filter), Vec::new()),
        Err(errors) => (None, errors),
    };
    let per_page = query.per_page.unwrap_or(PER_PAGE);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        let problem = Problem::OutOfRange {
            min: 1,
            max: MAX_PER_PAGE,
        };
        errors.push(field_error("per_page", problem));
    }
    let page = query.page.unwrap_or(1);
    if page < 1 {
        let problem = Problem::OutOfRange {
            min: 1,
            max: i64::MAX,
        };
        errors.push(field_error("page", problem));
    }
    let Some(filter) = filter.filter(|_| errors.is_empty()) else {
        return Err(CoreError::Invalid(errors));
    };
    let offset = (page - 1).saturating_mul(per_page);
    let (rows, total) = core.store.cases_page(&filter, per_page, offset).await?;
    Ok(CaseList {
        filter,
        rows,
        total,
        page,
        per_page,
    })
}
