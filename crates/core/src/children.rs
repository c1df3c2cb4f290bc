//! Finding a child on the encrypted store: blind tokens of the name's loose phonetic
//! keys find the candidates, then the identities of those the user may see are opened
//! and ranked by similarity. Used to propose duplicates at triage, for name search and
//! by the province's register (سجل الأطفال). Every look at identities is audited; a
//! searched name is never logged nor audited.

use crate::permit::act;
use crate::{Core, CoreError, Permit, Who};
use awladna_domain::access::{Actor, Decision};
use awladna_domain::child::birth_year;
use awladna_domain::forms::Problem;
use awladna_domain::names::{
    MATCH_THRESHOLD, matching_keys, names_match, normalize, person_similarity,
};
use awladna_store::register::RegisterRow;
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap};
use thiserror::Error;

/// The blind-index domain of children's names.
const NAME_DOMAIN: &str = "child-name";
/// Candidates read from the token index before ranking.
const CANDIDATE_POOL: i64 = 500;
pub const MAX_QUERY: usize = 120;
/// Children on one page of the register.
pub const REGISTER_PAGE: i64 = 50;

fn text<'a>(values: &'a Map<String, Value>, key: &str) -> &'a str {
    values.get(key).and_then(Value::as_str).unwrap_or("")
}

fn tokens(core: &Core, first: &str, last: &str) -> Vec<Vec<u8>> {
    matching_keys(first, last)
        .iter()
        .map(|key| core.keyring.blind_index(NAME_DOMAIN, key).to_vec())
        .collect()
}

/// The blind tokens of the child named in a report (none for an unnamed child).
pub fn name_tokens(core: &Core, values: &Map<String, Value>) -> Vec<Vec<u8>> {
    tokens(
        core,
        text(values, "child.first_name"),
        text(values, "child.last_name"),
    )
}

/// A candidate child, opened for a user allowed to see them.
pub struct Candidate {
    pub id: String,
    pub sex: String,
    pub birth_year: Option<i64>,
    pub identity: Map<String, Value>,
}

/// The children sharing a token, within the user's territory, identities opened: two
/// queries whatever the number of candidates, most shared tokens first.
async fn candidates(
    core: &Core,
    actor: &Actor,
    tokens: &[Vec<u8>],
) -> Result<Vec<Candidate>, CoreError> {
    // Children are looked for in the user's own province (a national body triages none).
    let Some(territory) = actor.territory.as_deref() else {
        return Ok(Vec::new());
    };
    let ids: Vec<String> = core
        .store
        .children_sharing_tokens(territory, tokens, CANDIDATE_POOL)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let rank: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut children = core.store.children(&ids).await?;
    children.sort_by_key(|c| rank.get(c.id.as_str()).copied());
    let mut found = Vec::new();
    // The tokens carry the child's province, but whether the user may see a child is
    // the child's own row's to say.
    for child in children.into_iter().filter(|c| actor.covers(&c.territory)) {
        let identity = match core.open_identity(&child.id, child.identity.as_deref())? {
            Value::Object(map) => map,
            _ => Map::new(),
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
    if name >= MATCH_THRESHOLD {
        let same_spelling =
            normalize(&format!("{first} {last}")) == normalize(&format!("{c_first} {c_last}"));
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

/// A child who may be the one looked for: identity, score and why.
pub struct Ranked {
    pub score: f64,
    pub reasons: Vec<&'static str>,
    pub candidate: Candidate,
}

impl Ranked {
    pub fn child_id(&self) -> &str {
        &self.candidate.id
    }

    pub fn name(&self) -> String {
        crate::sealing::display_name(&Value::Object(self.candidate.identity.clone()))
    }

    pub fn birth_year(&self) -> Option<i64> {
        self.candidate.birth_year
    }

    pub fn sex(&self) -> &str {
        &self.candidate.sex
    }
}

/// The best `limit` of those scoring at least one half, best first.
fn best(mut ranked: Vec<Ranked>, limit: usize) -> Vec<Ranked> {
    ranked.retain(|r| r.score >= 0.5);
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    ranked.truncate(limit);
    ranked
}

/// The possible duplicates of a report's child, best first (at most ten). The caller
/// opened the report; the report's page shows them beside it.
pub async fn ranked_candidates(
    core: &Core,
    actor: &Actor,
    values: &Map<String, Value>,
) -> Result<Vec<Ranked>, CoreError> {
    let found = candidates(core, actor, &name_tokens(core, values)).await?;
    let report_year = birth_year(values);
    let ranked = found
        .into_iter()
        .map(|candidate| {
            let (score, reasons) = score(values, report_year, &candidate);
            Ranked {
                score,
                reasons,
                candidate,
            }
        })
        .collect();
    Ok(best(ranked, 10))
}

async fn audit_shown(
    core: &Core,
    who: &Who,
    action: &str,
    record: (&str, &str),
    territory: &str,
    shown: usize,
) -> Result<(), CoreError> {
    let entry = who.audit(
        core.now_ms(),
        action,
        record,
        territory,
        json!({"children_shown": shown}),
    );
    core.audit_alone(entry).await
}

/// The possible duplicates of the child of a report, for a triage; audited.
pub async fn report_candidates(
    core: &Core,
    permit: &Permit<act::Triage>,
    report_id: &str,
) -> Result<Vec<Ranked>, CoreError> {
    let reader = permit.also::<act::ReadReport>()?;
    let opened = crate::reports::open(core, &reader, report_id).await?;
    let ranked = ranked_candidates(core, permit.actor(), &opened.values).await?;
    let card = &opened.card;
    audit_shown(
        core,
        permit.who(),
        "report.candidates",
        ("card", &card.id),
        &card.territory,
        ranked.len(),
    )
    .await?;
    Ok(ranked)
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

/// Children of the user's province whose name sounds like `q`, best first (at most 20),
/// under whichever reading of a multi-word query fits each best; a bad `q` is the
/// field `q`'s problem. The search is audited; the query itself is never logged nor
/// audited.
pub async fn find_children(
    core: &Core,
    permit: &Permit<act::ReadCase>,
    q: &str,
) -> Result<Vec<Ranked>, CoreError> {
    let actor = permit.actor();
    let q = q.trim();
    if q.is_empty() || q.chars().count() > MAX_QUERY || q.chars().any(char::is_control) {
        let problem = if q.is_empty() {
            Problem::Required
        } else {
            Problem::TooLong { max: MAX_QUERY }
        };
        return Err(CoreError::field("q", problem));
    }
    let readings = readings(q);
    let tokens: BTreeSet<Vec<u8>> = readings
        .iter()
        .flat_map(|(first, last)| tokens(core, first, last))
        .collect();
    let tokens: Vec<Vec<u8>> = tokens.into_iter().collect();
    let found = candidates(core, actor, &tokens).await?;
    let ranked = found
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
        .collect();
    let ranked = best(ranked, 20);
    let territory = actor.territory.clone().unwrap_or_default();
    audit_shown(
        core,
        permit.who(),
        "child.search",
        ("children", "-"),
        &territory,
        ranked.len(),
    )
    .await?;
    Ok(ranked)
}

/// A found child with their cases, newest first: (id, number, stage).
pub struct FoundChild {
    pub ranked: Ranked,
    pub cases: Vec<(String, String, String)>,
}

/// [`find_children`], each child with their cases (the register's search).
pub async fn search_register(
    core: &Core,
    permit: &Permit<act::ReadCase>,
    q: &str,
) -> Result<Vec<FoundChild>, CoreError> {
    let mut found = Vec::new();
    for ranked in find_children(core, permit, q).await? {
        let cases = core.store.cases_of_child(ranked.child_id()).await?;
        found.push(FoundChild { ranked, cases });
    }
    Ok(found)
}

#[derive(Debug, Error)]
pub enum RegisterError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The register is a province's: a national reader has none to browse.
    #[error("a national reader has no register")]
    National,
}

crate::wraps_core_error!(RegisterError);

/// One child of the register, identity opened.
pub struct RegisterLine {
    pub row: RegisterRow,
    pub identity: Value,
}

pub struct RegisterPage {
    pub territory: String,
    pub lines: Vec<RegisterLine>,
    pub total: i64,
    pub page: i64,
}

/// A page of the province's register, newest first; the read is audited.
pub async fn register(
    core: &Core,
    permit: &Permit<act::ReadCase>,
    page: Option<i64>,
) -> Result<RegisterPage, RegisterError> {
    let Some(territory) = permit.actor().territory.clone() else {
        return Err(RegisterError::National);
    };
    if permit.decide_on(&territory) != Decision::Allow {
        return Err(CoreError::Forbidden.into());
    }
    let page = page.unwrap_or(1).clamp(1, i64::MAX / REGISTER_PAGE);
    let (rows, total) = core
        .store
        .register_page(&territory, REGISTER_PAGE, (page - 1) * REGISTER_PAGE)
        .await?;
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        let identity = core.open_identity(&row.child_id, row.identity.as_deref())?;
        lines.push(RegisterLine { row, identity });
    }
    let entry = permit.who().audit(
        core.now_ms(),
        "children.register_read",
        ("territory", &territory),
        &territory,
        json!({"page": page, "shown": lines.len()}),
    );
    core.audit_alone(entry).await?;
    Ok(RegisterPage {
        territory,
        lines,
        total,
        page,
    })
}
