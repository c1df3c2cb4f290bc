//! Children, their cases and the moves of a case along the pathway. Identities and
//! reasons arrive sealed; names only as blind tokens.

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

/// A case as the API shows it (no identity: that is the child's, sealed).
#[derive(Debug, Clone)]
pub struct CaseRecord {
    pub id: String,
    pub number: String,
    pub child_id: String,
    pub territory: String,
    pub stage: String,
    /// The risk level (a code of the urgency vocabulary): the report's urgency until an
    /// evaluation sets it.
    pub risk: Option<String>,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    pub version: i64,
    /// The user who follows the case ("my cases"); none when a machine client opened it.
    pub assigned_to: Option<String>,
}

/// What the case list is filtered by; `None` is "any".
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub territory: Option<String>,
    pub stage: Option<String>,
    pub risk: Option<String>,
    pub sex: Option<String>,
    /// Children born in these years (inclusive), for an age band.
    pub born_from: Option<i64>,
    pub born_to: Option<i64>,
    /// Leave out closed cases.
    pub open_only: bool,
    /// The cases this user follows ("my cases").
    pub assigned_to: Option<String>,
    /// The cases about this concern (a code of the concerns vocabulary).
    pub concern: Option<String>,
    /// The cases with an open plan action due before this instant (ms): overdue work.
    pub overdue_at: Option<i64>,
}

/// A line of the case list (nothing identifying).
#[derive(Debug, Clone)]
pub struct CaseRow {
    pub id: String,
    pub number: String,
    pub territory: String,
    pub stage: String,
    pub risk: Option<String>,
    pub opened_at: i64,
    pub sex: String,
    pub birth_year: Option<i64>,
}

/// One move of a case; its reason is still sealed.
pub struct MoveRecord {
    pub id: String,
    pub from: Option<String>,
    pub to: String,
    pub at_ms: i64,
    pub by: Option<String>,
    pub reason: Option<Vec<u8>>,
}

/// One move of a case along the pathway, as recorded.
pub struct CaseMove<'a> {
    pub case_id: &'a str,
    /// The case version the move was decided on.
    pub version: i64,
    pub from: Option<&'a str>,
    pub to: &'a str,
    pub move_id: &'a str,
    pub at_ms: i64,
    pub by: &'a str,
    /// Sealed with the AAD `stage_moves/reason/{move_id}`.
    pub reason: Option<&'a [u8]>,
    /// When closing: a code of the closure_reasons vocabulary.
    pub closure_reason: Option<&'a str>,
}

/// A child as stored: the identity is still sealed.
pub struct ChildRecord {
    pub id: String,
    pub territory: String,
    pub sex: String,
    pub birth_year: Option<i64>,
    pub identity: Option<Vec<u8>>,
}

/// A child's row (`id, territory_code, sex, birth_year, identity`).
pub(crate) fn child_record(r: &sqlx::any::AnyRow) -> Result<ChildRecord, StoreError> {
    Ok(ChildRecord {
        id: r.try_get("id")?,
        territory: r.try_get("territory_code")?,
        sex: r.try_get("sex")?,
        birth_year: r.try_get("birth_year")?,
        identity: r.try_get("identity")?,
    })
}

pub struct NewChild<'a> {
    pub id: &'a str,
    pub territory: &'a str,
    pub sex: &'a str,
    pub birth_year: Option<i64>,
    pub identity: Option<&'a [u8]>,
    pub at_ms: i64,
}

/// The plan action statuses that still call for work: an action in one of them past its
/// deadline makes its case overdue.
const OPEN_ACTION_STATUSES: &str = "'planned', 'in_progress'";

/// A value for a placeholder of a query built at run time.
enum Param<'a> {
    Text(&'a str),
    Int(i64),
}

/// The queries of the filters actually given, and their values in placeholder order.
/// `($1 IS NULL OR column = $1)` would be one fixed statement, but no index can serve
/// it: SQLite scanned every case of the country for each list (740 ms at p95).
#[derive(Default)]
struct Conditions<'a> {
    /// The placeholder of the province, when the list is one province's.
    province: Option<usize>,
    /// Conditions on the case (`c`) other than its province.
    clauses: Vec<String>,
    /// The case ids that a table beside `cases` allows (plan actions, concerns), the
    /// fewest first.
    sides: Vec<Side>,
    params: Vec<Param<'a>>,
}

/// The rows of a table beside `cases` that let a case in.
struct Side {
    table: &'static str,
    condition: String,
    /// One row per case at most, with the case's `opened_at`, indexed in list order.
    ordered: bool,
}

impl Side {
    /// The case ids, each once.
    fn ids(&self) -> String {
        let distinct = if self.ordered { "" } else { "DISTINCT " };
        format!(
            "SELECT {distinct}case_id FROM {} WHERE {}",
            self.table, self.condition
        )
    }

    /// The case ids with their `opened_at` (an ordered side only).
    fn ids_opened(&self) -> String {
        format!(
            "SELECT case_id, opened_at FROM {} WHERE {}",
            self.table, self.condition
        )
    }
}

impl<'a> Conditions<'a> {
    fn of(f: &'a CaseFilter) -> Conditions<'a> {
        let mut w = Conditions::default();
        let text = |v: &'a Option<String>| v.as_deref().map(Param::Text);
        if let Some(territory) = f.territory.as_deref() {
            w.params.push(Param::Text(territory));
            w.province = Some(w.params.len());
        }
        w.add("c.stage = ?", text(&f.stage));
        w.add("c.risk = ?", text(&f.risk));
        w.add("c.sex = ?", text(&f.sex));
        w.add("c.birth_year >= ?", f.born_from.map(Param::Int));
        w.add("c.birth_year <= ?", f.born_to.map(Param::Int));
        w.add("c.assigned_to = ?", text(&f.assigned_to));
        if f.open_only {
            w.clauses.push("c.stage <> 'closed'".to_owned());
        }
        if let Some(at) = f.overdue_at {
            let open_and_due = format!("status IN ({OPEN_ACTION_STATUSES}) AND due_at < ?");
            w.beside("plan_actions", &open_and_due, Param::Int(at), false);
        }
        if let Some(concern) = f.concern.as_deref() {
            w.beside("case_concerns", "concern = ?", Param::Text(concern), true);
        }
        w
    }

    /// Adds `clause`, its `?` numbered as the next placeholder, when a value is given.
    fn add(&mut self, clause: &str, param: Option<Param<'a>>) {
        if let Some(param) = param {
            self.params.push(param);
            let placeholder = format!("${}", self.params.len());
            self.clauses.push(clause.replace('?', &placeholder));
        }
    }

    /// The rows of `table`, beside `cases`, (of the province, when the list is one
    /// province's) meeting `condition`, whose `?` is `param`.
    fn beside(&mut self, table: &'static str, condition: &str, param: Param<'a>, ordered: bool) {
        let within = self
            .province
            .map(|n| format!("territory_code = ${n} AND "))
            .unwrap_or_default();
        self.params.push(param);
        let condition = condition.replace('?', &format!("${}", self.params.len()));
        self.sides.push(Side {
            table,
            condition: format!("{within}{condition}"),
            ordered,
        });
    }

    /// The table beside `cases` that answers the list alone, from its own index: one
    /// filter on it, none on the case but the province it holds too.
    fn alone(&self) -> Option<&Side> {
        match self.sides.as_slice() {
            [side] if side.ordered && self.clauses.is_empty() => Some(side),
            _ => None,
        }
    }

    /// `FROM … WHERE …` on the cases. With a filter on a table beside `cases`, the query
    /// starts from that table's case ids, read once from its index on the province, and
    /// looks each case up by id (a CROSS JOIN keeps that order in SQLite): probing
    /// every case of the province for a concern instead took 30 ms of CPU at 1,000,000
    /// children.
    fn selection(&self) -> String {
        let mut clauses = Vec::new();
        let from = match self.sides.split_first() {
            None => "cases c".to_owned(),
            Some((first, others)) => {
                clauses.push("c.id = s.case_id".to_owned());
                clauses.extend(
                    others
                        .iter()
                        .map(|side| format!("c.id IN ({})", side.ids())),
                );
                format!("({}) s CROSS JOIN cases c", first.ids())
            }
        };
        clauses.extend(self.province.map(|n| format!("c.territory_code = ${n}")));
        clauses.extend(self.clauses.iter().cloned());
        if clauses.is_empty() {
            format!("FROM {from}")
        } else {
            format!("FROM {from} WHERE {}", clauses.join(" AND "))
        }
    }

    fn count_sql(&self) -> String {
        match self.alone() {
            Some(side) => format!("SELECT COUNT(*) AS n FROM ({}) s", side.ids()),
            None => format!("SELECT COUNT(*) AS n {}", self.selection()),
        }
    }

    /// The ids of a page of cases, newest first; its limit and offset are the two
    /// placeholders after the filters'.
    fn page_ids_sql(&self) -> String {
        let (limit, offset) = (self.params.len() + 1, self.params.len() + 2);
        match self.alone() {
            Some(side) => format!(
                "SELECT s.case_id AS id FROM ({}) s ORDER BY s.opened_at DESC, s.case_id DESC LIMIT ${limit} OFFSET ${offset}",
                side.ids_opened()
            ),
            None => format!(
                "SELECT c.id {} ORDER BY c.opened_at DESC, c.id DESC LIMIT ${limit} OFFSET ${offset}",
                self.selection()
            ),
        }
    }

    fn bind<'q>(
        &'q self,
        sql: &'q str,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        self.params
            .iter()
            .fold(sqlx::query(sql), |query, param| match param {
                Param::Text(v) => query.bind(*v),
                Param::Int(v) => query.bind(*v),
            })
    }
}

impl Store {
    pub async fn case(&self, id: &str) -> Result<Option<CaseRecord>, StoreError> {
        let row = sqlx::query("SELECT id, number, child_id, territory_code, stage, risk, opened_at, closed_at, version, assigned_to FROM cases WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(CaseRecord {
                id: r.try_get("id")?,
                number: r.try_get("number")?,
                child_id: r.try_get("child_id")?,
                territory: r.try_get("territory_code")?,
                stage: r.try_get("stage")?,
                risk: r.try_get("risk")?,
                opened_at: r.try_get("opened_at")?,
                closed_at: r.try_get("closed_at")?,
                version: r.try_get("version")?,
                assigned_to: r.try_get("assigned_to")?,
            })
        })
        .transpose()
    }

    /// The concern codes of a case (the forms of violence or risk it is about), sorted.
    pub async fn case_concerns(&self, case_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT concern FROM case_concerns WHERE case_id = $1 ORDER BY concern",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn stage_moves(&self, case_id: &str) -> Result<Vec<MoveRecord>, StoreError> {
        let rows = sqlx::query("SELECT id, from_stage, to_stage, moved_at, moved_by, reason FROM stage_moves WHERE case_id = $1 ORDER BY moved_at, id")
            .bind(case_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(MoveRecord {
                    id: r.try_get("id")?,
                    from: r.try_get("from_stage")?,
                    to: r.try_get("to_stage")?,
                    at_ms: r.try_get("moved_at")?,
                    by: r.try_get("moved_by")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect()
    }

    /// The cards of a case: (id, form, recorded at, complete), oldest first.
    pub async fn case_cards(
        &self,
        case_id: &str,
    ) -> Result<Vec<(String, String, i64, bool)>, StoreError> {
        let rows = sqlx::query("SELECT id, form_code, created_at, complete FROM cards WHERE case_id = $1 ORDER BY created_at, id")
            .bind(case_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("form_code")?,
                    r.try_get("created_at")?,
                    r.try_get::<i64, _>("complete")? != 0,
                ))
            })
            .collect()
    }

    /// A page of cases, newest first, and how many match in all (`limit` 0: only how
    /// many).
    ///
    /// Both queries read `cases` alone: the child's sex and birth year are copied onto
    /// the case (migration 0011), and the index `cases_list` holds the province, the
    /// order and every filtered column, so the count and the skip to the page read the
    /// index, not the table. The concern and overdue filters start from their own table
    /// instead (see `Conditions::selection`), and a concern alone is answered from the
    /// concerns' index (see `Conditions::alone`). The total is an exact `COUNT(*)`: counting a province's
    /// cases from that index took a few milliseconds at 1,000,000 children (see
    /// BENCHMARKS.md), cheap enough not to cap it, and the page shows it.
    pub async fn cases_page(
        &self,
        filter: &CaseFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<CaseRow>, i64), StoreError> {
        let conditions = Conditions::of(filter);
        let count_sql = conditions.count_sql();
        let total: i64 = conditions
            .bind(&count_sql)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        if limit == 0 {
            return Ok((Vec::new(), total));
        }
        // The page's ids first, from an index alone, then their rows: skipping to a
        // deep page then never reads the rows it skips.
        let page_sql = format!(
            "SELECT p.id, p.number, p.territory_code, p.stage, p.risk, p.opened_at, p.sex, p.birth_year
             FROM ({}) page JOIN cases p ON p.id = page.id
             ORDER BY p.opened_at DESC, p.id DESC",
            conditions.page_ids_sql()
        );
        let rows = conditions
            .bind(&page_sql)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(CaseRow {
                    id: r.try_get("id")?,
                    number: r.try_get("number")?,
                    territory: r.try_get("territory_code")?,
                    stage: r.try_get("stage")?,
                    risk: r.try_get("risk")?,
                    opened_at: r.try_get("opened_at")?,
                    sex: r.try_get("sex")?,
                    birth_year: r.try_get("birth_year")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((rows, total))
    }

    /// The territory of a child (for the policy), if the child exists.
    pub async fn child_territory(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT territory_code FROM children WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Children of a territory sharing at least one blind name token with `tokens`, with
    /// how many they share, most first (then by id), at most `limit`. One grouped query
    /// on the index `(territory_code, token, child_id)`: reading each token's children
    /// apart cost a round trip per token and cut a common name's bucket short before
    /// the children sharing more tokens were reached.
    pub async fn children_sharing_tokens(
        &self,
        territory: &str,
        tokens: &[Vec<u8>],
        limit: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT child_id, COUNT(*) AS shared FROM child_name_tokens
             WHERE territory_code = $1 AND token IN ({})
             GROUP BY child_id ORDER BY shared DESC, child_id LIMIT ${}",
            placeholders(2, tokens.len()),
            tokens.len() + 2
        );
        let query = tokens
            .iter()
            .fold(sqlx::query(&sql).bind(territory), |q, token| {
                q.bind(token.as_slice())
            });
        let rows = query.bind(limit).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok((r.try_get("child_id")?, r.try_get("shared")?)))
            .collect()
    }

    pub async fn child_identity(
        &self,
        id: &str,
    ) -> Result<Option<(String, Option<i64>, Option<Vec<u8>>)>, StoreError> {
        let row = sqlx::query("SELECT sex, birth_year, identity FROM children WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok((
                r.try_get("sex")?,
                r.try_get("birth_year")?,
                r.try_get("identity")?,
            ))
        })
        .transpose()
    }

    /// These children's rows, sealed identities included, in one query (in no order;
    /// unknown ids are left out).
    pub async fn children(&self, ids: &[String]) -> Result<Vec<ChildRecord>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, territory_code, sex, birth_year, identity FROM children WHERE id IN ({})",
            placeholders(1, ids.len())
        );
        let rows = ids
            .iter()
            .fold(sqlx::query(&sql), |q, id| q.bind(id.as_str()))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(child_record).collect()
    }
}

/// `$first, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Tx<'_> {
    pub async fn insert_child(&mut self, child: &NewChild<'_>) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO children (id, territory_code, sex, birth_year, identity, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(child.id)
            .bind(child.territory)
            .bind(child.sex)
            .bind(child.birth_year)
            .bind(child.identity)
            .bind(child.at_ms)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn insert_name_tokens(
        &mut self,
        child_id: &str,
        territory: &str,
        tokens: &[Vec<u8>],
    ) -> Result<(), StoreError> {
        for token in tokens {
            // The child's birth year and sex go beside each token, from the child's
            // own row, so that a name search reads no child's row.
            sqlx::query(
                "INSERT INTO child_name_tokens (child_id, token, territory_code, birth_year, sex)
                 SELECT id, $2, $3, birth_year, sex FROM children WHERE id = $1
                 ON CONFLICT DO NOTHING",
            )
            .bind(child_id)
            .bind(token.as_slice())
            .bind(territory)
            .execute(&mut *self.inner)
            .await?;
        }
        Ok(())
    }

    /// The next number of a territory's year: 1, 2, 3… (the row is locked until commit).
    pub async fn next_case_number(
        &mut self,
        territory: &str,
        year: i64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO case_number_sequences (territory_code, year, last_value) VALUES ($1, $2, 1)
             ON CONFLICT (territory_code, year) DO UPDATE SET last_value = case_number_sequences.last_value + 1
             RETURNING last_value",
        )
        .bind(territory)
        .bind(year)
        .fetch_one(&mut *self.inner)
        .await?)
    }

    pub async fn insert_case(
        &mut self,
        case: &CaseRecord,
        opened_by: &str,
    ) -> Result<(), StoreError> {
        // The child's sex and birth year are copied from the child's row, in the same
        // statement, so that the copy the case list filters on cannot differ from it.
        let done = sqlx::query("INSERT INTO cases (id, number, child_id, territory_code, stage, risk, opened_at, opened_by, assigned_to, sex, birth_year)
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, ch.sex, ch.birth_year FROM children ch WHERE ch.id = $3")
            .bind(&case.id)
            .bind(&case.number)
            .bind(&case.child_id)
            .bind(&case.territory)
            .bind(&case.stage)
            .bind(case.risk.as_deref())
            .bind(case.opened_at)
            .bind(opened_by)
            .bind(case.assigned_to.as_deref())
            .execute(&mut *self.inner)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::UnknownReference);
        }
        self.touch_case(&case.id);
        Ok(())
    }

    /// Records what a case is about, with the case's province and opening time (for
    /// the list); a code given twice is recorded once.
    pub async fn insert_case_concerns(
        &mut self,
        case_id: &str,
        concerns: &[&str],
    ) -> Result<(), StoreError> {
        for concern in concerns {
            sqlx::query("INSERT INTO case_concerns (case_id, concern, territory_code, opened_at) SELECT $1, $2, territory_code, opened_at FROM cases WHERE id = $1 ON CONFLICT DO NOTHING")
                .bind(case_id)
                .bind(*concern)
                .execute(&mut *self.inner)
                .await?;
        }
        self.touch_case(case_id);
        Ok(())
    }

    /// Sets the risk level of a case (from an evaluation).
    pub async fn set_case_risk(&mut self, case_id: &str, risk: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE cases SET risk = $1, version = version + 1 WHERE id = $2")
            .bind(risk)
            .bind(case_id)
            .execute(&mut *self.inner)
            .await?;
        self.touch_case(case_id);
        Ok(())
    }

    /// Attaches a card to a child and a case; false if the card was already triaged.
    pub async fn link_card(
        &mut self,
        card_id: &str,
        child_id: &str,
        case_id: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE cards SET child_id = $1, case_id = $2, version = version + 1 WHERE id = $3 AND case_id IS NULL")
            .bind(child_id)
            .bind(case_id)
            .bind(card_id)
            .execute(&mut *self.inner)
            .await?;
        self.touch_report(card_id);
        self.touch_case(case_id);
        Ok(done.rows_affected() == 1)
    }

    /// Records a move; false when the case changed since `version` was read.
    pub async fn move_case(&mut self, m: &CaseMove<'_>) -> Result<bool, StoreError> {
        let closed_at = (m.to == "closed").then_some(m.at_ms);
        let done = sqlx::query("UPDATE cases SET stage = $1, closed_at = $2, closure_reason = $3, version = version + 1 WHERE id = $4 AND version = $5")
            .bind(m.to)
            .bind(closed_at)
            .bind(m.closure_reason)
            .bind(m.case_id)
            .bind(m.version)
            .execute(&mut *self.inner)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("INSERT INTO stage_moves (id, case_id, from_stage, to_stage, moved_at, moved_by, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(m.move_id)
            .bind(m.case_id)
            .bind(m.from)
            .bind(m.to)
            .bind(m.at_ms)
            .bind(m.by)
            .bind(m.reason)
            .execute(&mut *self.inner)
            .await?;
        self.touch_case(m.case_id);
        Ok(true)
    }
}
