//! Finding a child on the encrypted store: blind tokens of the name's loose phonetic
//! keys find the candidates, then the identities of those the user may see are opened
//! and ranked by similarity. Used to propose duplicates at triage, for name search and
//! by the province's register (سجل الأطفال). Every look at identities is audited; a
//! searched name is never logged nor audited.

use crate::permit::act;
use crate::{Core, CoreError, Permit, Who};
use awladna_crypto::Keyring;
use awladna_domain::access::{Actor, Decision};
use awladna_domain::child::birth_year;
use awladna_domain::forms::{Problem, is_direction_control, local_zone};
use awladna_domain::names::{
    MATCH_THRESHOLD, child_keys, commune_key, matching_keys, mother_keys, names_match, normalize,
    person_similarity, spelling_key,
};
use awladna_store::cases::ChildRecord;
use awladna_store::name_search::{NameSearch, Totals};
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

fn blind(keyring: &Keyring, keys: &[String]) -> Vec<Vec<u8>> {
    keys.iter()
        .map(|key| keyring.blind_index(NAME_DOMAIN, key).to_vec())
        .collect()
}

fn tokens(core: &Core, first: &str, last: &str) -> Vec<Vec<u8>> {
    blind(&core.keyring, &matching_keys(first, last))
}

/// Every token kept for a child's identity (first, family and mother's name): what
/// triage, a correction and the demo store. Duplicate detection reads the name ones.
pub fn identity_tokens(keyring: &Keyring, first: &str, last: &str, mother: &str) -> Vec<Vec<u8>> {
    blind(keyring, &child_keys(first, last, mother))
}

/// The blind tokens a search finds the child with: those of the new identity, and the
/// communes of the child's reports, which a correction does not change.
pub(crate) async fn search_tokens(
    core: &Core,
    child_id: &str,
    identity: &Map<String, Value>,
) -> Result<Vec<Vec<u8>>, CoreError> {
    let name = |field: &str| identity.get(field).and_then(Value::as_str).unwrap_or("");
    let mut tokens = identity_tokens(
        &core.keyring,
        name("first_name"),
        name("last_name"),
        name("mother_name"),
    );
    for commune in core.store.report_communes(child_id).await? {
        tokens.push(commune_token(&core.keyring, &commune));
    }
    Ok(tokens)
}

/// The token of a commune a child was reported in.
pub fn commune_token(keyring: &Keyring, code: &str) -> Vec<u8> {
    keyring
        .blind_index(NAME_DOMAIN, &commune_key(code))
        .to_vec()
}

/// The tokens kept for the child a report names, with the report's commune.
pub fn report_tokens(core: &Core, values: &Map<String, Value>) -> Vec<Vec<u8>> {
    let mut tokens = identity_tokens(
        &core.keyring,
        text(values, "child.first_name"),
        text(values, "child.last_name"),
        text(values, "child.mother_name"),
    );
    tokens.extend(report_commune_token(core, values));
    tokens
}

/// The token of the commune a report names, if any.
pub fn report_commune_token(core: &Core, values: &Map<String, Value>) -> Option<Vec<u8>> {
    Some(text(values, "commune"))
        .filter(|c| !c.is_empty())
        .map(|c| commune_token(&core.keyring, c))
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
        found.push(opened(core, child)?);
    }
    Ok(found)
}

/// A child's row, identity opened.
fn opened(core: &Core, child: ChildRecord) -> Result<Candidate, CoreError> {
    let identity = match core.open_identity(&child.id, child.identity.as_deref())? {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    Ok(Candidate {
        id: child.id,
        sex: child.sex,
        birth_year: child.birth_year,
        identity,
    })
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

/// Children on one page of a name search.
pub const SEARCH_PAGE: i64 = 20;
/// The oldest birth year a search narrows by.
const OLDEST_BIRTH_YEAR: i64 = 1900;

/// What a name search is asked: the name, and what narrows and re-ranks it.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub q: String,
    pub birth_year: Option<i64>,
    /// A code of the sex vocabulary; `unknown` narrows nothing.
    pub sex: Option<String>,
    pub mother: Option<String>,
    /// A commune of the user's province (HCP code).
    pub commune: Option<String>,
    /// From 1.
    pub page: Option<i64>,
}

/// How a found child's name meets the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameMatch {
    /// Both names written alike (once normalized).
    Exact,
    /// Both names sounding alike.
    Phonetic,
    /// One name, or a word of one, sounding alike.
    Partial,
}

impl NameMatch {
    pub fn code(self) -> &'static str {
        match self {
            NameMatch::Exact => "exact",
            NameMatch::Phonetic => "phonetic",
            NameMatch::Partial => "partial",
        }
    }
}

/// A page of a name search: the children, opened, and the answer's totals.
pub struct Searched {
    pub found: Vec<(Ranked, NameMatch)>,
    pub totals: Totals,
    pub page: i64,
    pub pages: i64,
    /// The birth year or the mother's name was given.
    narrowed: bool,
}

impl Searched {
    /// More children match the full name than a page shows and neither the birth year
    /// nor the mother's name was given: they would bring the right one first.
    pub fn wants_narrowing(&self) -> bool {
        self.totals.matched > SEARCH_PAGE && !self.narrowed
    }
}

fn check_text(field: &str, value: &str) -> Result<(), CoreError> {
    if value.is_empty() {
        return Err(CoreError::field(field, Problem::Required));
    }
    if value.chars().count() > MAX_QUERY {
        return Err(CoreError::field(field, Problem::TooLong { max: MAX_QUERY }));
    }
    if value.chars().any(char::is_control) {
        return Err(CoreError::field(field, Problem::ControlCharacters));
    }
    if value.chars().any(is_direction_control) {
        return Err(CoreError::field(field, Problem::DirectionControls));
    }
    Ok(())
}

/// The search's values checked: each bad one is its field's problem.
fn checked(core: &Core, territory: &str, search: &Search) -> Result<(), CoreError> {
    check_text("q", search.q.trim())?;
    if let Some(mother) = &search.mother {
        check_text("mother", mother.trim())?;
    }
    let this_year = i64::from(core.clock.now().to_zoned(local_zone()).year());
    if let Some(year) = search.birth_year
        && !(OLDEST_BIRTH_YEAR..=this_year).contains(&year)
    {
        return Err(CoreError::field(
            "birth_year",
            Problem::OutOfRange {
                min: OLDEST_BIRTH_YEAR,
                max: this_year,
            },
        ));
    }
    if let Some(sex) = &search.sex
        && core
            .reference
            .vocabulary("sex")
            .and_then(|v| v.term(sex))
            .is_none()
    {
        return Err(CoreError::field("sex", Problem::UnknownCode));
    }
    if let Some(commune) = &search.commune
        && !core
            .reference
            .communes_of(territory)
            .any(|c| &c.hcp_code == commune)
    {
        return Err(CoreError::field(
            "commune",
            Problem::CommuneOutsideTerritory,
        ));
    }
    Ok(())
}

/// Children of the user's province whose name meets `search.q`, a page at a time:
/// every child whose full name is written or sounds alike, then those sharing one
/// name, under whichever reading of a multi-word query fits; the birth year and sex
/// narrow, they and the mother's name and commune re-rank. The order comes from the
/// blind tokens alone (one index range, in the database); only the page's identities
/// are opened. A bad value is its field's problem. The search is audited; what was
/// searched is never logged nor audited.
pub async fn find_children(
    core: &Core,
    permit: &Permit<act::ReadCase>,
    search: &Search,
) -> Result<Searched, CoreError> {
    let actor = permit.actor();
    let territory = actor.territory.clone().unwrap_or_default();
    checked(core, &territory, search)?;
    let q = search.q.trim();
    let readings = readings(q);
    let unique = |keys: Vec<String>| -> Vec<Vec<u8>> {
        let keys: BTreeSet<String> = keys.into_iter().collect();
        blind(&core.keyring, &keys.into_iter().collect::<Vec<_>>())
    };
    let keys: Vec<String> = readings
        .iter()
        .flat_map(|(first, last)| matching_keys(first, last))
        .collect();
    let (pairs, names): (Vec<String>, Vec<String>) =
        keys.into_iter().partition(|k| k.starts_with("pair:"));
    let exact = unique(
        readings
            .iter()
            .filter_map(|(first, last)| spelling_key(first, last))
            .collect(),
    );
    let partial = unique(names);
    // A one-word query has no pair: its own name is what it matches.
    let phonetic = if pairs.is_empty() {
        partial.clone()
    } else {
        unique(pairs)
    };
    let mother = unique(
        search
            .mother
            .as_deref()
            .map(mother_keys)
            .unwrap_or_default(),
    );
    let commune = search
        .commune
        .as_deref()
        .map(|c| commune_token(&core.keyring, c));
    let page = search.page.unwrap_or(1).clamp(1, i64::MAX / SEARCH_PAGE);
    let sex = search.sex.as_deref().filter(|s| *s != "unknown");
    // Children are looked for in the user's own province (a national body has none).
    let (hits, totals) = match actor.territory.as_deref() {
        Some(territory) => {
            core.store
                .search_names(&NameSearch {
                    territory,
                    exact: &exact,
                    phonetic: &phonetic,
                    partial: &partial,
                    mother: &mother,
                    commune: commune.as_deref(),
                    birth_year: search.birth_year,
                    sex,
                    limit: SEARCH_PAGE,
                    offset: (page - 1) * SEARCH_PAGE,
                })
                .await?
        }
        None => (Vec::new(), Totals::default()),
    };
    let ids: Vec<String> = hits.iter().map(|h| h.child_id.clone()).collect();
    let mut rows: HashMap<String, ChildRecord> = core
        .store
        .children(&ids)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let mut found = Vec::with_capacity(hits.len());
    for hit in hits {
        // The tokens carry the child's province, but whether the user may see a
        // child is the child's own row's to say.
        let Some(child) = rows
            .remove(&hit.child_id)
            .filter(|c| actor.covers(&c.territory))
        else {
            continue;
        };
        let candidate = opened(core, child)?;
        let best = readings
            .iter()
            .map(|(first, last)| {
                person_similarity(
                    first,
                    last,
                    text(&candidate.identity, "first_name"),
                    text(&candidate.identity, "last_name"),
                )
            })
            .fold(0.0, f64::max);
        let kind = match (hit.exact, hit.matched) {
            (true, _) => NameMatch::Exact,
            (false, true) => NameMatch::Phonetic,
            (false, false) => NameMatch::Partial,
        };
        found.push((
            Ranked {
                score: (best * 1000.0).round() / 1000.0,
                reasons: Vec::new(),
                candidate,
            },
            kind,
        ));
    }
    audit_shown(
        core,
        permit.who(),
        "child.search",
        ("children", "-"),
        &territory,
        found.len(),
    )
    .await?;
    Ok(Searched {
        found,
        totals,
        page,
        pages: ((totals.answer + SEARCH_PAGE - 1) / SEARCH_PAGE).max(1),
        narrowed: search.birth_year.is_some() || search.mother.is_some(),
    })
}

/// A found child with their cases, newest first: (id, number, stage).
pub struct FoundChild {
    pub ranked: Ranked,
    pub name_match: NameMatch,
    pub cases: Vec<(String, String, String)>,
}

/// [`find_children`], each child with their cases (the register's search).
pub async fn search_register(
    core: &Core,
    permit: &Permit<act::ReadCase>,
    search: &Search,
) -> Result<(Vec<FoundChild>, Searched), CoreError> {
    let mut searched = find_children(core, permit, search).await?;
    let mut found = Vec::new();
    for (ranked, name_match) in std::mem::take(&mut searched.found) {
        let cases = core.store.cases_of_child(ranked.child_id()).await?;
        found.push(FoundChild {
            ranked,
            name_match,
            cases,
        });
    }
    Ok((found, searched))
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
