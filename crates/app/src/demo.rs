//! Deterministic synthetic data behind `awladna demo`: children, reporting cards, cases
//! with their pathway through the stages, and referrals between sectors, spread over
//! the 36 months before a given time as a provincial support centre would see them.
//!
//! The same seed and the same `now` always give the same rows (ids included), so a demo
//! database, a benchmark or a bug report can be rebuilt exactly; only the sealed bytes
//! differ, since every seal draws a fresh nonce (what they open to does not).
//!
//! Each child has a Moroccan first and family name from the lists in [`names`] (some
//! written in Arabic script), a birth date for about 60% and the mother's name for half.
//! Nothing identifying is ever written in clear: the identity is sealed into
//! `children.identity` exactly as triage seals it, the blind name tokens go to
//! `child_name_tokens` exactly as triage computes them (so name search and duplicate
//! candidates find demo children), and the personal values of each card (the child's
//! names, the narrative…) are sealed into `cards.sealed`. About 3% of children have a
//! second report that spells their name another way (Mohamed / Mohammed / محمد, Ouafae
//! / Wafae, first and family name swapped…): the duplicates triage must catch.

use anyhow::{Context, anyhow, bail};
use awladna_crypto::Keyring;
use awladna_domain::Reference;
use awladna_domain::forms::{Form, local_zone};
use awladna_domain::names::matching_keys;
use awladna_domain::territory::{Area, CommuneKind, Territory};
use awladna_store::bulk::{self, Cell};
use awladna_store::keys::sealed_aad;
use awladna_store::{Backend, Store};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Connection, Executor, Transaction};
use std::collections::HashMap;

pub struct DemoOptions {
    pub children: u64,
    pub seed: u64,
    pub now: Timestamp,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub children: u64,
    pub reports: u64,
    /// Second reports that spell the child's name another way.
    pub name_variants: u64,
    pub cases: u64,
    pub stage_moves: u64,
    pub referrals: u64,
}

/// Children per transaction: big enough that commits are rare, small enough that a
/// batch and everything hanging off it (~45,000 rows) stays a few megabytes.
const BATCH_CHILDREN: u64 = 5_000;
const WINDOW_MONTHS: i64 = 36;

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// Morocco is on UTC+1 most of the year; close enough to place reports in office hours.
const LOCAL_OFFSET: i64 = HOUR;

const REPORT_FORM: &str = "report";
const REPORT_FORM_VERSION: u32 = 1;
/// The report fields the generator fills; each must be a non-personal field of the form.
const REPORT_KEYS: [&str; 9] = [
    "source",
    "received_at",
    "territory",
    "commune",
    "child.sex",
    "child.age_years",
    "concerns",
    "target_groups",
    "urgency",
];

const SECOND_REPORT: f64 = 0.2;
/// Second reports that spell the name another way: 15% of the 20%, so 3% of children.
const VARIANT_SECOND_REPORT: f64 = 0.15;
/// The blind-index domain of children's names: the one triage uses
/// (`awladna_web::children`), so that search and candidates find demo children.
const NAME_DOMAIN: &str = "child-name";
const BIRTH_DATE_KNOWN: f64 = 0.6;
const MOTHER_KNOWN: f64 = 0.5;
/// Identities recorded in Arabic script: a police or prosecutor's report, a school's.
const ARABIC_SCRIPT: f64 = 0.15;
/// Family names typed in capitals, as civil-status extracts and French forms print them.
const CAPITALS: f64 = 0.3;
/// Mothers of the same family name as the father (cousin marriages).
const MOTHER_SAME_FAMILY: f64 = 0.1;
/// A later report about a child repeats the birth date and mother's name when known…
const REPEATED_ON_SECOND: f64 = 0.7;
/// …and a report that spells the name another way, less often.
const REPEATED_ON_VARIANT: f64 = 0.5;
/// Complete cards with a narrative; with the suspected author's relation.
const NARRATIVE: f64 = 0.8;
const AUTHOR_RELATION: f64 = 0.5;
const DRAFT: f64 = 0.03;
/// Drafts never open a case, so complete reports open slightly more than the 85% overall.
const OPENS_CASE: f64 = 0.876;
/// Cases that stop moving at some stage: the family moved away, contact was lost.
const STALLS: f64 = 0.04;
/// Reports that turn out to need no protection measure after the first diagnosis.
const CLOSED_AFTER_DIAGNOSIS: f64 = 0.12;

// Weights below are per mille of reports, from what support centres and the 2024
// prosecution figures show; a code a newer vocabulary adds gets a small default weight.
const SOURCES: [(&str, u64); 14] = [
    ("line_2511", 190),
    ("e_platform", 30),
    ("mobile_team", 40),
    ("listening_cell", 50),
    ("school", 140),
    ("health_facility", 120),
    ("police", 140),
    ("gendarmerie", 60),
    ("prosecutor", 60),
    ("association", 60),
    ("family", 60),
    ("neighbour", 20),
    ("child", 10),
    ("other", 10),
];

const SEXES: [(&str, u64); 3] = [("female", 49), ("male", 49), ("unknown", 2)];

// Girls are most of the victims of sexual violence, boys of physical violence; both
// tables average to the prosecution figures (sexual ~40%, physical ~37%).
const CONCERNS_GIRLS: [(&str, u64); 28] = [
    ("sexual_violence", 480),
    ("physical_violence", 310),
    ("neglect", 60),
    ("psychological_violence", 30),
    ("abandonment", 15),
    ("witnessing_domestic_violence", 10),
    ("torture_inhuman_treatment", 2),
    ("abduction", 8),
    ("child_labour", 6),
    ("hazardous_work", 1),
    ("domestic_work", 8),
    ("begging_exploitation", 6),
    ("sexual_exploitation", 8),
    ("online_sexual_exploitation", 6),
    ("sale", 1),
    ("trafficking", 2),
    ("child_marriage", 20),
    ("other_harmful_practice", 2),
    ("street_situation", 6),
    ("school_dropout_risk", 10),
    ("substance_abuse", 2),
    ("self_harm_risk", 3),
    ("early_pregnancy", 8),
    ("missing", 4),
    ("conflict_with_law", 2),
    ("deprivation_of_liberty", 1),
    ("unaccompanied_migrant", 2),
    ("other", 3),
];

const CONCERNS_BOYS: [(&str, u64); 26] = [
    ("sexual_violence", 320),
    ("physical_violence", 430),
    ("neglect", 60),
    ("psychological_violence", 30),
    ("abandonment", 15),
    ("witnessing_domestic_violence", 10),
    ("torture_inhuman_treatment", 2),
    ("abduction", 6),
    ("child_labour", 18),
    ("hazardous_work", 5),
    ("domestic_work", 1),
    ("begging_exploitation", 10),
    ("sexual_exploitation", 4),
    ("online_sexual_exploitation", 4),
    ("sale", 1),
    ("trafficking", 2),
    ("other_harmful_practice", 1),
    ("street_situation", 18),
    ("school_dropout_risk", 12),
    ("substance_abuse", 8),
    ("self_harm_risk", 2),
    ("missing", 4),
    ("conflict_with_law", 10),
    ("deprivation_of_liberty", 2),
    ("unaccompanied_migrant", 6),
    ("other", 3),
];

const TARGET_GROUPS: [(&str, u64); 18] = [
    ("poor_family", 200),
    ("broken_family", 150),
    ("out_of_school", 120),
    ("isolated_rural_area", 0),
    ("orphan", 50),
    ("abandoned", 40),
    ("in_institution", 30),
    ("not_registered_civil_status", 40),
    ("parent_in_prison", 20),
    ("disability", 50),
    ("serious_illness", 20),
    ("child_labour", 40),
    ("street_situation", 40),
    ("addiction", 20),
    ("juvenile_offender", 20),
    ("unaccompanied_migrant", 20),
    ("refugee", 10),
    ("other", 20),
];
/// Only a child living in a rural commune can be in an isolated rural area.
const ISOLATED_RURAL: (&str, u64) = ("isolated_rural_area", 250);

const URGENCIES: [(&str, u64); 4] = [("immediate", 12), ("high", 30), ("medium", 38), ("low", 20)];
/// Urgencies that send a case through immediate assistance.
const URGENT: [&str; 2] = ["immediate", "high"];

/// The suspected author's relation to the child, when the card names one: mostly the
/// family circle and neighbours, as the prosecution figures show.
const RELATIONS: [(&str, u64); 16] = [
    ("father", 20),
    ("mother", 12),
    ("step_father", 8),
    ("step_mother", 4),
    ("sibling", 5),
    ("other_relative", 12),
    ("guardian", 2),
    ("spouse", 2),
    ("teacher", 3),
    ("employer", 3),
    ("neighbour", 12),
    ("peer", 6),
    ("stranger", 10),
    ("institution_staff", 1),
    ("unknown", 8),
    ("other", 2),
];

/// The last sentence of a narrative, in French (cards written in Latin letters) and in
/// Arabic (cards written in Arabic script). Narratives never name anyone.
const NEXT_STEPS_FR: [&str; 5] = [
    "Enfant reçu en entretien par l'assistante sociale du centre.",
    "Famille contactée ; visite à domicile prévue.",
    "Orientation vers le service compétent demandée.",
    "Situation à vérifier lors du diagnostic initial.",
    "Signalement transmis au parquet pour suite à donner.",
];
const NEXT_STEPS_AR: [&str; 5] = [
    "تم الاستماع إلى الطفل من طرف المساعدة الاجتماعية بالمركز.",
    "تم الاتصال بالأسرة وبرمجة زيارة منزلية.",
    "طلب توجيه الطفل إلى المصلحة المختصة.",
    "يتعين التحقق من الوضعية خلال التشخيص الأولي.",
    "أحيل التبليغ على النيابة العامة لاتخاذ المتعين.",
];

/// More reports between 10 and 17: adolescents speak up, schools and police see them.
const AGE_WEIGHTS: [u64; 18] = [3, 3, 3, 3, 3, 3, 5, 5, 5, 5, 9, 9, 9, 9, 9, 9, 9, 9];
/// Local hours of the day: the helpline runs at night, services in office hours.
const HOUR_WEIGHTS: [u64; 24] = [
    1, 1, 1, 1, 1, 1, 1, 2, 4, 8, 8, 8, 8, 6, 8, 8, 8, 8, 6, 4, 3, 2, 1, 1,
];
const CONCERN_COUNTS: [(usize, u64); 3] = [(1, 65), (2, 27), (3, 8)];
const TARGET_GROUP_COUNTS: [(usize, u64); 3] = [(0, 45), (1, 40), (2, 15)];
const REFERRAL_COUNTS: [(usize, u64); 4] = [(0, 25), (1, 35), (2, 25), (3, 15)];

/// The support centre (Family and Solidarity) sends most referrals; the prosecution,
/// police and gendarmerie, hospitals and associations also refer children on.
const SENDING_SECTORS: [(&str, u64); 7] = [
    ("family_solidarity", 75),
    ("public_prosecution", 6),
    ("national_security", 5),
    ("royal_gendarmerie", 2),
    ("health", 5),
    ("association", 4),
    ("education", 3),
];

/// Where children are referred at each stage of the pathway.
const RECEIVING_SECTORS: [(&str, &[(&str, u64)]); 6] = [
    (
        "detection",
        &[
            ("public_prosecution", 30),
            ("national_security", 20),
            ("royal_gendarmerie", 10),
            ("health", 20),
            ("social_emergency", 10),
            ("association", 10),
        ],
    ),
    (
        "immediate_assistance",
        &[
            ("health", 45),
            ("national_security", 15),
            ("royal_gendarmerie", 8),
            ("social_emergency", 17),
            ("public_prosecution", 10),
            ("entraide_nationale", 5),
        ],
    ),
    (
        "initial_diagnosis",
        &[
            ("health", 35),
            ("public_prosecution", 25),
            ("justice", 10),
            ("association", 15),
            ("entraide_nationale", 10),
            ("local_authority", 5),
        ],
    ),
    (
        "care",
        &[
            ("health", 20),
            ("justice", 20),
            ("public_prosecution", 15),
            ("association", 20),
            ("entraide_nationale", 15),
            ("education", 5),
            ("youth_sports", 5),
        ],
    ),
    (
        "reintegration",
        &[
            ("education", 35),
            ("labour", 15),
            ("entraide_nationale", 20),
            ("youth_sports", 10),
            ("association", 15),
            ("local_authority", 5),
        ],
    ),
    (
        "follow_up",
        &[
            ("association", 30),
            ("education", 25),
            ("entraide_nationale", 15),
            ("health", 10),
            ("local_authority", 10),
            ("labour", 10),
        ],
    ),
];

const CHILD_COLUMNS: [&str; 6] = [
    "id",
    "territory_code",
    "sex",
    "birth_year",
    "identity",
    "created_at",
];
const TOKEN_COLUMNS: [&str; 2] = ["child_id", "token"];
const CASE_COLUMNS: [&str; 8] = [
    "id",
    "number",
    "child_id",
    "territory_code",
    "stage",
    "risk",
    "opened_at",
    "closed_at",
];
const MOVE_COLUMNS: [&str; 5] = ["id", "case_id", "from_stage", "to_stage", "moved_at"];
const CARD_COLUMNS: [&str; 11] = [
    "id",
    "form_code",
    "form_version",
    "territory_code",
    "child_id",
    "case_id",
    "complete",
    "data",
    "sealed",
    "created_at",
    "updated_at",
];
const REFERRAL_COLUMNS: [&str; 10] = [
    "id",
    "case_id",
    "from_sector",
    "to_sector",
    "stage",
    "urgency",
    "status",
    "sent_at",
    "responded_at",
    "closed_at",
];
const SEQUENCE_COLUMNS: [&str; 3] = ["territory_code", "year", "last_value"];
const SEQUENCE_UPSERT: &str =
    "ON CONFLICT (territory_code, year) DO UPDATE SET last_value = excluded.last_value";

/// Writes `options.children` children and everything that hangs off them, one
/// transaction per batch, so that an interrupted run leaves whole batches behind.
pub async fn generate(
    store: &Store,
    reference: &Reference,
    options: &DemoOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<DemoSummary> {
    let catalogue = Catalogue::new(reference)?;
    let calendar = Calendar::new(options.now)?;
    let mut conn = writing_connection(store).await?;
    let counters = read_counters(&mut conn, &catalogue.places).await?;
    let mut generator = Generator {
        catalogue,
        calendar,
        counters,
        rng: ChaCha8Rng::seed_from_u64(options.seed),
    };
    let mut summary = DemoSummary::default();
    let mut batch = Batch::default();
    while summary.children < options.children {
        let size = BATCH_CHILDREN.min(options.children - summary.children);
        for k in summary.children..summary.children + size {
            // Children come in the order of their first report, so that ids (time
            // ordered) and the indexes on them grow at one end instead of everywhere.
            let quantile = (k as f64 + generator.rng.random::<f64>()) / options.children as f64;
            generator.child(&mut batch, quantile)?;
        }
        write_batch(
            &mut conn,
            &batch,
            &generator.counters,
            &generator.catalogue.places,
        )
        .await?;
        batch.add_to(&mut summary);
        batch.clear();
        progress(summary.children);
    }
    Ok(summary)
}

/// A weighted choice, drawn with one random number and a binary search. Never empty.
struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<u64>,
}

impl<T> Weighted<T> {
    fn new(what: &str, pairs: impl IntoIterator<Item = (T, u64)>) -> anyhow::Result<Self> {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0u64;
        for (item, weight) in pairs.into_iter().filter(|(_, w)| *w > 0) {
            total += weight;
            items.push(item);
            cumulative.push(total);
        }
        if items.is_empty() {
            bail!("the demo has nothing to choose {what} from in the reference set");
        }
        Ok(Weighted { items, cumulative })
    }

    fn pick(&self, rng: &mut ChaCha8Rng) -> &T {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let r = rng.random_range(0..total);
        let index = self.cumulative.partition_point(|&c| c <= r);
        &self.items[index.min(self.items.len() - 1)]
    }
}

impl<T: Copy + PartialEq> Weighted<T> {
    /// Up to `n` different items; fewer only if the list is shorter than `n`.
    fn pick_distinct(&self, rng: &mut ChaCha8Rng, n: usize) -> Vec<T> {
        let mut picked = Vec::with_capacity(n);
        let mut tries = 0;
        while picked.len() < n.min(self.items.len()) && tries < 8 * n {
            let item = *self.pick(rng);
            if !picked.contains(&item) {
                picked.push(item);
            }
            tries += 1;
        }
        picked
    }
}

/// The weights of every term of a vocabulary: the table's where it names the term,
/// `default` otherwise (0 leaves out terms the table does not name).
fn vocabulary_weights<'r>(
    reference: &'r Reference,
    vocabulary: &str,
    table: &[(&str, u64)],
    default: u64,
) -> anyhow::Result<Weighted<&'r str>> {
    let terms = &reference
        .vocabulary(vocabulary)
        .ok_or_else(|| anyhow!("the reference set has no vocabulary \"{vocabulary}\""))?
        .terms;
    Weighted::new(
        vocabulary,
        terms.iter().map(|term| {
            let weight = table
                .iter()
                .find(|(code, _)| *code == term.code)
                .map_or(default, |(_, w)| *w);
            (term.code.as_str(), weight)
        }),
    )
}

/// A territory that hosts a mechanism, with what a report placed there needs.
struct Place<'r> {
    code: &'r str,
    /// Case numbers start with the HCP code's digits: unlike name prefixes they never
    /// collide (Casablanca and Casablanca-Anfa).
    number_prefix: String,
    /// None where the reference attaches no commune to the territory (Casablanca's
    /// prefectures d'arrondissements: their arrondissements belong to Casablanca).
    communes: Option<Weighted<(&'r str, Area)>>,
}

/// Everything drawn from the reference set, prepared once.
struct Catalogue<'r> {
    places: Vec<Place<'r>>,
    place_weights: Weighted<usize>,
    sexes: Weighted<&'r str>,
    ages: Weighted<i64>,
    hours: Weighted<i64>,
    sources: Weighted<&'r str>,
    concerns_girls: Weighted<&'r str>,
    concerns_boys: Weighted<&'r str>,
    target_groups_urban: Weighted<&'r str>,
    target_groups_rural: Weighted<&'r str>,
    urgencies: Weighted<&'r str>,
    concern_counts: Weighted<usize>,
    target_group_counts: Weighted<usize>,
    referral_counts: Weighted<usize>,
    pathway: Pathway<'r>,
    sectors: Sectors<'r>,
}

impl<'r> Catalogue<'r> {
    fn new(reference: &'r Reference) -> anyhow::Result<Catalogue<'r>> {
        let form = reference
            .form_version(REPORT_FORM, REPORT_FORM_VERSION)
            .ok_or_else(|| anyhow!("the reference set has no report form version 1"))?;
        ensure_not_personal(form)?;
        let places = places(reference);
        let weights = place_weights(reference, &places);
        let mut rural_groups = TARGET_GROUPS.to_vec();
        rural_groups.retain(|(code, _)| *code != ISOLATED_RURAL.0);
        rural_groups.push(ISOLATED_RURAL);
        Ok(Catalogue {
            place_weights: Weighted::new("a territory", weights.into_iter().enumerate())?,
            places,
            sexes: vocabulary_weights(reference, "sex", &SEXES, 0)?,
            ages: Weighted::new("an age", (0..).zip(AGE_WEIGHTS))?,
            hours: Weighted::new("an hour", (0..).zip(HOUR_WEIGHTS))?,
            sources: vocabulary_weights(reference, "sources", &SOURCES, 5)?,
            concerns_girls: vocabulary_weights(reference, "concerns", &CONCERNS_GIRLS, 2)?,
            concerns_boys: vocabulary_weights(reference, "concerns", &CONCERNS_BOYS, 2)?,
            target_groups_urban: vocabulary_weights(
                reference,
                "target_groups",
                &TARGET_GROUPS,
                10,
            )?,
            target_groups_rural: vocabulary_weights(reference, "target_groups", &rural_groups, 10)?,
            urgencies: vocabulary_weights(reference, "urgency", &URGENCIES, 0)?,
            concern_counts: Weighted::new("a number of concerns", CONCERN_COUNTS)?,
            target_group_counts: Weighted::new("a number of groups", TARGET_GROUP_COUNTS)?,
            referral_counts: Weighted::new("a number of referrals", REFERRAL_COUNTS)?,
            pathway: Pathway::new(reference)?,
            sectors: Sectors::new(reference)?,
        })
    }
}

/// Refuses to run if a field the demo fills has become personal (or disappeared):
/// cards must never carry identifying data in clear, even made-up data.
fn ensure_not_personal(form: &Form) -> anyhow::Result<()> {
    for key in REPORT_KEYS {
        match form.field(key) {
            Some(field) if !field.personal => {}
            Some(_) => bail!("the report field \"{key}\" is personal; the demo cannot write it"),
            None => bail!("the report form has no field \"{key}\""),
        }
    }
    Ok(())
}

fn places(reference: &Reference) -> Vec<Place<'_>> {
    reference
        .territories()
        .iter()
        .filter(|t| t.kind.hosts_mechanism())
        .map(|t| Place {
            code: &t.code,
            number_prefix: t.hcp_code.chars().filter(char::is_ascii_digit).collect(),
            communes: commune_weights(reference, t),
        })
        .collect()
}

/// Communes weighted by population. Arrondissements have none of their own: they
/// share their city commune's, which then stays out since reports name the arrondissement.
fn commune_weights<'r>(
    reference: &'r Reference,
    territory: &'r Territory,
) -> Option<Weighted<(&'r str, Area)>> {
    let communes: Vec<_> = reference.communes_of(&territory.code).collect();
    let arrondissements_of = |city: &str| {
        communes
            .iter()
            .filter(|c| c.kind == CommuneKind::Arrondissement && city_of(&c.hcp_code) == city)
            .count() as u64
    };
    let weights = communes.iter().map(|c| {
        let weight = match c.kind {
            CommuneKind::Arrondissement => reference
                .commune(city_of(&c.hcp_code))
                .and_then(|city| city.population_2024)
                .map_or(1, |population| {
                    (population / arrondissements_of(city_of(&c.hcp_code)).max(1)).max(1)
                }),
            CommuneKind::Commune if arrondissements_of(&c.hcp_code) > 0 => 0,
            CommuneKind::Commune => c.population_2024.unwrap_or(1).max(1),
        };
        ((c.hcp_code.as_str(), c.area), weight)
    });
    Weighted::new("a commune", weights).ok()
}

/// An arrondissement's city commune: its HCP code less the last digit (06.141.01.03
/// belongs to 06.141.01.0).
fn city_of(hcp_code: &str) -> &str {
    hcp_code
        .get(..hcp_code.len().saturating_sub(1))
        .unwrap_or(hcp_code)
}

/// Each place's weight is its communes' population. Casablanca's prefectures
/// d'arrondissements have no commune of their own, so Casablanca's population is
/// shared equally between the prefecture and them.
fn place_weights(reference: &Reference, places: &[Place<'_>]) -> Vec<u64> {
    let mut weights: Vec<u64> = places
        .iter()
        .map(|p| {
            reference
                .communes_of(p.code)
                .filter_map(|c| c.population_2024)
                .sum()
        })
        .collect();
    for (parent, place) in places.iter().enumerate() {
        let empty_children: Vec<usize> = places
            .iter()
            .enumerate()
            .filter(|(i, child)| {
                weights[*i] == 0
                    && reference
                        .territory(child.code)
                        .and_then(|t| t.parent_code.as_deref())
                        == Some(place.code)
            })
            .map(|(i, _)| i)
            .collect();
        if empty_children.is_empty() {
            continue;
        }
        let share = weights[parent] / (empty_children.len() as u64 + 1);
        weights[parent] = share;
        for child in empty_children {
            weights[child] = share;
        }
    }
    // A territory without any population figure still sees the odd report.
    weights.into_iter().map(|w| w.max(1_000)).collect()
}

/// The protection pathway: the open stages in the vocabulary's order, then `closed`.
struct Pathway<'r> {
    stages: Vec<&'r str>,
    closed: Option<&'r str>,
}

struct Move<'r> {
    from: Option<&'r str>,
    to: &'r str,
    at: i64,
}

enum Next {
    Stage(usize),
    Closed,
}

impl<'r> Pathway<'r> {
    fn new(reference: &'r Reference) -> anyhow::Result<Pathway<'r>> {
        let terms = &reference
            .vocabulary("stages")
            .ok_or_else(|| anyhow!("the reference set has no vocabulary \"stages\""))?
            .terms;
        let stages: Vec<&str> = terms
            .iter()
            .map(|t| t.code.as_str())
            .filter(|c| *c != "closed")
            .collect();
        if stages.is_empty() {
            bail!("the stages vocabulary has no open stage");
        }
        let closed = terms
            .iter()
            .map(|t| t.code.as_str())
            .find(|c| *c == "closed");
        Ok(Pathway { stages, closed })
    }

    /// The moves of a case opened at `opened_at`, up to `now`: older cases are further
    /// along, as each stage takes the time it takes.
    fn walk(&self, rng: &mut ChaCha8Rng, opened_at: i64, urgent: bool, now: i64) -> Vec<Move<'r>> {
        let mut moves = vec![Move {
            from: None,
            to: self.stages[0],
            at: opened_at,
        }];
        let mut current = 0;
        let mut at = opened_at;
        loop {
            if rng.random_bool(STALLS) {
                break;
            }
            at += stage_duration(self.stages[current], rng);
            if at > now {
                break;
            }
            let from = Some(self.stages[current]);
            match self.next(current, urgent, rng) {
                Next::Stage(next) => {
                    moves.push(Move {
                        from,
                        to: self.stages[next],
                        at,
                    });
                    current = next;
                }
                Next::Closed => {
                    if let Some(closed) = self.closed {
                        moves.push(Move {
                            from,
                            to: closed,
                            at,
                        });
                    }
                    break;
                }
            }
        }
        moves
    }

    fn next(&self, current: usize, urgent: bool, rng: &mut ChaCha8Rng) -> Next {
        if self.stages[current] == "initial_diagnosis" && rng.random_bool(CLOSED_AFTER_DIAGNOSIS) {
            return Next::Closed;
        }
        let mut next = current + 1;
        // Immediate assistance is for medical or social emergencies only.
        if !urgent && self.stages.get(next) == Some(&"immediate_assistance") {
            next += 1;
        }
        if next < self.stages.len() {
            Next::Stage(next)
        } else {
            Next::Closed
        }
    }
}

/// How long a case stays at a stage before the next one.
fn stage_duration(stage: &str, rng: &mut ChaCha8Rng) -> i64 {
    let (shortest, longest) = match stage {
        "detection" => (2 * HOUR, 3 * DAY),
        "immediate_assistance" => (DAY, 10 * DAY),
        "initial_diagnosis" => (5 * DAY, 45 * DAY),
        "care" | "reintegration" => (30 * DAY, 240 * DAY),
        "follow_up" => (90 * DAY, 365 * DAY),
        _ => (7 * DAY, 60 * DAY),
    };
    rng.random_range(shortest..=longest)
}

struct Sectors<'r> {
    sending: Weighted<&'r str>,
    receiving: HashMap<&'r str, Weighted<&'r str>>,
    /// For a stage the table does not know: any sector.
    any: Weighted<&'r str>,
}

impl<'r> Sectors<'r> {
    fn new(reference: &'r Reference) -> anyhow::Result<Sectors<'r>> {
        let mut receiving = HashMap::new();
        for (stage, table) in RECEIVING_SECTORS {
            if let Ok(weights) = vocabulary_weights(reference, "sectors", table, 0) {
                receiving.insert(stage, weights);
            }
        }
        Ok(Sectors {
            sending: vocabulary_weights(reference, "sectors", &SENDING_SECTORS, 0)?,
            receiving,
            any: vocabulary_weights(reference, "sectors", &[], 1)?,
        })
    }

    /// A sector to refer to at `stage`, other than the one sending.
    fn receiving(&self, stage: &str, from: &'r str, rng: &mut ChaCha8Rng) -> &'r str {
        let table = self.receiving.get(stage).unwrap_or(&self.any);
        for _ in 0..8 {
            let to = *table.pick(rng);
            if to != from {
                return to;
            }
        }
        self.any
            .items
            .iter()
            .copied()
            .find(|to| *to != from)
            .unwrap_or(from)
    }
}

/// Time: the window of 36 months before `now`, and the local years case numbers use.
struct Calendar {
    start: i64,
    now: i64,
    /// (first millisecond of the local year, year), oldest first.
    years: Vec<(i64, i64)>,
}

impl Calendar {
    fn new(now: Timestamp) -> anyhow::Result<Calendar> {
        let zone = local_zone();
        let local_now = now.to_zoned(zone.clone());
        let start = local_now
            .checked_sub(Span::new().months(WINDOW_MONTHS))
            .context("the demo window starts before the calendar does")?
            .timestamp()
            .as_millisecond();
        let mut years = Vec::new();
        for year in (local_now.year() - 4)..=(local_now.year() + 1) {
            let first = Date::new(year, 1, 1)?.to_zoned(zone.clone())?;
            years.push((first.timestamp().as_millisecond(), i64::from(year)));
        }
        Ok(Calendar {
            start,
            now: now.as_millisecond(),
            years,
        })
    }

    fn year_of(&self, ms: i64) -> i64 {
        self.years
            .iter()
            .rev()
            .find(|(first, _)| *first <= ms)
            .or(self.years.first())
            .map_or(1970, |(_, year)| *year)
    }

    /// When a first report arrives: more recent months see more reports (the programme
    /// reaches more provinces), most arrive in office hours. Whole seconds, as typed.
    /// `quantile` (0 to 1) orders the reports in time.
    fn report_time(&self, rng: &mut ChaCha8Rng, hours: &Weighted<i64>, quantile: f64) -> i64 {
        // Inverse of a density rising linearly to twice its start over the window.
        let position = (1.0 + 3.0 * quantile.clamp(0.0, 1.0)).sqrt() - 1.0;
        let day = self.start + (position * (self.now - self.start) as f64) as i64;
        let midnight = day - day.rem_euclid(DAY);
        let at = midnight + *hours.pick(rng) * HOUR - LOCAL_OFFSET
            + rng.random_range(0..HOUR / SECOND) * SECOND;
        let at = if at > self.now {
            self.now - rng.random_range(0..6 * HOUR)
        } else {
            at.max(self.start)
        };
        at - at.rem_euclid(SECOND)
    }

    /// A later report about the same child: weeks to a year and a half later.
    fn later_report_time(&self, rng: &mut ChaCha8Rng, first: i64) -> i64 {
        let latest = (self.now - first).max(SECOND);
        let gap = rng.random_range(7 * DAY..540 * DAY);
        let gap = if gap < latest {
            gap
        } else {
            rng.random_range(0..latest)
        };
        let at = first + gap;
        at - at.rem_euclid(SECOND)
    }

    /// `at` plus a delay drawn in `range`, never after now.
    fn after(&self, rng: &mut ChaCha8Rng, at: i64, range: std::ops::Range<i64>) -> i64 {
        (at + rng.random_range(range)).min(self.now).max(at)
    }
}

/// Case numbers: one counter per territory and local year, continued from the database.
struct Counters {
    last: HashMap<(usize, i64), i64>,
}

impl Counters {
    fn next(&mut self, place: usize, year: i64) -> i64 {
        let last = self.last.entry((place, year)).or_insert(0);
        *last += 1;
        *last
    }

    fn rows(&self, places: &[Place<'_>]) -> Vec<Vec<Cell>> {
        let mut rows: Vec<_> = self.last.iter().collect();
        rows.sort();
        rows.into_iter()
            .filter_map(|(&(place, year), &last)| {
                let code = places.get(place)?.code;
                Some(vec![code.into(), Cell::Int(year), Cell::Int(last)])
            })
            .collect()
    }
}

async fn read_counters(conn: &mut AnyConnection, places: &[Place<'_>]) -> anyhow::Result<Counters> {
    let rows: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT territory_code, year, last_value FROM case_number_sequences")
            .fetch_all(&mut *conn)
            .await
            .context("cannot read the case number sequences")?;
    let index: HashMap<&str, usize> = places
        .iter()
        .enumerate()
        .map(|(i, p)| (p.code, i))
        .collect();
    let last = rows
        .into_iter()
        .filter_map(|(code, year, last)| Some(((*index.get(code.as_str())?, year), last)))
        .collect();
    Ok(Counters { last })
}

/// The rows of one batch, table by table, in the order foreign keys need.
#[derive(Default)]
struct Batch {
    children: Vec<Vec<Cell>>,
    cases: Vec<Vec<Cell>>,
    cards: Vec<Vec<Cell>>,
    moves: Vec<Vec<Cell>>,
    referrals: Vec<Vec<Cell>>,
}

impl Batch {
    fn add_to(&self, summary: &mut DemoSummary) {
        summary.children += self.children.len() as u64;
        summary.reports += self.cards.len() as u64;
        summary.cases += self.cases.len() as u64;
        summary.stage_moves += self.moves.len() as u64;
        summary.referrals += self.referrals.len() as u64;
    }

    fn clear(&mut self) {
        self.children.clear();
        self.cases.clear();
        self.cards.clear();
        self.moves.clear();
        self.referrals.clear();
    }
}

/// One connection for the whole run. On SQLite it gets a large page cache (a batch
/// touches more pages than the default 2 MB holds, which spills them to disk mid
/// transaction) and keeps statement journals in memory. It is closed at the end rather
/// than handed back to the pool with those settings.
async fn writing_connection(store: &Store) -> anyhow::Result<PoolConnection<Any>> {
    let mut conn = store.pool().acquire().await?;
    conn.close_on_drop();
    if store.backend() == Backend::Sqlite {
        conn.execute("PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY;")
            .await?;
    }
    Ok(conn)
}

async fn write_batch(
    conn: &mut AnyConnection,
    batch: &Batch,
    counters: &Counters,
    places: &[Place<'_>],
) -> anyhow::Result<()> {
    let mut tx = conn.begin().await?;
    insert(&mut tx, "children", &CHILD_COLUMNS, &batch.children).await?;
    insert(&mut tx, "child_name_tokens", &TOKEN_COLUMNS, &batch.tokens).await?;
    insert(&mut tx, "cases", &CASE_COLUMNS, &batch.cases).await?;
    insert(&mut tx, "cards", &CARD_COLUMNS, &batch.cards).await?;
    insert(&mut tx, "stage_moves", &MOVE_COLUMNS, &batch.moves).await?;
    insert(&mut tx, "referrals", &REFERRAL_COLUMNS, &batch.referrals).await?;
    // Written with the cases they numbered, so a later run (or the application)
    // continues after them even if this run stops halfway.
    let sequences = counters.rows(places);
    bulk::insert(
        &mut tx,
        "case_number_sequences",
        &SEQUENCE_COLUMNS,
        &sequences,
        SEQUENCE_UPSERT,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// About this many values bound per statement. SQLite reads `$n` placeholders as
/// named parameters kept in a list searched from the start for each one, so preparing
/// and binding a statement cost the square of its placeholders: 30,000 of them take
/// about a second. Same-sized chunks also let the prepared statement be reused.
const BINDS_PER_STATEMENT: usize = 250;

async fn insert(
    tx: &mut Transaction<'_, Any>,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Cell>],
) -> anyhow::Result<()> {
    let per_statement = (BINDS_PER_STATEMENT / columns.len()).max(1);
    for chunk in rows.chunks(per_statement) {
        bulk::insert(tx, table, columns, chunk, "")
            .await
            .with_context(|| format!("cannot write the demo's {table}"))?;
    }
    Ok(())
}

struct Generator<'r> {
    catalogue: Catalogue<'r>,
    calendar: Calendar,
    counters: Counters,
    rng: ChaCha8Rng,
}

/// What a report says about the child, the same on every report about them.
struct Child<'r> {
    id: String,
    place: usize,
    sex: &'r str,
}

struct OpenedCase {
    id: String,
    closed_at: Option<i64>,
}

struct Report<'r> {
    received_at: i64,
    age: i64,
    urgency: &'r str,
    complete: bool,
}

impl<'r> Generator<'r> {
    fn child(&mut self, batch: &mut Batch, quantile: f64) -> anyhow::Result<()> {
        let place = *self.catalogue.place_weights.pick(&mut self.rng);
        let sex = *self.catalogue.sexes.pick(&mut self.rng);
        let age = *self.catalogue.ages.pick(&mut self.rng);
        let first_received =
            self.calendar
                .report_time(&mut self.rng, &self.catalogue.hours, quantile);
        let first_created = self
            .calendar
            .after(&mut self.rng, first_received, 5 * MINUTE..2 * DAY);
        // Whether this year's birthday has passed is not known from an estimated age.
        let birth_year =
            self.calendar.year_of(first_received) - age - i64::from(self.rng.random_bool(0.5));
        let child = Child {
            id: self.id(first_created),
            place,
            sex,
        };
        batch.children.push(vec![
            child.id.as_str().into(),
            self.catalogue.places[place].code.into(),
            sex.into(),
            Cell::Int(birth_year),
            Cell::Int(first_created),
        ]);

        let mut case: Option<OpenedCase> = None;
        let mut received_at = first_received;
        let mut created_at = first_created;
        let reports = if self.rng.random_bool(SECOND_REPORT) {
            2
        } else {
            1
        };
        for n in 0..reports {
            if n > 0 {
                received_at = self
                    .calendar
                    .later_report_time(&mut self.rng, first_received);
                created_at = self
                    .calendar
                    .after(&mut self.rng, received_at, 5 * MINUTE..2 * DAY);
            }
            let years_later = (received_at - first_received) / (365 * DAY);
            let report = Report {
                received_at,
                age: (age + years_later).min(17),
                urgency: self.catalogue.urgencies.pick(&mut self.rng),
                complete: !self.rng.random_bool(DRAFT),
            };
            // A child whose case is still open has the new report added to it.
            let still_open = case
                .as_ref()
                .filter(|c| c.closed_at.is_none_or(|closed| closed > received_at));
            // Drafts wait to be completed before anything is opened or added to a case.
            let case_id = match still_open.filter(|_| report.complete) {
                Some(open) => Some(open.id.clone()),
                None if report.complete && self.rng.random_bool(OPENS_CASE) => {
                    let opened = self.open_case(batch, &child, created_at, report.urgency);
                    let id = opened.id.clone();
                    case = Some(opened);
                    Some(id)
                }
                None => None,
            };
            self.card(batch, &child, &report, created_at, case_id)?;
        }
        Ok(())
    }

    fn card(
        &mut self,
        batch: &mut Batch,
        child: &Child<'r>,
        report: &Report<'r>,
        created_at: i64,
        case_id: Option<String>,
    ) -> anyhow::Result<()> {
        let data = self.report_data(child, report)?;
        // Most cards are completed or corrected after the first save.
        let updated_at = if report.complete && self.rng.random_bool(0.6) {
            self.calendar
                .after(&mut self.rng, created_at, MINUTE..3 * DAY)
        } else {
            created_at
        };
        batch.cards.push(vec![
            self.id(created_at).into(),
            REPORT_FORM.into(),
            Cell::Int(i64::from(REPORT_FORM_VERSION)),
            self.catalogue.places[child.place].code.into(),
            child.id.as_str().into(),
            case_id.into(),
            Cell::Int(i64::from(report.complete)),
            data.into(),
            Cell::Int(created_at),
            Cell::Int(updated_at),
        ]);
        Ok(())
    }

    /// The card's values as the form engine stores them: flat, keyed by field code.
    /// A draft is a quick capture whose concerns were not entered yet.
    fn report_data(&mut self, child: &Child<'r>, report: &Report<'r>) -> anyhow::Result<String> {
        let catalogue = &self.catalogue;
        let rng = &mut self.rng;
        let place = &catalogue.places[child.place];
        let commune = place.communes.as_ref().map(|c| *c.pick(rng));
        let mut data = Map::new();
        data.insert("source".into(), (*catalogue.sources.pick(rng)).into());
        let received_at = Timestamp::from_millisecond(report.received_at)?;
        data.insert("received_at".into(), received_at.to_string().into());
        data.insert("territory".into(), place.code.into());
        if let Some((code, _)) = commune {
            data.insert("commune".into(), code.into());
        }
        data.insert("child.sex".into(), child.sex.into());
        data.insert("child.age_years".into(), report.age.into());
        data.insert("urgency".into(), report.urgency.into());
        if report.complete {
            let concerns = if child.sex == "female" {
                &catalogue.concerns_girls
            } else {
                &catalogue.concerns_boys
            };
            let n = *catalogue.concern_counts.pick(rng);
            data.insert("concerns".into(), codes(concerns.pick_distinct(rng, n)));
            let groups = match commune {
                Some((_, Area::Rural)) => &catalogue.target_groups_rural,
                _ => &catalogue.target_groups_urban,
            };
            let n = *catalogue.target_group_counts.pick(rng);
            if n > 0 {
                data.insert("target_groups".into(), codes(groups.pick_distinct(rng, n)));
            }
        }
        Ok(Value::Object(data).to_string())
    }

    fn open_case(
        &mut self,
        batch: &mut Batch,
        child: &Child<'r>,
        reported_at: i64,
        urgency: &'r str,
    ) -> OpenedCase {
        let opened_at = self
            .calendar
            .after(&mut self.rng, reported_at, 10 * MINUTE..2 * DAY);
        let id = self.id(opened_at);
        let year = self.calendar.year_of(opened_at);
        let place = &self.catalogue.places[child.place];
        let number = format!(
            "{}-{year}-{:06}",
            place.number_prefix,
            self.counters.next(child.place, year)
        );
        let moves = self.catalogue.pathway.walk(
            &mut self.rng,
            opened_at,
            URGENT.contains(&urgency),
            self.calendar.now,
        );
        let last = moves.last();
        let stage = last.map_or("detection", |m| m.to);
        let closed_at = last
            .filter(|m| Some(m.to) == self.catalogue.pathway.closed)
            .map(|m| m.at);
        batch.cases.push(vec![
            id.as_str().into(),
            number.into(),
            child.id.as_str().into(),
            place.code.into(),
            stage.into(),
            urgency.into(),
            Cell::Int(opened_at),
            closed_at.into(),
        ]);
        for m in &moves {
            batch.moves.push(vec![
                self.id(m.at).into(),
                id.as_str().into(),
                m.from.into(),
                m.to.into(),
                Cell::Int(m.at),
            ]);
        }
        self.referrals(batch, &id, &moves, closed_at, urgency);
        OpenedCase { id, closed_at }
    }

    fn referrals(
        &mut self,
        batch: &mut Batch,
        case_id: &str,
        moves: &[Move<'r>],
        closed_at: Option<i64>,
        urgency: &'r str,
    ) {
        let horizon = closed_at.unwrap_or(self.calendar.now);
        // Children are referred at the stages they reached, not once the case is closed.
        let closed = self.catalogue.pathway.closed;
        let stages: Vec<(usize, &Move<'r>)> = moves
            .iter()
            .enumerate()
            .filter(|(_, m)| Some(m.to) != closed)
            .collect();
        if stages.is_empty() {
            return;
        }
        let count = *self.catalogue.referral_counts.pick(&mut self.rng);
        for _ in 0..count {
            let (index, stage) = stages[self.rng.random_range(0..stages.len())];
            let left_at = moves.get(index + 1).map_or(horizon, |m| m.at);
            // Referrals are mostly made early in a stage.
            let span = (left_at - stage.at).max(0) / 2;
            let sent_at = stage.at + self.rng.random_range(0..=span);
            let from = *self.catalogue.sectors.sending.pick(&mut self.rng);
            let to = self
                .catalogue
                .sectors
                .receiving(stage.to, from, &mut self.rng);
            let urgency = if self.rng.random_bool(0.8) {
                urgency
            } else {
                *self.catalogue.urgencies.pick(&mut self.rng)
            };
            let outcome = referral_outcome(&mut self.rng, sent_at, horizon, closed_at.is_some());
            batch.referrals.push(vec![
                self.id(sent_at).into(),
                case_id.into(),
                from.into(),
                to.into(),
                stage.to.into(),
                urgency.into(),
                outcome.status.into(),
                Cell::Int(sent_at),
                outcome.responded_at.into(),
                outcome.closed_at.into(),
            ]);
        }
    }

    /// A UUIDv7 for a row made at `ms`: time-ordered like the application's, but with
    /// the seeded generator's bytes so that a seed always gives the same ids.
    fn id(&mut self, ms: i64) -> String {
        let mut bytes = [0u8; 10];
        self.rng.fill(&mut bytes);
        let ms = u64::try_from(ms).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(ms, &bytes)
            .into_uuid()
            .to_string()
    }
}

fn codes(codes: Vec<&str>) -> Value {
    Value::Array(codes.into_iter().map(Value::from).collect())
}

struct Outcome {
    status: &'static str,
    responded_at: Option<i64>,
    closed_at: Option<i64>,
}

/// Where a referral sent at `sent_at` stands at `horizon` (now, or when its case closed):
/// sent, received, then accepted or declined (the response), delivered, closed. A
/// closed case closes the referrals still running.
fn referral_outcome(
    rng: &mut ChaCha8Rng,
    sent_at: i64,
    horizon: i64,
    case_closed: bool,
) -> Outcome {
    let never_answered = rng.random_bool(0.03);
    let received = sent_at + rng.random_range(5 * MINUTE..3 * DAY);
    let responded = received + rng.random_range(HOUR..10 * DAY);
    let declined = rng.random_bool(0.1);
    let delivered = responded + rng.random_range(DAY..60 * DAY);
    let closed = delivered + rng.random_range(0..30 * DAY);
    let outcome = |status, responded_at, closed_at| Outcome {
        status,
        responded_at,
        closed_at,
    };
    let reached = if never_answered || received > horizon {
        outcome("sent", None, None)
    } else if responded > horizon {
        outcome("received", None, None)
    } else if declined {
        return outcome("declined", Some(responded), None);
    } else if delivered > horizon {
        outcome("accepted", Some(responded), None)
    } else if closed > horizon {
        outcome("delivered", Some(responded), None)
    } else {
        return outcome("closed", Some(responded), Some(closed));
    };
    if case_closed {
        outcome("closed", reached.responded_at, Some(horizon))
    } else {
        reached
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awladna_domain::forms::Completeness;
    use std::path::PathBuf;

    fn now() -> Timestamp {
        // Not on a whole second, as a real clock is not: times typed on cards still are.
        "2026-05-20T10:00:00.123Z".parse().unwrap()
    }

    struct TempDb {
        dir: PathBuf,
        store: Store,
    }

    impl TempDb {
        async fn new(reference: &Reference) -> TempDb {
            let dir = std::env::temp_dir().join(format!("awladna-demo-{}", uuid::Uuid::now_v7()));
            std::fs::create_dir_all(&dir).unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.join("x.db").display());
            let store = Store::connect(&url).await.unwrap();
            store.migrate().await.unwrap();
            store
                .load_reference(reference, now().as_millisecond())
                .await
                .unwrap();
            TempDb { dir, store }
        }

        async fn close(self) {
            self.store.close().await;
            std::fs::remove_dir_all(&self.dir).unwrap();
        }

        async fn count(&self, sql: &str) -> i64 {
            sqlx::query_scalar(sql)
                .fetch_one(self.store.pool())
                .await
                .unwrap()
        }

        async fn strings(&self, sql: &str) -> Vec<String> {
            sqlx::query_scalar(sql)
                .fetch_all(self.store.pool())
                .await
                .unwrap()
        }

        async fn counts(&self) -> Vec<i64> {
            let mut counts = Vec::new();
            for table in ["children", "cards", "cases", "stage_moves", "referrals"] {
                counts.push(self.count(&format!("SELECT COUNT(*) FROM {table}")).await);
            }
            counts
        }
    }

    fn options(children: u64, seed: u64) -> DemoOptions {
        DemoOptions {
            children,
            seed,
            now: now(),
        }
    }

    async fn run(db: &TempDb, reference: &Reference, children: u64, seed: u64) -> DemoSummary {
        generate(&db.store, reference, &options(children, seed), &|_| {})
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_same_seed_gives_the_same_data() {
        let reference = Reference::embedded().unwrap();
        let (a, b) = (TempDb::new(&reference).await, TempDb::new(&reference).await);
        let summary = run(&a, &reference, 300, 7).await;
        assert_eq!(summary, run(&b, &reference, 300, 7).await);
        assert_eq!(a.counts().await, b.counts().await);
        let numbers = "SELECT number FROM cases ORDER BY number";
        assert_eq!(a.strings(numbers).await, b.strings(numbers).await);
        let ids = "SELECT id FROM referrals ORDER BY id";
        assert_eq!(a.strings(ids).await, b.strings(ids).await);
        let counts = a.counts().await;
        assert_eq!(
            counts,
            vec![
                summary.children as i64,
                summary.reports as i64,
                summary.cases as i64,
                summary.stage_moves as i64,
                summary.referrals as i64,
            ]
        );
        println!("300 children, seed 7: {summary:?}");
        a.close().await;
        b.close().await;
    }

    #[tokio::test]
    async fn the_data_is_plausible_and_holds_nothing_personal() {
        let reference = Reference::embedded().unwrap();
        let db = TempDb::new(&reference).await;
        let summary = run(&db, &reference, 300, 7).await;
        assert_eq!(summary.children, 300);
        assert!((330..=390).contains(&summary.reports), "{summary:?}");
        assert!(summary.cases * 100 >= summary.reports * 70, "{summary:?}");
        assert!(summary.stage_moves > summary.cases && summary.referrals > 0);

        let territories = db
            .strings(
                "SELECT territory_code FROM children UNION SELECT territory_code FROM cases \
                 UNION SELECT territory_code FROM cards",
            )
            .await;
        for code in &territories {
            let territory = reference.territory(code).unwrap();
            assert!(territory.kind.hosts_mechanism(), "{code}");
        }
        assert!(territories.len() > 20, "{territories:?}");

        let stages = reference.vocabulary("stages").unwrap();
        let used = db
            .strings(
                "SELECT stage FROM cases UNION SELECT to_stage FROM stage_moves \
                 UNION SELECT from_stage FROM stage_moves WHERE from_stage IS NOT NULL \
                 UNION SELECT stage FROM referrals",
            )
            .await;
        for code in &used {
            assert!(stages.contains(code), "{code}");
        }
        assert_eq!(
            used.len(),
            stages.terms.len(),
            "every stage is used: {used:?}"
        );

        let personal = "SELECT (SELECT COUNT(*) FROM children WHERE identity IS NOT NULL) \
                        + (SELECT COUNT(*) FROM cards WHERE sealed IS NOT NULL)";
        assert_eq!(db.count(personal).await, 0);

        let form = reference.form("report").unwrap();
        for data in db.strings("SELECT data FROM cards").await {
            let value: Value = serde_json::from_str(&data).unwrap();
            for key in [
                "child.first_name",
                "child.last_name",
                "narrative",
                "author.name",
            ] {
                assert!(value.get(key).is_none(), "{data}");
            }
            for key in value.as_object().unwrap().keys() {
                assert!(!form.field(key).unwrap().personal, "{key}");
            }
            let received_at = value["received_at"].as_str().unwrap();
            assert!(!received_at.contains('.'), "{received_at}");
            // The form engine itself accepts every card the demo wrote.
            form.check(&value, Completeness::Draft, &reference, now())
                .unwrap();
        }
        let incomplete = "SELECT COUNT(*) FROM cards WHERE complete = 0 AND case_id IS NOT NULL";
        assert_eq!(db.count(incomplete).await, 0);
        db.close().await;
    }

    #[tokio::test]
    async fn pathways_and_referrals_are_consistent_in_time() {
        let reference = Reference::embedded().unwrap();
        let db = TempDb::new(&reference).await;
        run(&db, &reference, 300, 11).await;
        let now = now().as_millisecond();
        let checks = [
            // Moves go forward in time from the opening of the case, never past now.
            "SELECT COUNT(*) FROM stage_moves m JOIN cases c ON c.id = m.case_id \
             WHERE m.moved_at < c.opened_at OR m.moved_at > $NOW",
            "SELECT COUNT(*) FROM stage_moves a JOIN stage_moves b ON a.case_id = b.case_id \
             AND a.to_stage = b.from_stage WHERE b.moved_at < a.moved_at",
            // The last move is the case's stage; closed cases and only they have closed_at.
            "SELECT COUNT(*) FROM cases c WHERE c.stage <> (SELECT m.to_stage FROM stage_moves m \
             WHERE m.case_id = c.id ORDER BY m.moved_at DESC LIMIT 1)",
            "SELECT COUNT(*) FROM cases WHERE (stage = 'closed') <> (closed_at IS NOT NULL)",
            // A referral's times follow each other and a closed case has none open.
            "SELECT COUNT(*) FROM referrals WHERE responded_at < sent_at OR closed_at < sent_at \
             OR sent_at > $NOW",
            "SELECT COUNT(*) FROM referrals r JOIN cases c ON c.id = r.case_id \
             WHERE c.stage = 'closed' AND r.status NOT IN ('closed', 'declined')",
            "SELECT COUNT(*) FROM referrals WHERE (status = 'closed') <> (closed_at IS NOT NULL)",
            "SELECT COUNT(*) FROM referrals WHERE from_sector = to_sector",
            "SELECT COUNT(*) FROM cards WHERE updated_at < created_at OR created_at > $NOW",
        ];
        for sql in checks {
            let sql = sql.replace("$NOW", &now.to_string());
            assert_eq!(db.count(&sql).await, 0, "{sql}");
        }
        let statuses = db
            .strings("SELECT DISTINCT status FROM referrals ORDER BY status")
            .await;
        assert!(statuses.len() >= 5, "{statuses:?}");
        db.close().await;
    }

    #[tokio::test]
    async fn a_second_run_continues_the_case_numbers() {
        let reference = Reference::embedded().unwrap();
        let db = TempDb::new(&reference).await;
        let first = run(&db, &reference, 200, 1).await;
        let second = run(&db, &reference, 200, 2).await;
        let cases = db.count("SELECT COUNT(*) FROM cases").await;
        assert_eq!(cases as u64, first.cases + second.cases);
        // Each sequence ends at the highest number used in its territory and year.
        let total: i64 = db
            .count("SELECT SUM(last_value) FROM case_number_sequences")
            .await;
        assert_eq!(total, cases);
        db.close().await;
    }

    #[test]
    fn an_arrondissement_belongs_to_its_city() {
        assert_eq!(city_of("06.141.01.03"), "06.141.01.0");
        let reference = Reference::embedded().unwrap();
        let places = places(&reference);
        let weights = place_weights(&reference, &places);
        let weight = |code: &str| weights[places.iter().position(|p| p.code == code).unwrap()];
        assert_eq!(weight("casablanca"), weight("casablanca-anfa"));
        assert!(weight("sale") > weight("tarfaya"));
        assert!(
            places
                .iter()
                .all(|p| p.number_prefix.chars().all(|c| c.is_ascii_digit()))
        );
    }

    #[tokio::test]
    #[ignore = "a benchmark: cargo test -p awladna --bins demo -- --ignored --nocapture"]
    async fn a_hundred_thousand_children() {
        let reference = Reference::embedded().unwrap();
        let db = TempDb::new(&reference).await;
        let started = std::time::Instant::now();
        let summary = run(&db, &reference, 100_000, 3).await;
        println!("{summary:?} in {:?}", started.elapsed());
        db.close().await;
    }
}
