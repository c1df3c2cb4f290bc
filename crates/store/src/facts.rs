//! De-identified facts and their cells, kept in step with the cards. A `Tx` notes which
//! reports, cases and linking cards it touched; before it commits, their facts are
//! rebuilt from what the transaction wrote and the cells move by the difference. So a
//! write path cannot forget its statistics, and they commit or roll back with it.
//! `Store::rebuild_statistics` recomputes everything the same way (after the demo's
//! bulk load, or to check that the running counts never drifted).

use crate::audit::Tx;
use crate::bulk::{self, Cell};
use crate::{Store, StoreError};
use awladna_domain::stats::outcomes::{self, Checks, Reading};
use awladna_domain::stats::{
    CaseFact, Cells, NATION, ReferralFact, ReportFact, StayFact, age_band, age_band_in,
    child_cells, child_periods, hours_between, month_of, year_of,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeSet, HashMap};

/// What a transaction changed that statistics count.
#[derive(Default)]
pub(crate) struct Touched {
    reports: BTreeSet<String>,
    cases: BTreeSet<String>,
    referrals: BTreeSet<String>,
}

impl Touched {
    fn is_empty(&self) -> bool {
        self.reports.is_empty() && self.cases.is_empty() && self.referrals.is_empty()
    }

    /// The reports and cases touched (issue 17: their statuses go to the Observatory).
    pub(crate) fn reports_and_cases(&self) -> (Vec<String>, Vec<String>) {
        (
            self.reports.iter().cloned().collect(),
            self.cases.iter().cloned().collect(),
        )
    }
}

const BATCH: usize = 400;

impl Tx<'_> {
    pub(crate) fn touch_report(&mut self, card_id: &str) {
        self.touched.reports.insert(card_id.to_owned());
    }

    pub(crate) fn touch_case(&mut self, case_id: &str) {
        self.touched.cases.insert(case_id.to_owned());
    }

    pub(crate) fn touch_referral(&mut self, referral_id: &str) {
        self.touched.referrals.insert(referral_id.to_owned());
    }

    /// Brings the facts of what this transaction touched up to date, and their cells.
    pub(crate) async fn refresh_facts(&mut self) -> Result<(), StoreError> {
        let touched = std::mem::take(&mut self.touched);
        if touched.is_empty() {
            return Ok(());
        }
        let conn: &mut AnyConnection = &mut self.inner;
        let mut places = Places::load(conn).await?;
        let mut cells = Cells::default();
        let reports: Vec<String> = touched.reports.into_iter().collect();
        let cases: Vec<String> = touched.cases.into_iter().collect();
        let referrals: Vec<String> = touched.referrals.into_iter().collect();
        refresh_reports(conn, &mut places, &reports, &mut cells).await?;
        // A new report about a child may be a re-entry after one of its closed cases.
        let mut cases = cases;
        cases.extend(closed_cases_of_reported_children(conn, &reports).await?);
        cases.sort();
        cases.dedup();
        refresh_cases(conn, &mut places, &cases, &mut cells).await?;
        refresh_referrals(conn, &referrals, &mut cells).await?;
        add_cells(conn, &cells).await
    }
}

impl Store {
    /// Recomputes every fact and cell from the cards, in one transaction. Returns the
    /// number of facts written. `progress` is told how many records were done.
    pub async fn rebuild_statistics(
        &self,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let conn: &mut AnyConnection = &mut tx;
        for table in [
            "stat_cells",
            "fact_child_periods",
            "fact_reports",
            "fact_cases",
            "fact_stays",
            "fact_referrals",
        ] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *conn)
                .await?;
        }
        let mut places = Places::load(conn).await?;
        let mut cells = Cells::default();
        let mut done = 0u64;
        let kinds: [(&str, Kind); 3] = [
            (
                "SELECT id FROM cards WHERE form_code = 'report' AND id > $1 ORDER BY id LIMIT $2",
                Kind::Report,
            ),
            (
                "SELECT id FROM cases WHERE id > $1 ORDER BY id LIMIT $2",
                Kind::Case,
            ),
            (
                "SELECT id FROM referrals WHERE id > $1 ORDER BY id LIMIT $2",
                Kind::Referral,
            ),
        ];
        for (sql, kind) in kinds {
            let mut last = String::new();
            loop {
                let ids: Vec<String> = sqlx::query_scalar(sql)
                    .bind(&last)
                    .bind(BATCH as i64)
                    .fetch_all(&mut *conn)
                    .await?;
                let Some(next) = ids.last() else { break };
                last = next.clone();
                match kind {
                    Kind::Report => refresh_reports(conn, &mut places, &ids, &mut cells).await?,
                    Kind::Case => refresh_cases(conn, &mut places, &ids, &mut cells).await?,
                    Kind::Referral => refresh_referrals(conn, &ids, &mut cells).await?,
                }
                done += ids.len() as u64;
                progress(done);
            }
        }
        add_cells(conn, &cells).await?;
        tx.commit().await?;
        Ok(done)
    }
}

impl Store {
    /// The facts of the reports received in these territories in months `from..=to`
    /// (what cross-tables count, a dimension of each fact at a time being too few).
    pub async fn report_facts(
        &self,
        territories: &[String],
        from: &str,
        to: &str,
    ) -> Result<Vec<ReportFact>, StoreError> {
        self.fact_bodies(
            "fact_reports",
            "month >= $1 AND month <= $2",
            territories,
            &[from, to],
        )
        .await
    }

    /// The facts of the cases of these territories: opened in months `from..=to`, or,
    /// when `closed`, every closed case (the caller keeps the months it closed in: the
    /// closure month is in the fact's body only).
    pub async fn case_facts(
        &self,
        territories: &[String],
        from: &str,
        to: &str,
        closed: bool,
    ) -> Result<Vec<CaseFact>, StoreError> {
        if closed {
            // Closed in the period, so opened before its end.
            self.fact_bodies(
                "fact_cases",
                "stage = 'closed' AND month <= $1",
                territories,
                &[to],
            )
            .await
        } else {
            self.fact_bodies(
                "fact_cases",
                "month >= $1 AND month <= $2",
                territories,
                &[from, to],
            )
            .await
        }
    }

    async fn fact_bodies<F: DeserializeOwned>(
        &self,
        table: &str,
        condition: &str,
        territories: &[String],
        binds: &[&str],
    ) -> Result<Vec<F>, StoreError> {
        if territories.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT body FROM {table} WHERE {condition} AND territory_code IN ({})",
            in_list(binds.len() + 1, territories.len())
        );
        let query = binds.iter().fold(sqlx::query(&sql), |q, b| q.bind(*b));
        let rows = territories
            .iter()
            .fold(query, |q, t| q.bind(t.as_str()))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let body: String = r.try_get("body")?;
                serde_json::from_str(&body).map_err(|_| StoreError::Corrupt("statistics fact"))
            })
            .collect()
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Report,
    Case,
    Referral,
}

/// The territories' regions and the communes' areas (reference data, a few hundred rows).
struct Places {
    region: HashMap<String, String>,
    area: HashMap<String, String>,
}

impl Places {
    async fn load(conn: &mut AnyConnection) -> Result<Places, StoreError> {
        let rows = sqlx::query("SELECT code, kind, parent_code FROM territories")
            .fetch_all(&mut *conn)
            .await?;
        let mut parent = HashMap::new();
        let mut regions = BTreeSet::new();
        for r in &rows {
            let code: String = r.try_get("code")?;
            let kind: String = r.try_get("kind")?;
            if kind == "region" {
                regions.insert(code.clone());
            }
            parent.insert(code, r.try_get::<Option<String>, _>("parent_code")?);
        }
        // A prefecture d'arrondissements sits under Casablanca, under its region.
        let region = parent
            .keys()
            .filter_map(|code| {
                let mut at = code.clone();
                for _ in 0..4 {
                    if regions.contains(&at) {
                        return Some((code.clone(), at));
                    }
                    at = parent.get(&at).cloned().flatten()?;
                }
                None
            })
            .collect();
        Ok(Places {
            region,
            area: HashMap::new(),
        })
    }

    /// Reads the urban/rural area of the communes these cards name that it does not
    /// know yet (a commit names one or two; reading all 1,544 each time cost more).
    async fn learn_areas<'a>(
        &mut self,
        conn: &mut AnyConnection,
        datas: impl Iterator<Item = &'a Map<String, Value>>,
    ) -> Result<(), StoreError> {
        let wanted: Vec<String> = datas
            .filter_map(|d| text(d, "commune"))
            .filter(|c| !self.area.contains_key(*c))
            .map(str::to_owned)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for chunk in wanted.chunks(BATCH) {
            for r in select_in(
                conn,
                "SELECT hcp_code, area FROM communes WHERE hcp_code IN",
                "",
                chunk,
            )
            .await?
            {
                self.area.insert(r.try_get("hcp_code")?, r.try_get("area")?);
            }
        }
        Ok(())
    }

    fn region_of(&self, territory: &str) -> String {
        self.region.get(territory).cloned().unwrap_or_default()
    }

    fn area_of(&self, data: &Map<String, Value>) -> String {
        text(data, "commune")
            .and_then(|c| self.area.get(c).cloned())
            .unwrap_or_else(|| "unknown".to_owned())
    }
}

fn text<'a>(data: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    data.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn codes(data: &Map<String, Value>, key: &str) -> Vec<String> {
    let mut codes: Vec<String> = data
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    codes.sort();
    codes.dedup();
    codes
}

fn parse_data(data: &str) -> Map<String, Value> {
    serde_json::from_str(data).unwrap_or_default()
}

/// When a report was received: the time the card gives, else when it was stored.
fn report_time(data: &Map<String, Value>, created_at: i64) -> i64 {
    text(data, "received_at")
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_millisecond())
        .unwrap_or(created_at)
}

/// The month a report was received.
fn report_month(data: &Map<String, Value>, created_at: i64) -> String {
    month_of(report_time(data, created_at))
}

/// The closed cases of the children these reports are about.
async fn closed_cases_of_reported_children(
    conn: &mut AnyConnection,
    reports: &[String],
) -> Result<Vec<String>, StoreError> {
    if reports.is_empty() {
        return Ok(Vec::new());
    }
    select_in(
        conn,
        "SELECT DISTINCT ca.id FROM cases ca JOIN cards r ON r.child_id = ca.child_id
         WHERE ca.stage = 'closed' AND r.id IN",
        "",
        reports,
    )
    .await?
    .iter()
    .map(|r| r.try_get("id").map_err(StoreError::from))
    .collect()
}

/// The evaluations and follow-ups of each case, oldest first: (when, form, what it
/// says: the risk level or the situation).
async fn readings(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<(i64, String, String)>>, StoreError> {
    let mut cards: HashMap<String, Vec<(i64, String, String)>> = HashMap::new();
    for r in select_in(
        conn,
        "SELECT case_id, form_code, data, created_at FROM cards
         WHERE form_code IN ('evaluation', 'followup') AND complete <> 0 AND case_id IN",
        "ORDER BY created_at, id",
        ids,
    )
    .await?
    {
        let data = parse_data(&r.try_get::<String, _>("data")?);
        let form: String = r.try_get("form_code")?;
        let key = if form == "evaluation" {
            "risk"
        } else {
            "situation.overall"
        };
        let value = text(&data, key).unwrap_or_default().to_owned();
        cards.entry(r.try_get("case_id")?).or_default().push((
            r.try_get("created_at")?,
            form,
            value,
        ));
    }
    Ok(cards)
}

/// The child's first and latest positions from the cards up to the closure, and the
/// checks recorded after it.
fn outcomes_of(
    cards: &[(i64, String, String)],
    closed_at: Option<i64>,
) -> (Option<(String, String)>, Checks) {
    let before = |at: i64| closed_at.is_none_or(|closed| at <= closed);
    let readings: Vec<Reading<'_>> = cards
        .iter()
        .filter(|(at, _, _)| before(*at))
        .map(|(_, form, value)| match form.as_str() {
            "evaluation" => Reading::Evaluation(value),
            _ => Reading::FollowUp(value),
        })
        .collect();
    let positions = outcomes::positions(&readings).map(|(f, l)| (f.to_owned(), l.to_owned()));
    let checks = match closed_at {
        Some(closed) => {
            let after: Vec<(i64, &str)> = cards
                .iter()
                .filter(|(at, form, _)| !before(*at) && form == "followup")
                .map(|(at, _, value)| (*at, value.as_str()))
                .collect();
            Checks::of(closed, &after)
        }
        None => Checks::default(),
    };
    (positions, checks)
}

/// The closed cases among these whose child had a new report within 12 months of the
/// closure.
async fn reentered(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<BTreeSet<String>, StoreError> {
    let mut out = BTreeSet::new();
    for r in select_in(
        conn,
        "SELECT ca.id, ca.closed_at, r.data, r.created_at FROM cases ca
         JOIN cards r ON r.child_id = ca.child_id AND r.form_code = 'report' AND r.complete <> 0
         WHERE ca.stage = 'closed' AND ca.closed_at IS NOT NULL AND ca.id IN",
        "",
        ids,
    )
    .await?
    {
        let closed_at: i64 = r.try_get("closed_at")?;
        let data = parse_data(&r.try_get::<String, _>("data")?);
        if outcomes::within_reentry(closed_at, report_time(&data, r.try_get("created_at")?)) {
            out.insert(r.try_get("id")?);
        }
    }
    Ok(out)
}

fn in_list(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn select_in(
    conn: &mut AnyConnection,
    sql_before_list: &str,
    sql_after_list: &str,
    ids: &[String],
) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
    let sql = format!(
        "{sql_before_list} ({}) {sql_after_list}",
        in_list(1, ids.len())
    );
    Ok(ids
        .iter()
        .fold(sqlx::query(&sql), |q, id| q.bind(id.as_str()))
        .fetch_all(&mut *conn)
        .await?)
}

/// The bodies of the facts stored for these ids.
async fn old_facts<F: DeserializeOwned>(
    conn: &mut AnyConnection,
    table: &str,
    ids: &[String],
) -> Result<HashMap<String, F>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = select_in(
        conn,
        &format!("SELECT source_id, body FROM {table} WHERE source_id IN"),
        "",
        ids,
    )
    .await?;
    let mut facts = HashMap::new();
    for r in &rows {
        let body: String = r.try_get("body")?;
        let fact =
            serde_json::from_str(&body).map_err(|_| StoreError::Corrupt("statistics fact"))?;
        facts.insert(r.try_get("source_id")?, fact);
    }
    Ok(facts)
}

async fn delete_facts(
    conn: &mut AnyConnection,
    table: &str,
    column: &str,
    ids: &[String],
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "DELETE FROM {table} WHERE {column} IN ({})",
        in_list(1, ids.len())
    );
    ids.iter()
        .fold(sqlx::query(&sql), |q, id| q.bind(id.as_str()))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn body<F: Serialize>(fact: &F) -> Cell {
    Cell::Text(serde_json::to_string(fact).unwrap_or_default())
}

/// One report's fact and the child it was triaged to (with the child's sex and birth
/// year, for the children counted once per period).
struct ReportRow {
    id: String,
    fact: ReportFact,
    region: String,
    child: Option<LinkedChild>,
}

struct LinkedChild {
    id: String,
    sex: String,
    birth_year: Option<i64>,
}

async fn refresh_reports(
    conn: &mut AnyConnection,
    places: &mut Places,
    ids: &[String],
    cells: &mut Cells,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let rows = select_in(
        conn,
        "SELECT c.id, c.territory_code, c.data, c.created_at, c.child_id, ch.sex AS child_sex, ch.birth_year
         FROM cards c LEFT JOIN children ch ON ch.id = c.child_id
         WHERE c.form_code = 'report' AND c.complete <> 0 AND c.id IN",
        "",
        ids,
    )
    .await?;
    let datas = rows
        .iter()
        .map(|r| Ok(parse_data(&r.try_get::<String, _>("data")?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    places.learn_areas(conn, datas.iter()).await?;
    let mut reports = Vec::with_capacity(rows.len());
    for (r, data) in rows.iter().zip(datas) {
        let territory: String = r.try_get("territory_code")?;
        let month = report_month(&data, r.try_get("created_at")?);
        let child_id: Option<String> = r.try_get("child_id")?;
        let birth_year: Option<i64> = r.try_get("birth_year")?;
        let child_sex: Option<String> = r.try_get("child_sex")?;
        let age = data
            .get("child.age_years")
            .and_then(Value::as_i64)
            .map(|a| age_band(Some(a)))
            .unwrap_or_else(|| age_band_in(birth_year, &month));
        let sex = text(&data, "child.sex")
            .map(str::to_owned)
            .or(child_sex.clone())
            .unwrap_or_else(|| "unknown".to_owned());
        let fact = ReportFact {
            territory: territory.clone(),
            area: places.area_of(&data),
            sex,
            age_band: age.to_owned(),
            source: text(&data, "source").unwrap_or("unknown").to_owned(),
            urgency: text(&data, "urgency").unwrap_or("unknown").to_owned(),
            concerns: codes(&data, "concerns"),
            target_groups: codes(&data, "target_groups"),
            month,
        };
        reports.push(ReportRow {
            id: r.try_get("id")?,
            region: places.region_of(&territory),
            child: child_id.map(|id| LinkedChild {
                id,
                sex: child_sex.unwrap_or_else(|| "unknown".to_owned()),
                birth_year,
            }),
            fact,
        });
    }
    let old: HashMap<String, (ReportFact, Option<String>)> = old_report_facts(conn, ids).await?;
    let mut newly_linked = Vec::new();
    for report in &reports {
        let old_child = match old.get(&report.id) {
            Some((fact, child)) => {
                fact.cells(-1, cells);
                child.clone()
            }
            None => None,
        };
        report.fact.cells(1, cells);
        if let (None, Some(child)) = (old_child, &report.child) {
            newly_linked.push((report, child));
        }
    }
    delete_facts(conn, "fact_reports", "source_id", ids).await?;
    let rows: Vec<Vec<Cell>> = reports
        .iter()
        .map(|r| {
            vec![
                r.id.as_str().into(),
                r.fact.territory.as_str().into(),
                r.region.as_str().into(),
                r.fact.month.as_str().into(),
                r.fact.sex.as_str().into(),
                r.fact.age_band.as_str().into(),
                r.fact.source.as_str().into(),
                r.child.as_ref().map(|c| c.id.as_str()).into(),
                body(&r.fact),
            ]
        })
        .collect();
    bulk::insert_on(
        conn,
        "fact_reports",
        &[
            "source_id",
            "territory_code",
            "region_code",
            "month",
            "sex",
            "age_band",
            "source",
            "child_key",
            "body",
        ],
        &rows,
        "",
    )
    .await?;
    count_children(conn, &newly_linked, cells).await
}

async fn old_report_facts(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, (ReportFact, Option<String>)>, StoreError> {
    let rows = select_in(
        conn,
        "SELECT source_id, body, child_key FROM fact_reports WHERE source_id IN",
        "",
        ids,
    )
    .await?;
    let mut facts = HashMap::new();
    for r in &rows {
        let body: String = r.try_get("body")?;
        let fact =
            serde_json::from_str(&body).map_err(|_| StoreError::Corrupt("statistics fact"))?;
        facts.insert(r.try_get("source_id")?, (fact, r.try_get("child_key")?));
    }
    Ok(facts)
}

/// Counts each newly triaged report's child once per territory level and period, the
/// first time it is seen there. The child's sex and the age it reaches that year are
/// those of its file, so the count does not depend on which report came first.
async fn count_children(
    conn: &mut AnyConnection,
    linked: &[(&ReportRow, &LinkedChild)],
    cells: &mut Cells,
) -> Result<(), StoreError> {
    let mut rows = Vec::new();
    let mut about = HashMap::new();
    for (report, child) in linked {
        let (sex, age) = (
            &child.sex,
            age_band_in(child.birth_year, &report.fact.month),
        );
        for scope in [
            report.fact.territory.as_str(),
            report.region.as_str(),
            NATION,
        ] {
            if scope.is_empty() {
                continue;
            }
            for (measure, period) in child_periods(&report.fact.month) {
                rows.push(vec![
                    Cell::from(scope),
                    Cell::from(period.as_str()),
                    Cell::from(child.id.as_str()),
                ]);
                about.insert(
                    (scope.to_owned(), period, child.id.clone()),
                    (measure, sex.clone(), age),
                );
            }
        }
    }
    let mut inserted = Vec::new();
    for chunk in rows.chunks(300) {
        let mut sql = String::from(
            "INSERT INTO fact_child_periods (territory_code, period, child_key) VALUES ",
        );
        for i in 0..chunk.len() {
            let n = i * 3;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${}, ${})", n + 1, n + 2, n + 3));
        }
        sql.push_str(" ON CONFLICT DO NOTHING RETURNING territory_code, period, child_key");
        let query = chunk
            .iter()
            .flatten()
            .fold(sqlx::query(&sql), |q, cell| match cell {
                Cell::Text(v) => q.bind(v.as_str()),
                _ => q.bind(None::<&str>),
            });
        for r in query.fetch_all(&mut *conn).await? {
            inserted.push((
                r.try_get::<String, _>("territory_code")?,
                r.try_get::<String, _>("period")?,
                r.try_get::<String, _>("child_key")?,
            ));
        }
    }
    for key in inserted {
        if let Some((measure, sex, age)) = about.get(&key) {
            child_cells(measure, &key.0, &key.1, sex, age, cells);
        }
    }
    Ok(())
}

async fn refresh_cases(
    conn: &mut AnyConnection,
    places: &mut Places,
    ids: &[String],
    cells: &mut Cells,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let rows = select_in(
        conn,
        "SELECT id, territory_code, stage, risk, opened_at, closed_at, closure_reason, sex, birth_year FROM cases WHERE id IN",
        "",
        ids,
    )
    .await?;
    let mut concerns: HashMap<String, Vec<String>> = HashMap::new();
    for r in select_in(
        conn,
        "SELECT case_id, concern FROM case_concerns WHERE case_id IN",
        "ORDER BY concern",
        ids,
    )
    .await?
    {
        concerns
            .entry(r.try_get("case_id")?)
            .or_default()
            .push(r.try_get("concern")?);
    }
    // The first report of each case gives its source and place.
    let mut first_report: HashMap<String, Map<String, Value>> = HashMap::new();
    for r in select_in(
        conn,
        "SELECT case_id, data FROM cards WHERE form_code = 'report' AND case_id IN",
        "ORDER BY created_at DESC, id DESC",
        ids,
    )
    .await?
    {
        first_report.insert(
            r.try_get("case_id")?,
            parse_data(&r.try_get::<String, _>("data")?),
        );
    }
    let mut moves: HashMap<String, Vec<(Option<String>, i64)>> = HashMap::new();
    for r in select_in(
        conn,
        "SELECT case_id, from_stage, moved_at FROM stage_moves WHERE case_id IN",
        "ORDER BY moved_at, id",
        ids,
    )
    .await?
    {
        moves
            .entry(r.try_get("case_id")?)
            .or_default()
            .push((r.try_get("from_stage")?, r.try_get("moved_at")?));
    }
    places.learn_areas(conn, first_report.values()).await?;
    let mut readings = readings(conn, ids).await?;
    let reentered = reentered(conn, ids).await?;
    let mut facts = Vec::with_capacity(rows.len());
    let mut stays = Vec::new();
    for r in &rows {
        let id: String = r.try_get("id")?;
        let territory: String = r.try_get("territory_code")?;
        let opened_at: i64 = r.try_get("opened_at")?;
        let month = month_of(opened_at);
        let stage: String = r.try_get("stage")?;
        let report = first_report.remove(&id).unwrap_or_default();
        let birth_year: Option<i64> = r.try_get("birth_year")?;
        let closed_at: Option<i64> = r.try_get("closed_at")?;
        let closed = stage == "closed";
        let (positions, checks) = outcomes_of(
            &readings.remove(&id).unwrap_or_default(),
            closed_at.filter(|_| closed),
        );
        facts.push((
            id.clone(),
            CaseFact {
                territory: territory.clone(),
                area: places.area_of(&report),
                sex: r.try_get("sex")?,
                age_band: age_band(birth_year.map(|y| year_of(&month) - y)).to_owned(),
                source: text(&report, "source").unwrap_or("unknown").to_owned(),
                risk: r
                    .try_get::<Option<String>, _>("risk")?
                    .unwrap_or_else(|| "unassessed".to_owned()),
                concerns: concerns.remove(&id).unwrap_or_default(),
                target_groups: codes(&report, "target_groups"),
                closed_month: closed.then(|| closed_at.map(month_of)).flatten(),
                outcome: if closed {
                    r.try_get("closure_reason")?
                } else {
                    None
                },
                positions,
                reentered: closed && reentered.contains(&id),
                checks,
                stage,
                month,
            },
        ));
        // A stay ends at each move out of a stage; it began at the move before (or at
        // the opening). Time spent closed is not a stage of the pathway.
        let mut entered = opened_at;
        for (n, (from, at)) in moves
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            if let Some(from) = from.filter(|s| s != "closed") {
                stays.push((
                    format!("{id}/{n}"),
                    id.clone(),
                    StayFact {
                        territory: territory.clone(),
                        stage: from,
                        month: month_of(at),
                        hours: hours_between(entered, at),
                    },
                ));
            }
            entered = at;
        }
    }
    let old: HashMap<String, CaseFact> = old_facts(conn, "fact_cases", ids).await?;
    for fact in old.values() {
        fact.cells(-1, cells);
    }
    let old_stays = select_in(
        conn,
        "SELECT body FROM fact_stays WHERE case_id IN",
        "",
        ids,
    )
    .await?;
    for r in &old_stays {
        let stay: StayFact = serde_json::from_str(&r.try_get::<String, _>("body")?)
            .map_err(|_| StoreError::Corrupt("statistics fact"))?;
        stay.cells(-1, cells);
    }
    for (_, fact) in &facts {
        fact.cells(1, cells);
    }
    for (_, _, stay) in &stays {
        stay.cells(1, cells);
    }
    delete_facts(conn, "fact_cases", "source_id", ids).await?;
    delete_facts(conn, "fact_stays", "case_id", ids).await?;
    let case_rows: Vec<Vec<Cell>> = facts
        .iter()
        .map(|(id, f)| {
            vec![
                id.as_str().into(),
                f.territory.as_str().into(),
                f.month.as_str().into(),
                f.sex.as_str().into(),
                f.age_band.as_str().into(),
                f.source.as_str().into(),
                f.stage.as_str().into(),
                f.risk.as_str().into(),
                body(f),
            ]
        })
        .collect();
    bulk::insert_on(
        conn,
        "fact_cases",
        &[
            "source_id",
            "territory_code",
            "month",
            "sex",
            "age_band",
            "source",
            "stage",
            "risk",
            "body",
        ],
        &case_rows,
        "",
    )
    .await?;
    let stay_rows: Vec<Vec<Cell>> = stays
        .iter()
        .map(|(key, case, stay)| vec![key.as_str().into(), case.as_str().into(), body(stay)])
        .collect();
    bulk::insert_on(
        conn,
        "fact_stays",
        &["source_id", "case_id", "body"],
        &stay_rows,
        "",
    )
    .await?;
    Ok(())
}

async fn refresh_referrals(
    conn: &mut AnyConnection,
    ids: &[String],
    cells: &mut Cells,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let rows = select_in(
        conn,
        "SELECT id, territory_code, to_sector, urgency, status, sent_at, due_at, responded_at FROM referrals WHERE id IN",
        "",
        ids,
    )
    .await?;
    let mut facts = Vec::with_capacity(rows.len());
    for r in &rows {
        let sent_at: i64 = r.try_get("sent_at")?;
        let due_at: Option<i64> = r.try_get("due_at")?;
        let responded_at: Option<i64> = r.try_get("responded_at")?;
        facts.push((
            r.try_get::<String, _>("id")?,
            ReferralFact {
                territory: r
                    .try_get::<Option<String>, _>("territory_code")?
                    .unwrap_or_default(),
                month: month_of(sent_at),
                sector: r.try_get("to_sector")?,
                urgency: r.try_get("urgency")?,
                status: r.try_get("status")?,
                response_hours: responded_at.map(|at| hours_between(sent_at, at)),
                late: matches!((responded_at, due_at), (Some(at), Some(due)) if at > due),
                due_at,
            },
        ));
    }
    let old: HashMap<String, ReferralFact> = old_facts(conn, "fact_referrals", ids).await?;
    for fact in old.values() {
        fact.cells(-1, cells);
    }
    for (_, fact) in &facts {
        fact.cells(1, cells);
    }
    delete_facts(conn, "fact_referrals", "source_id", ids).await?;
    let rows: Vec<Vec<Cell>> = facts
        .iter()
        .map(|(id, f)| {
            vec![
                id.as_str().into(),
                f.territory.as_str().into(),
                f.month.as_str().into(),
                f.sector.as_str().into(),
                f.status.as_str().into(),
                f.response_hours.into(),
                f.due_at.into(),
                body(f),
            ]
        })
        .collect();
    bulk::insert_on(
        conn,
        "fact_referrals",
        &[
            "source_id",
            "territory_code",
            "month",
            "sector",
            "status",
            "response_hours",
            "due_at",
            "body",
        ],
        &rows,
        "",
    )
    .await
    .map_err(StoreError::from)
}

/// Adds the changes to the cells (a cell that falls to zero stays, as a zero).
async fn add_cells(conn: &mut AnyConnection, cells: &Cells) -> Result<(), StoreError> {
    let rows: Vec<Vec<Cell>> = cells
        .0
        .iter()
        .map(|(k, n)| {
            vec![
                k.measure.into(),
                k.dim.into(),
                k.month.as_str().into(),
                k.territory.as_str().into(),
                k.code.as_str().into(),
                Cell::Int(*n),
            ]
        })
        .collect();
    bulk::insert_on(
        conn,
        "stat_cells",
        &["measure", "dim", "month", "territory_code", "code", "n"],
        &rows,
        "ON CONFLICT (measure, dim, month, territory_code, code) DO UPDATE SET n = stat_cells.n + excluded.n",
    )
    .await?;
    Ok(())
}
