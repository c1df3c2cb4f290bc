//! Typed rows for bulk loads (the demo generator, the benchmark's fixtures, imports):
//! the callers fill the values a record has, and the store alone knows the tables,
//! their columns and what the application's own write path derives from what (a case's
//! concerns carry its province and opening time, a child's name tokens its province, a
//! referral's status and milestones follow its steps).
//!
//! Who recorded a row (`opened_by`, `created_by`, `by`) is a user id, `token:ID` for a
//! machine client, or `demo` for generated data.
//!
//! A bulk load bypasses [`crate::audit::Tx`]: it writes no audit entry and no facts.
//! The statistics are rebuilt afterwards (`Store::rebuild_statistics`).

use crate::{Backend, Store, StoreError};
use sqlx::any::AnyArguments;
use sqlx::pool::PoolConnection;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Connection, Executor};

type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

/// About this many values bound per statement. SQLite reads `$n` placeholders as
/// named parameters kept in a list searched from the start for each one, so preparing
/// and binding a statement cost the square of its placeholders: 30,000 of them take
/// about a second. Same-sized chunks also let the prepared statement be reused.
const BINDS_PER_STATEMENT: usize = 250;

/// A child, with the blind tokens of their names (`child_name_tokens`).
pub struct BulkChild {
    pub id: String,
    pub territory: String,
    pub sex: String,
    pub birth_year: i64,
    /// Sealed with the AAD `children/identity/{id}`.
    pub identity: Vec<u8>,
    pub created_at: i64,
    pub name_tokens: Vec<Vec<u8>>,
}

/// A case, with the concerns triage copied from its report and its stage moves.
pub struct BulkCase {
    pub id: String,
    pub number: String,
    pub child_id: String,
    pub territory: String,
    /// The stage it stands at now (the last move's).
    pub stage: String,
    pub risk: Option<String>,
    pub opened_at: i64,
    pub opened_by: String,
    pub assigned_to: Option<String>,
    pub closed_at: Option<i64>,
    /// A code of the `closure_reasons` vocabulary; required of a closed case.
    pub closure_reason: Option<String>,
    /// The child's sex and birth year, as the child's row has them: the case list
    /// filters on this copy.
    pub sex: String,
    pub birth_year: i64,
    pub concerns: Vec<String>,
    pub moves: Vec<BulkMove>,
}

pub struct BulkMove {
    pub id: String,
    /// None for the move that opens the case.
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub at: i64,
    pub by: String,
    /// The reason sealed (BYTEA): a NULL must be bound as bytes, or PostgreSQL refuses
    /// the text NULL for a BYTEA column.
    pub reason: Option<Vec<u8>>,
}

/// A card as `Tx::insert_card` writes it, possibly completed later (`updated_at`).
pub struct BulkCard {
    pub id: String,
    pub form_code: String,
    pub form_version: u32,
    pub territory: String,
    pub complete: bool,
    /// The non-personal values, as a JSON object.
    pub data: String,
    /// The personal values, sealed with the AAD `cards/sealed/{id}`.
    pub sealed: Vec<u8>,
    pub created_by: String,
    pub organisation: Option<String>,
    pub case_id: Option<String>,
    pub child_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A linking card as `Tx::insert_referral` writes it, with the steps taken on it since
/// (`Tx::take_referral_step`): its status, version and milestone times follow them.
pub struct BulkReferral {
    pub id: String,
    pub case_id: String,
    /// The case's province: the referral statistics are counted under it.
    pub territory: String,
    /// The organisations at either end; None only where the database has none (demo
    /// data, which creates no organisation).
    pub from_org: Option<String>,
    pub from_sector: String,
    pub to_org: Option<String>,
    pub to_sector: String,
    pub stage: String,
    pub service: Option<String>,
    pub urgency: String,
    pub consent: String,
    /// The shared parts, a JSON list of codes.
    pub share: String,
    /// Reason and legal ground, sealed with the AAD `referrals/sealed/{id}`.
    pub sealed: Vec<u8>,
    pub created_by: String,
    pub sent_at: i64,
    /// When the answer is due, by the urgency's deadline.
    pub due_at: i64,
    /// The steps after sending, in order.
    pub steps: Vec<BulkStep>,
}

/// A step taken on a referral: `received`, `accepted`, `declined`, `delivered`, `closed`.
pub struct BulkStep {
    pub id: String,
    pub status: String,
    pub at: i64,
    pub by: String,
    /// Sealed with the AAD `referral_steps/note/{id}`.
    pub note: Option<Vec<u8>>,
}

/// An action of a case's plan as `Tx::insert_plan_action` writes it, with the status
/// and version its later changes leave.
pub struct BulkPlanAction {
    pub id: String,
    pub case_id: String,
    pub territory: String,
    /// The goal and action, sealed with the AAD `plan_actions/sealed/{id}`.
    pub sealed: Vec<u8>,
    pub responsible_sector: String,
    pub responsible_org: Option<String>,
    pub due_at: i64,
    pub status: String,
    /// `plan` (written by a worker) or `evaluation` (set by a high-risk evaluation).
    pub origin: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// The last case number given in a territory's year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSequence {
    pub territory: String,
    pub year: i64,
    pub last_value: i64,
}

/// A case given to a user to follow, as assignment leaves it.
pub struct BulkAssignment {
    pub case_id: String,
    pub user_id: String,
}

/// What one bulk transaction writes; every part may be empty.
#[derive(Default)]
pub struct BulkBatch {
    pub children: Vec<BulkChild>,
    pub cases: Vec<BulkCase>,
    pub cards: Vec<BulkCard>,
    pub referrals: Vec<BulkReferral>,
    pub plan_actions: Vec<BulkPlanAction>,
    pub assignments: Vec<BulkAssignment>,
    /// Written with the cases they numbered, so that the application (or a later
    /// load) continues after them.
    pub sequences: Vec<CaseSequence>,
}

impl BulkBatch {
    pub fn clear(&mut self) {
        *self = BulkBatch::default();
    }
}

/// One table's rows: its name, its columns and how a row binds them, in their order.
trait Row {
    const TABLE: &'static str;
    const COLUMNS: &'static [&'static str];
    const CONFLICT: &'static str = "";
    fn bind<'q>(&'q self, query: AnyQuery<'q>) -> AnyQuery<'q>;
}

impl Row for BulkChild {
    const TABLE: &'static str = "children";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "territory_code",
        "sex",
        "birth_year",
        "identity",
        "created_at",
    ];
    fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        q.bind(self.id.as_str())
            .bind(self.territory.as_str())
            .bind(self.sex.as_str())
            .bind(self.birth_year)
            .bind(self.identity.as_slice())
            .bind(self.created_at)
    }
}

struct NameToken<'a> {
    child: &'a BulkChild,
    token: &'a [u8],
}

impl Row for NameToken<'_> {
    const TABLE: &'static str = "child_name_tokens";
    const COLUMNS: &'static [&'static str] =
        &["child_id", "token", "territory_code", "birth_year", "sex"];
    const CONFLICT: &'static str = "ON CONFLICT DO NOTHING";
    fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        q.bind(self.child.id.as_str())
            .bind(self.token)
            .bind(self.child.territory.as_str())
            .bind(self.child.birth_year)
            .bind(self.child.sex.as_str())
    }
}

impl Row for BulkCase {
    const TABLE: &'static str = "cases";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "number",
        "child_id",
        "territory_code",
        "stage",
        "risk",
        "opened_at",
        "opened_by",
        "assigned_to",
        "closed_at",
        "closure_reason",
        "sex",
        "birth_year",
    ];
    fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        q.bind(self.id.as_str())
            .bind(self.number.as_str())
            .bind(self.child_id.as_str())
            .bind(self.territory.as_str())
            .bind(self.stage.as_str())
            .bind(self.risk.as_deref())
            .bind(self.opened_at)
            .bind(self.opened_by.as_str())
            .bind(self.assigned_to.as_deref())
            .bind(self.closed_at)
            .bind(self.closure_reason.as_deref())
            .bind(self.sex.as_str())
            .bind(self.birth_year)
    }
}

struct Concern<'a> {
    case: &'a BulkCase,
    concern: &'a str,
}

impl Row for Concern<'_> {
    const TABLE: &'static str = "case_concerns";
    const COLUMNS: &'static [&'static str] = &["case_id", "concern", "territory_code", "opened_at"];
    const CONFLICT: &'static str = "ON CONFLICT DO NOTHING";
    fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        q.bind(self.case.id.as_str())
            .bind(self.concern)
            .bind(self.case.territory.as_str())
            .bind(self.case.opened_at)
    }
}

struct Move<'a> {
    case_id: &'a str,
    m: &'a BulkMove,
}

impl Row for Move<'_> {
    const TABLE: &'static str = "stage_moves";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "case_id",
        "from_stage",
        "to_stage",
        "moved_at",
        "moved_by",
        "reason",
    ];
    fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        q.bind(self.m.id.as_str())
            .bind(self.case_id)
            .bind(self.m.from_stage.as_deref())
            .bind(self.m.to_stage.as_str())
            .bind(self.m.at)
            .bind(self.m.by.as_str())
            .bind(self.m.reason.as_deref())
    }
}

impl Row for BulkCard {
    const TABLE: &'static str = "cards";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "form_code",
        "form_version",
        "territory_code",
        "complete",
        "data",
        "sealed",
        "created_by",
        "organisation_code",
        "case_id",
        "child_id",
        "created_at",
        "updated_at",
    ];
    fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        q.bind(self.id.as_str())
            .bind(self.form_code.as_str())
            .bind(i64::from(self.form_version))
            .bind(self.territory.as_str())
            .bind(i64::from(self.complete))
            .bind(self.data.as_str())
            .bind(self.sealed.as_slice())
            .bind(self.created_by.as_str())
            .bind(self.organisation.as_deref())
            .bind(self.case_id.as_deref())
            .bind(self.child_id.as_deref())
            .bind(self.created_at)
            .bind(self.updated_at)
    }
}

/// The referral row with what its steps set: the status of the last, each milestone's
/// time, and one version more per step (as `Tx::take_referral_step` leaves them).
struct Referral<'a> {
    r: &'a BulkReferral,
    status: &'a str,
    received_at: Option<i64>,
    responded_at: Option<i64>,
    delivered_at: Option<i64>,
    closed_at: Option<i64>,
}

impl<'a> Referral<'a> {
    fn of(r: &'a BulkReferral) -> Result<Referral<'a>, StoreError> {
        let mut row = Referral {
            r,
            status: "sent",
            received_at: None,
            responded_at: None,
            delivered_at: None,
            closed_at: None,
        };
        for step in &r.steps {
            let milestone = match step.status.as_str() {
                "received" => &mut row.received_at,
                "accepted" | "declined" => &mut row.responded_at,
                "delivered" => &mut row.delivered_at,
                "closed" => &mut row.closed_at,
                _ => return Err(StoreError::Corrupt("referral status")),
            };
            *milestone = Some(step.at);
            row.status = &step.status;
        }
        Ok(row)
    }
}

impl Row for Referral<'_> {
    const TABLE: &'static str = "referrals";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "case_id",
        "territory_code",
        "from_org",
        "from_sector",
        "to_org",
        "to_sector",
        "stage",
        "service",
        "urgency",
        "status",
        "consent",
        "share",
        "sealed",
        "created_by",
        "sent_at",
        "due_at",
        "received_at",
        "responded_at",
        "delivered_at",
        "closed_at",
        "version",
    ];
    fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        let r = self.r;
        q.bind(r.id.as_str())
            .bind(r.case_id.as_str())
            .bind(r.territory.as_str())
            .bind(r.from_org.as_deref())
            .bind(r.from_sector.as_str())
            .bind(r.to_org.as_deref())
            .bind(r.to_sector.as_str())
            .bind(r.stage.as_str())
            .bind(r.service.as_deref())
            .bind(r.urgency.as_str())
            .bind(self.status)
            .bind(r.consent.as_str())
            .bind(r.share.as_str())
            .bind(r.sealed.as_slice())
            .bind(r.created_by.as_str())
            .bind(r.sent_at)
            .bind(r.due_at)
            .bind(self.received_at)
            .bind(self.responded_at)
            .bind(self.delivered_at)
            .bind(self.closed_at)
            .bind(1 + r.steps.len() as i64)
    }
}

/// A referral step; the sending is a step too, with the id `{referral}-sent`.
struct Step<'a> {
    id: std::borrow::Cow<'a, str>,
    referral_id: &'a str,
    status: &'a str,
    at: i64,
    by: &'a str,
    note: Option<&'a [u8]>,
}

impl Row for Step<'_> {
    const TABLE: &'static str = "referral_steps";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "referral_id",
        "status",
        "taken_at",
        "taken_by",
        "note",
    ];
    fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        q.bind(self.id.as_ref())
            .bind(self.referral_id)
            .bind(self.status)
            .bind(self.at)
            .bind(self.by)
            .bind(self.note)
    }
}

fn steps(r: &BulkReferral) -> impl Iterator<Item = Step<'_>> {
    let sent = Step {
        id: format!("{}-sent", r.id).into(),
        referral_id: &r.id,
        status: "sent",
        at: r.sent_at,
        by: &r.created_by,
        note: None,
    };
    std::iter::once(sent).chain(r.steps.iter().map(|s| Step {
        id: s.id.as_str().into(),
        referral_id: &r.id,
        status: &s.status,
        at: s.at,
        by: &s.by,
        note: s.note.as_deref(),
    }))
}

impl Row for BulkPlanAction {
    const TABLE: &'static str = "plan_actions";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "case_id",
        "territory_code",
        "sealed",
        "responsible_sector",
        "responsible_org",
        "due_at",
        "status",
        "origin",
        "created_by",
        "created_at",
        "updated_at",
        "version",
    ];
    fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        q.bind(self.id.as_str())
            .bind(self.case_id.as_str())
            .bind(self.territory.as_str())
            .bind(self.sealed.as_slice())
            .bind(self.responsible_sector.as_str())
            .bind(self.responsible_org.as_deref())
            .bind(self.due_at)
            .bind(self.status.as_str())
            .bind(self.origin.as_str())
            .bind(self.created_by.as_str())
            .bind(self.created_at)
            .bind(self.updated_at)
            .bind(self.version)
    }
}

impl Row for CaseSequence {
    const TABLE: &'static str = "case_number_sequences";
    const COLUMNS: &'static [&'static str] = &["territory_code", "year", "last_value"];
    const CONFLICT: &'static str =
        "ON CONFLICT (territory_code, year) DO UPDATE SET last_value = excluded.last_value";
    fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        q.bind(self.territory.as_str())
            .bind(self.year)
            .bind(self.last_value)
    }
}

/// Writes `rows` into their table, a few hundred values per statement.
async fn insert<R: Row>(conn: &mut AnyConnection, rows: &[R]) -> Result<(), StoreError> {
    let per_statement = (BINDS_PER_STATEMENT / R::COLUMNS.len()).max(1);
    for chunk in rows.chunks(per_statement) {
        let sql = super::insert_sql(R::TABLE, R::COLUMNS, chunk.len(), R::CONFLICT);
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = row.bind(query);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// One connection for a whole load. On SQLite it gets a large page cache (a batch
/// touches more pages than the default 2 MB holds, which spills them to disk mid
/// transaction) and keeps statement journals in memory. It is closed at the end rather
/// than handed back to the pool with those settings.
pub struct BulkWriter {
    conn: PoolConnection<Any>,
}

impl Store {
    pub async fn bulk_writer(&self) -> Result<BulkWriter, StoreError> {
        let mut conn = self.pool.acquire().await?;
        conn.close_on_drop();
        if self.backend == Backend::Sqlite {
            conn.execute("PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY;")
                .await?;
        }
        Ok(BulkWriter { conn })
    }
}

impl BulkWriter {
    /// The case numbers given so far, territory by territory and year by year.
    pub async fn case_sequences(&mut self) -> Result<Vec<CaseSequence>, StoreError> {
        let rows: Vec<(String, i64, i64)> =
            sqlx::query_as("SELECT territory_code, year, last_value FROM case_number_sequences")
                .fetch_all(&mut *self.conn)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(territory, year, last_value)| CaseSequence {
                territory,
                year,
                last_value,
            })
            .collect())
    }

    /// Writes the batch in one transaction, tables in the order foreign keys need, so
    /// that an interrupted load leaves whole batches behind.
    pub async fn write(&mut self, batch: &BulkBatch) -> Result<(), StoreError> {
        let referrals = batch
            .referrals
            .iter()
            .map(Referral::of)
            .collect::<Result<Vec<_>, _>>()?;
        let mut tx = self.conn.begin().await?;
        insert(&mut tx, &batch.children).await?;
        let tokens: Vec<NameToken<'_>> = batch
            .children
            .iter()
            .flat_map(|child| {
                child
                    .name_tokens
                    .iter()
                    .map(move |token| NameToken { child, token })
            })
            .collect();
        insert(&mut tx, &tokens).await?;
        insert(&mut tx, &batch.cases).await?;
        let concerns: Vec<Concern<'_>> = batch
            .cases
            .iter()
            .flat_map(|case| {
                case.concerns
                    .iter()
                    .map(move |concern| Concern { case, concern })
            })
            .collect();
        insert(&mut tx, &concerns).await?;
        insert(&mut tx, &batch.cards).await?;
        let moves: Vec<Move<'_>> = batch
            .cases
            .iter()
            .flat_map(|case| {
                case.moves.iter().map(|m| Move {
                    case_id: &case.id,
                    m,
                })
            })
            .collect();
        insert(&mut tx, &moves).await?;
        insert(&mut tx, &referrals).await?;
        let steps: Vec<Step<'_>> = batch.referrals.iter().flat_map(steps).collect();
        insert(&mut tx, &steps).await?;
        insert(&mut tx, &batch.plan_actions).await?;
        for a in &batch.assignments {
            sqlx::query("UPDATE cases SET assigned_to = $1, version = version + 1 WHERE id = $2")
                .bind(a.user_id.as_str())
                .bind(a.case_id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        insert(&mut tx, &batch.sequences).await?;
        tx.commit().await?;
        Ok(())
    }
}
