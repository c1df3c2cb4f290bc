//! Finding a child on the encrypted store: blind tokens of the name's loose phonetic
//! keys find the candidates, then the identities of those the user may see are opened
//! and ranked by similarity. Used to propose duplicates at triage and for name search.

use crate::auth::Caller;
use crate::error::{ApiError, internal, refusal};
use crate::i18n::Tr;
use crate::reports::open_for_caller as open;
use crate::state::AppState;
use awladna_core::reports::OpenedCard;
use awladna_domain::access::{Actor, Decision};
use awladna_domain::forms::{FieldError, Problem};
use awladna_domain::names::{matching_keys, names_match, person_similarity};
use awladna_store::keys::sealed_aad;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap};

/// The blind-index domain of children's names.
const NAME_DOMAIN: &str = "child-name";
/// Candidates read from the token index before ranking.
const CANDIDATE_POOL: i64 = 500;
const MAX_QUERY: usize = 120;

fn text<'a>(values: &'a Map<String, Value>, key: &str) -> &'a str {
    values.get(key).and_then(Value::as_str).unwrap_or("")
}

fn tokens(state: &AppState, first: &str, last: &str) -> Vec<Vec<u8>> {
    matching_keys(first, last)
        .iter()
        .map(|key| state.keyring.blind_index(NAME_DOMAIN, key).to_vec())
        .collect()
}

/// The blind tokens of the child named in a report (none for an unnamed child).
pub fn name_tokens(state: &AppState, values: &Map<String, Value>) -> Vec<Vec<u8>> {
    tokens(
        state,
        text(values, "child.first_name"),
        text(values, "child.last_name"),
    )
}

/// A candidate child, opened for a user allowed to see them.
struct Candidate {
    id: String,
    sex: String,
    birth_year: Option<i64>,
    identity: Map<String, Value>,
}

/// The children sharing a token, within the user's territory, identities opened: two
/// queries whatever the number of candidates, most shared tokens first.
async fn candidates(
    state: &AppState,
    actor: &Actor,
    tokens: &[Vec<u8>],
) -> Result<Vec<Candidate>, String> {
    // Children are looked for in the user's own province (a national body triages none).
    let Some(territory) = actor.territory.as_deref() else {
        return Ok(Vec::new());
    };
    let ids: Vec<String> = state
        .store
        .children_sharing_tokens(territory, tokens, CANDIDATE_POOL)
        .await
        .map_err(|e| e.detail())?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let rank: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut children = state.store.children(&ids).await.map_err(|e| e.detail())?;
    children.sort_by_key(|c| rank.get(c.id.as_str()).copied());
    let mut found = Vec::new();
    // The tokens carry the child's province, but whether the user may see a child is
    // the child's own row's to say.
    for child in children.into_iter().filter(|c| actor.covers(&c.territory)) {
        let identity = match child.identity {
            Some(sealed) => match state
                .keyring
                .open_json(&sealed, &sealed_aad("children", "identity", &child.id))
                .map_err(|e| e.to_string())?
            {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            None => Map::new(),
        };
        found.push(Candidate {
            id: child.id,
            sex: child.sex,
            birth_year: child.birth_year,
            identity,
        });
    }
    Ok(found)
}

/// Why a candidate may be the same child, and how likely: the name counts most, then
/// the birth year (±1, ages are often estimated) and the mother's name.
fn score(
    report: &Map<String, Value>,
    report_birth_year: Option<i64>,
    c: &Candidate,
) -> (f64, Vec<&'static str>) {
    let (first, last) = (
        text(report, "child.first_name"),
        text(report, "child.last_name"),
    );
    let (c_first, c_last) = (
        text(&c.identity, "first_name"),
        text(&c.identity, "last_name"),
    );
    let name = person_similarity(first, last, c_first, c_last);
    let mut reasons = Vec::new();
    if name >= awladna_domain::names::MATCH_THRESHOLD {
        let same_spelling = awladna_domain::names::normalize(&format!("{first} {last}"))
            == awladna_domain::names::normalize(&format!("{c_first} {c_last}"));
        reasons.push(if same_spelling {
            "same_name"
        } else {
            "name_spelled_differently"
        });
    }
    let year =
        matches!((report_birth_year, c.birth_year), (Some(a), Some(b)) if (a - b).abs() <= 1);
    if year {
        reasons.push("birth_year");
    }
    let (mother, c_mother) = (
        text(report, "child.mother_name"),
        text(&c.identity, "mother_name"),
    );
    let same_mother = !mother.is_empty() && !c_mother.is_empty() && names_match(mother, c_mother);
    if same_mother {
        reasons.push("mother_name");
    }
    let sex = text(report, "child.sex");
    let other_sex = !sex.is_empty() && sex != "unknown" && c.sex != "unknown" && sex != c.sex;
    let mut total =
        0.7 * name + if year { 0.15 } else { 0.0 } + if same_mother { 0.15 } else { 0.0 };
    if other_sex {
        total *= 0.5;
    }
    ((total * 1000.0).round() / 1000.0, reasons)
}

fn candidate_json(c: &Candidate, score: f64, reasons: &[&str]) -> Value {
    json!({
        "child_id": c.id,
        "score": score,
        "reasons": reasons,
        "first_name": c.identity.get("first_name"),
        "last_name": c.identity.get("last_name"),
        "sex": c.sex,
        "birth_year": c.birth_year,
    })
}

/// A child who may be the report's child: identity, score and why.
pub struct Ranked {
    pub score: f64,
    pub reasons: Vec<&'static str>,
    candidate: Candidate,
}

impl Ranked {
    pub fn child_id(&self) -> &str {
        &self.candidate.id
    }

    pub fn name(&self) -> String {
        let identity = &self.candidate.identity;
        format!(
            "{} {}",
            text(identity, "first_name"),
            text(identity, "last_name")
        )
        .trim()
        .to_owned()
    }

    pub fn birth_year(&self) -> Option<i64> {
        self.candidate.birth_year
    }

    pub fn sex(&self) -> &str {
        &self.candidate.sex
    }
}

/// The possible duplicates of a report's child, best first (at most ten).
pub async fn ranked_candidates(
    state: &AppState,
    actor: &Actor,
    values: &Map<String, Value>,
) -> Result<Vec<Ranked>, String> {
    let found = candidates(state, actor, &name_tokens(state, values)).await?;
    let report_year = crate::cases::birth_year(values);
    let mut ranked: Vec<Ranked> = found
        .into_iter()
        .map(|candidate| {
            let (score, reasons) = score(values, report_year, &candidate);
            Ranked {
                score,
                reasons,
                candidate,
            }
        })
        .filter(|r| r.score >= 0.5)
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    ranked.truncate(10);
    Ok(ranked)
}

/// The possible duplicates of the child of a report, best first.
pub async fn report_candidates(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let Some(actor) = caller.actor.clone() else {
        return ApiError::NotFound(t).into_response();
    };
    let OpenedCard { card, values } = match open(&state, &caller, &id).await {
        Ok(Ok(opened)) => opened,
        Ok(Err(Decision::Deny)) => {
            return refusal(t, StatusCode::FORBIDDEN, "forbidden", "auth-forbidden");
        }
        Ok(Err(_)) => return ApiError::NotFound(t).into_response(),
        Err(detail) => return internal(true, t, &detail),
    };
    let ranked = match ranked_candidates(&state, &actor, &values).await {
        Ok(ranked) => ranked,
        Err(detail) => return internal(true, t, &detail),
    };
    let list: Vec<Value> = ranked
        .iter()
        .map(|r| candidate_json(&r.candidate, r.score, &r.reasons))
        .collect();
    if let Err(e) = audit(
        &state,
        &caller,
        "report.candidates",
        ("card", &card.id),
        &card.territory,
        list.len(),
    )
    .await
    {
        return internal(true, t, &e);
    }
    Json(Value::Array(list)).into_response()
}

async fn audit(
    state: &AppState,
    caller: &Caller,
    action: &str,
    record: (&str, &str),
    territory: &str,
    shown: usize,
) -> Result<(), String> {
    state
        .audit_alone(caller.audit_entry(
            state.now_ms(),
            action,
            record,
            territory,
            json!({"children_shown": shown}),
        ))
        .await
        .map_err(|e| e.detail())
}

/// Every way to read a query as first name then family name, each of one word or
/// more: "Fatima Zahra Bennani" is Fatima / Zahra Bennani, or Fatima Zahra / Bennani.
/// One word is a first or a family name alone (tokens and similarity treat the two
/// parts alike).
fn readings(q: &str) -> Vec<(String, String)> {
    let words: Vec<&str> = q.split_whitespace().collect();
    if words.len() < 2 {
        return vec![(q.to_owned(), String::new())];
    }
    (1..words.len())
        .map(|split| (words[..split].join(" "), words[split..].join(" ")))
        .collect()
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub(crate) q: String,
}

/// Children of the user's province whose name sounds like `q`, best first (at most 20),
/// under whichever reading of a multi-word query fits each best; `Err` says what is wrong
/// with `q`. The search is audited; the query itself is never logged nor audited.
pub async fn find_children(
    state: &AppState,
    caller: &Caller,
    q: &str,
) -> Result<Result<Vec<Ranked>, FieldError>, String> {
    let Some(actor) = caller.actor.clone() else {
        return Ok(Ok(Vec::new()));
    };
    let q = q.trim();
    if q.is_empty() || q.chars().count() > MAX_QUERY || q.chars().any(char::is_control) {
        let problem = if q.is_empty() {
            Problem::Required
        } else {
            Problem::TooLong { max: MAX_QUERY }
        };
        return Ok(Err(FieldError {
            field: "q".into(),
            problem,
        }));
    }
    let readings = readings(q);
    let tokens: BTreeSet<Vec<u8>> = readings
        .iter()
        .flat_map(|(first, last)| tokens(state, first, last))
        .collect();
    let tokens: Vec<Vec<u8>> = tokens.into_iter().collect();
    let found = candidates(state, &actor, &tokens).await?;
    let mut ranked: Vec<Ranked> = found
        .into_iter()
        .map(|c| {
            let best = readings
                .iter()
                .map(|(first, last)| {
                    person_similarity(
                        first,
                        last,
                        text(&c.identity, "first_name"),
                        text(&c.identity, "last_name"),
                    )
                })
                .fold(0.0, f64::max);
            Ranked {
                score: (best * 1000.0).round() / 1000.0,
                reasons: Vec::new(),
                candidate: c,
            }
        })
        .filter(|r| r.score >= 0.5)
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    ranked.truncate(20);
    let territory = actor.territory.clone().unwrap_or_default();
    audit(
        state,
        caller,
        "child.search",
        ("children", "-"),
        &territory,
        ranked.len(),
    )
    .await?;
    Ok(Ok(ranked))
}

/// `GET /api/v1/children?q=NAME`: the query is never logged (the log records paths, not
/// query strings).
pub async fn search(
    State(state): State<AppState>,
    t: Tr,
    caller: Caller,
    Query(query): Query<SearchQuery>,
) -> Response {
    if caller.actor.is_none() {
        return ApiError::NotFound(t).into_response();
    }
    match find_children(&state, &caller, &query.q).await {
        Ok(Ok(ranked)) => Json(Value::Array(
            ranked
                .iter()
                .map(|r| candidate_json(&r.candidate, r.score, &[]))
                .collect(),
        ))
        .into_response(),
        Ok(Err(problem)) => ApiError::Invalid(t, vec![problem]).into_response(),
        Err(detail) => internal(true, t, &detail),
    }
}
