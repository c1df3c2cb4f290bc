//! Retention and the rights of the people in the files: the children whose cases are all
//! closed (candidates for erasure), the sealed values of each record kind about one child,
//! their erasure, the corrections of an identity with their history, and subject-access
//! requests. Which kind is due is the domain's rule (`awladna_domain::retention`); the
//! caller replaces the values (it holds the keys).

use crate::audit::Tx;
use crate::{Store, StoreError};
use awladna_domain::retention::RecordKind;
use sqlx::Row;

/// A child none of whose cases is open, with what the rule reads (no `Debug`: the
/// identity is sealed but still the child's).
pub struct RetentionCandidate {
    pub child_id: String,
    pub territory: String,
    pub birth_year: Option<i64>,
    pub identity: Option<Vec<u8>>,
    pub first_opened_ms: i64,
    pub last_closed_ms: i64,
    /// The kinds already erased.
    pub erased: Vec<RecordKind>,
}

/// How an erased value is replaced: by nothing where the column allows it, else by a
/// value sealed over an empty content (so that every reader and the key rotation keep
/// working on the row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacement {
    Null,
    /// A sealed `{}` (JSON objects: plan actions, linking cards).
    EmptyObject,
    /// Sealed empty bytes (documents' names and contents).
    EmptyBytes,
}

/// One sealed value to erase: where it is and what replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasableValue {
    pub table: &'static str,
    pub column: &'static str,
    pub id: String,
    pub replacement: Replacement,
}

/// The cases of the child `$1`, for the kinds that hang on cases.
const CASES_OF_CHILD: &str = "SELECT id FROM cases WHERE child_id = $1";

/// The sealed columns of each kind, the rows of one child (`$1`) that hold them, and
/// what replaces them.
fn columns_of(kind: RecordKind) -> Vec<(&'static str, &'static str, String, Replacement)> {
    match kind {
        RecordKind::ChildIdentity => vec![
            ("children", "identity", "id = $1".into(), Replacement::Null),
            (
                "identity_history",
                "previous",
                "child_id = $1".into(),
                Replacement::Null,
            ),
            (
                "subject_access_requests",
                "requester",
                "child_id = $1".into(),
                Replacement::Null,
            ),
        ],
        RecordKind::Cards => vec![
            (
                "cards",
                "sealed",
                format!("(child_id = $1 OR case_id IN ({CASES_OF_CHILD}))"),
                Replacement::Null,
            ),
            // The versions a draft report replaced before it was completed.
            (
                "card_versions",
                "sealed",
                format!(
                    "card_id IN (SELECT id FROM cards WHERE child_id = $1 OR case_id IN ({CASES_OF_CHILD}))"
                ),
                Replacement::Null,
            ),
        ],
        RecordKind::PlanActions => vec![(
            "plan_actions",
            "sealed",
            format!("case_id IN ({CASES_OF_CHILD})"),
            Replacement::EmptyObject,
        )],
        RecordKind::Documents => vec![
            (
                "documents",
                "name",
                format!("case_id IN ({CASES_OF_CHILD})"),
                Replacement::EmptyBytes,
            ),
            (
                "documents",
                "content",
                format!("case_id IN ({CASES_OF_CHILD})"),
                Replacement::EmptyBytes,
            ),
        ],
        RecordKind::Referrals => vec![
            (
                "referrals",
                "sealed",
                format!("case_id IN ({CASES_OF_CHILD})"),
                Replacement::EmptyObject,
            ),
            (
                "referral_steps",
                "note",
                "referral_id IN (SELECT r.id FROM referrals r JOIN cases c ON c.id = r.case_id WHERE c.child_id = $1)".into(),
                Replacement::Null,
            ),
            // The receiving services' answers: their outcomes.
            (
                "referral_answers",
                "outcome",
                "referral_id IN (SELECT r.id FROM referrals r JOIN cases c ON c.id = r.case_id WHERE c.child_id = $1)".into(),
                Replacement::EmptyBytes,
            ),
        ],
        // The case's reasons: its moves', and (issue 18) its flags' and approvals'.
        RecordKind::StageMoves => {
            let of_case = || format!("case_id IN ({CASES_OF_CHILD})");
            vec![
                ("stage_moves", "reason", of_case(), Replacement::Null),
                ("case_flags", "flag_text", of_case(), Replacement::EmptyBytes),
                ("case_flags", "reason", of_case(), Replacement::EmptyBytes),
                ("case_flags", "removal_reason", of_case(), Replacement::Null),
                ("case_approvals", "request_comment", of_case(), Replacement::Null),
                ("case_approvals", "decision_comment", of_case(), Replacement::Null),
            ]
        }
    }
}

/// A correction of a child's identity (no `Debug`: `previous` is sealed personal data).
pub struct IdentityChange {
    pub id: String,
    pub changed_at: i64,
    pub changed_by: String,
    /// The codes of the fields that changed.
    pub fields: Vec<String>,
    /// The identity as it was before, sealed; `None` once erased.
    pub previous: Option<Vec<u8>>,
}

/// A recorded subject-access request (the requester's name is sealed).
pub struct SubjectAccessRequest {
    pub id: String,
    pub child_id: String,
    pub requester: Option<Vec<u8>>,
    pub requested_at: i64,
    pub basis: String,
    pub recorded_by: String,
    pub recorded_at: i64,
}

impl Store {
    /// The children whose cases are all closed, the last one before `closed_before_ms`,
    /// and who still have a kind to erase. Ids and dates only, plus the sealed identity
    /// (its birth date decides).
    pub async fn retention_candidates(
        &self,
        closed_before_ms: i64,
        kinds: usize,
    ) -> Result<Vec<RetentionCandidate>, StoreError> {
        let rows = sqlx::query(
            "SELECT ch.id, ch.territory_code, ch.birth_year, ch.identity, s.first_opened, s.last_closed
             FROM (SELECT child_id, MIN(opened_at) AS first_opened, MAX(closed_at) AS last_closed,
                          SUM(CASE WHEN closed_at IS NULL OR stage <> 'closed' THEN 1 ELSE 0 END) AS open_cases
                   FROM cases GROUP BY child_id) s
             JOIN children ch ON ch.id = s.child_id
             WHERE s.open_cases = 0 AND s.last_closed < $1
               AND (SELECT COUNT(*) FROM retention_erasures e WHERE e.child_id = ch.id) < $2
             ORDER BY ch.id",
        )
        .bind(closed_before_ms)
        .bind(i64::try_from(kinds).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        let mut found = Vec::with_capacity(rows.len());
        for r in rows {
            let child_id: String = r.try_get("id")?;
            let erased = self
                .erasures_of_child(&child_id)
                .await?
                .into_iter()
                .map(|(kind, _)| kind)
                .collect();
            found.push(RetentionCandidate {
                territory: r.try_get("territory_code")?,
                birth_year: r.try_get("birth_year")?,
                identity: r.try_get("identity")?,
                first_opened_ms: r.try_get("first_opened")?,
                last_closed_ms: r.try_get("last_closed")?,
                erased,
                child_id,
            });
        }
        Ok(found)
    }

    /// The kinds erased for a child, and when.
    pub async fn erasures_of_child(
        &self,
        child_id: &str,
    ) -> Result<Vec<(RecordKind, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, erased_at FROM retention_erasures WHERE child_id = $1 ORDER BY erased_at, kind",
        )
        .bind(child_id)
        .fetch_all(&self.pool)
        .await?;
        let mut erased = Vec::with_capacity(rows.len());
        for r in rows {
            let code: String = r.try_get("kind")?;
            let kind = RecordKind::from_code(&code)
                .ok_or(StoreError::Corrupt("unknown retention record kind"))?;
            erased.push((kind, r.try_get("erased_at")?));
        }
        Ok(erased)
    }

    /// The sealed values of `kind` held about a child (where they are, not what they say).
    pub async fn erasable_values(
        &self,
        child_id: &str,
        kind: RecordKind,
    ) -> Result<Vec<ErasableValue>, StoreError> {
        let mut values = Vec::new();
        for (table, column, condition, replacement) in columns_of(kind) {
            let sql = format!(
                "SELECT id FROM {table} WHERE {condition} AND {column} IS NOT NULL ORDER BY id"
            );
            let ids: Vec<String> = sqlx::query_scalar(&sql)
                .bind(child_id)
                .fetch_all(&self.pool)
                .await?;
            values.extend(ids.into_iter().map(|id| ErasableValue {
                table,
                column,
                id,
                replacement,
            }));
        }
        Ok(values)
    }

    /// The case numbers of a child, oldest first (what a dry run names).
    pub async fn case_numbers_of_child(&self, child_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT number FROM cases WHERE child_id = $1 ORDER BY opened_at, id",
        )
        .bind(child_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The corrections of a child's identity, newest first.
    pub async fn identity_history(
        &self,
        child_id: &str,
    ) -> Result<Vec<IdentityChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, changed_at, changed_by, fields, previous FROM identity_history WHERE child_id = $1 ORDER BY changed_at DESC, id DESC",
        )
        .bind(child_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let fields: String = r.try_get("fields")?;
                Ok(IdentityChange {
                    id: r.try_get("id")?,
                    changed_at: r.try_get("changed_at")?,
                    changed_by: r.try_get("changed_by")?,
                    fields: serde_json::from_str(&fields)
                        .map_err(|_| StoreError::Corrupt("identity history fields"))?,
                    previous: r.try_get("previous")?,
                })
            })
            .collect()
    }

    /// The subject-access requests recorded about a child, newest first.
    pub async fn subject_access_requests(
        &self,
        child_id: &str,
    ) -> Result<Vec<SubjectAccessRequest>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, child_id, requester, requested_at, basis, recorded_by, recorded_at FROM subject_access_requests WHERE child_id = $1 ORDER BY recorded_at DESC, id DESC",
        )
        .bind(child_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SubjectAccessRequest {
                    id: r.try_get("id")?,
                    child_id: r.try_get("child_id")?,
                    requester: r.try_get("requester")?,
                    requested_at: r.try_get("requested_at")?,
                    basis: r.try_get("basis")?,
                    recorded_by: r.try_get("recorded_by")?,
                    recorded_at: r.try_get("recorded_at")?,
                })
            })
            .collect()
    }
}

impl Tx<'_> {
    /// Replaces one sealed value (`None` empties the column).
    pub async fn erase_value(
        &mut self,
        value: &ErasableValue,
        replacement: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE {} SET {} = $1 WHERE id = $2",
            value.table, value.column
        );
        sqlx::query(&sql)
            .bind(replacement)
            .bind(value.id.as_str())
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    /// Drops the blind-index tokens of a child's names: a search no longer finds them.
    pub async fn drop_name_tokens(&mut self, child_id: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM child_name_tokens WHERE child_id = $1")
            .bind(child_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(done.rows_affected())
    }

    /// Notes that `kind` was erased for a child.
    pub async fn record_erasure(
        &mut self,
        child_id: &str,
        kind: RecordKind,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO retention_erasures (child_id, kind, erased_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(child_id)
        .bind(kind.code())
        .bind(now_ms)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Replaces a child's identity, only if it is still the one read (`None` matches a
    /// child recorded without one), keeping the old one in the history. Answers whether
    /// it was replaced (a concurrent correction wins).
    #[allow(clippy::too_many_arguments)] // one correction's parts, each needed once
    pub async fn rectify_identity(
        &mut self,
        child_id: &str,
        read: Option<&[u8]>,
        identity: &[u8],
        change: &IdentityChange,
        territory: &str,
        tokens: &[Vec<u8>],
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE children SET identity = $1, version = version + 1
             WHERE id = $2 AND ((identity IS NULL AND $3 IS NULL) OR identity = $3)",
        )
        .bind(identity)
        .bind(child_id)
        .bind(read)
        .execute(&mut *self.inner)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        let fields =
            serde_json::to_string(&change.fields).map_err(|_| StoreError::Corrupt("fields"))?;
        sqlx::query(
            "INSERT INTO identity_history (id, child_id, changed_at, changed_by, fields, previous) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(change.id.as_str())
        .bind(child_id)
        .bind(change.changed_at)
        .bind(change.changed_by.as_str())
        .bind(fields)
        .bind(change.previous.as_deref())
        .execute(&mut *self.inner)
        .await?;
        self.drop_name_tokens(child_id).await?;
        self.insert_name_tokens(child_id, territory, tokens).await?;
        Ok(true)
    }

    pub async fn record_subject_access(
        &mut self,
        request: &SubjectAccessRequest,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO subject_access_requests (id, child_id, requester, requested_at, basis, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(request.id.as_str())
        .bind(request.child_id.as_str())
        .bind(request.requester.as_deref())
        .bind(request.requested_at)
        .bind(request.basis.as_str())
        .bind(request.recorded_by.as_str())
        .bind(request.recorded_at)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }
}
