//! The provincial committee's records: members and experts (with their history), the
//! quorum, meetings with their agenda, attendance and minutes, decisions and their
//! progress notes. Professional data only, kept in clear. Every change to a meeting or
//! one of its parts raises the meeting's version, so that two people editing at once
//! do not silently overwrite each other.

use crate::audit::Tx;
use crate::identity::unique_violation;
use crate::{Store, StoreError};
use awladna_domain::committee::Member;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, serde::Serialize)]
pub struct MemberRecord {
    pub id: String,
    pub territory: String,
    pub body: String,
    pub seat: String,
    pub full_name: String,
    pub title: String,
    pub sector: String,
    pub organisation: String,
    pub field: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub substitute: String,
    pub mandate_from: Option<String>,
    pub mandate_to: Option<String>,
    pub ended_at: Option<i64>,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct MeetingRecord {
    pub id: String,
    pub territory: String,
    pub kind: String,
    pub status: String,
    pub starts_at: i64,
    pub place: String,
    pub convened_at: Option<i64>,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct ItemRecord {
    pub id: String,
    pub position: i64,
    pub kind: String,
    pub title: String,
    pub documents: String,
    pub minutes: String,
}

#[derive(Debug, Clone)]
pub struct DecisionRecord {
    pub id: String,
    pub territory: String,
    pub meeting_id: String,
    pub meeting_starts_at: i64,
    pub text: String,
    pub owner: String,
    pub owner_name: String,
    pub deadline: String,
    pub expected_result: String,
    pub status: String,
    pub drop_reason: Option<String>,
    pub updated_at: i64,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NoteRecord {
    pub at: i64,
    pub by: String,
    pub note: String,
    pub progress: Option<i64>,
}

/// Which decisions to list.
#[derive(Debug, Clone, Default)]
pub struct DecisionFilter<'a> {
    pub territory: Option<&'a str>,
    pub meeting: Option<&'a str>,
    pub open_only: bool,
    /// Only open decisions whose deadline is before this day (YYYY-MM-DD): the overdue.
    pub deadline_before: Option<&'a str>,
}

const MEMBER: &str = "SELECT id, territory_code, body, seat, full_name, title, sector, organisation, field, email, phone, substitute, mandate_from, mandate_to, ended_at, version FROM committee_members";
const MEETING: &str = "SELECT id, territory_code, kind, status, starts_at, place, convened_at, approved_by, approved_at, version FROM meetings";
const DECISION: &str = "SELECT d.id, d.territory_code, d.meeting_id, m.starts_at, d.text, d.owner, o.name AS owner_name, d.deadline, d.expected_result, d.status, d.drop_reason, d.updated_at, d.version
     FROM decisions d JOIN meetings m ON m.id = d.meeting_id JOIN organisations o ON o.code = d.owner";

fn member(r: &AnyRow) -> Result<MemberRecord, StoreError> {
    Ok(MemberRecord {
        id: r.try_get("id")?,
        territory: r.try_get("territory_code")?,
        body: r.try_get("body")?,
        seat: r.try_get("seat")?,
        full_name: r.try_get("full_name")?,
        title: r.try_get("title")?,
        sector: r.try_get("sector")?,
        organisation: r.try_get("organisation")?,
        field: r.try_get("field")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        substitute: r.try_get("substitute")?,
        mandate_from: r.try_get("mandate_from")?,
        mandate_to: r.try_get("mandate_to")?,
        ended_at: r.try_get("ended_at")?,
        version: r.try_get("version")?,
    })
}

fn meeting(r: &AnyRow) -> Result<MeetingRecord, StoreError> {
    Ok(MeetingRecord {
        id: r.try_get("id")?,
        territory: r.try_get("territory_code")?,
        kind: r.try_get("kind")?,
        status: r.try_get("status")?,
        starts_at: r.try_get("starts_at")?,
        place: r.try_get("place")?,
        convened_at: r.try_get("convened_at")?,
        approved_by: r.try_get("approved_by")?,
        approved_at: r.try_get("approved_at")?,
        version: r.try_get("version")?,
    })
}

fn decision(r: &AnyRow) -> Result<DecisionRecord, StoreError> {
    Ok(DecisionRecord {
        id: r.try_get("id")?,
        territory: r.try_get("territory_code")?,
        meeting_id: r.try_get("meeting_id")?,
        meeting_starts_at: r.try_get("starts_at")?,
        text: r.try_get("text")?,
        owner: r.try_get("owner")?,
        owner_name: r.try_get("owner_name")?,
        deadline: r.try_get("deadline")?,
        expected_result: r.try_get("expected_result")?,
        status: r.try_get("status")?,
        drop_reason: r.try_get("drop_reason")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

impl Store {
    /// A province's members (committee and expert team), current first; the ended ones
    /// only when asked.
    pub async fn committee_members(
        &self,
        territory: &str,
        with_ended: bool,
    ) -> Result<Vec<MemberRecord>, StoreError> {
        let ended = if with_ended {
            ""
        } else {
            " AND ended_at IS NULL"
        };
        let rows = sqlx::query(&format!(
            "{MEMBER} WHERE territory_code = $1{ended}
             ORDER BY body, CASE seat WHEN 'chair' THEN 0 ELSE 1 END, ended_at, full_name, id"
        ))
        .bind(territory)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(member).collect()
    }

    pub async fn committee_member(&self, id: &str) -> Result<Option<MemberRecord>, StoreError> {
        let row = sqlx::query(&format!("{MEMBER} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(member).transpose()
    }

    /// The earlier versions of a member, newest first: (version, JSON, by, at).
    pub async fn committee_member_history(
        &self,
        id: &str,
    ) -> Result<Vec<(i64, String, String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, snapshot, changed_by, changed_at FROM committee_member_history
             WHERE member_id = $1 ORDER BY version DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("version")?,
                    r.try_get("snapshot")?,
                    r.try_get("changed_by")?,
                    r.try_get("changed_at")?,
                ))
            })
            .collect()
    }

    /// The province's quorum and its version, if one was set.
    pub async fn committee_quorum(
        &self,
        territory: &str,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        let row =
            sqlx::query("SELECT quorum, version FROM committee_settings WHERE territory_code = $1")
                .bind(territory)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| Ok((r.try_get("quorum")?, r.try_get("version")?)))
            .transpose()
    }

    /// A province's meetings, the latest first.
    pub async fn meetings(&self, territory: &str) -> Result<Vec<MeetingRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{MEETING} WHERE territory_code = $1 ORDER BY starts_at DESC, id"
        ))
        .bind(territory)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(meeting).collect()
    }

    /// Convened meetings of a province from `from_ms` on, the next first.
    pub async fn upcoming_meetings(
        &self,
        territory: &str,
        from_ms: i64,
    ) -> Result<Vec<MeetingRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{MEETING} WHERE territory_code = $1 AND status = 'convened' AND starts_at >= $2
             ORDER BY starts_at, id"
        ))
        .bind(territory)
        .bind(from_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(meeting).collect()
    }

    pub async fn meeting(&self, id: &str) -> Result<Option<MeetingRecord>, StoreError> {
        let row = sqlx::query(&format!("{MEETING} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(meeting).transpose()
    }

    pub async fn agenda(&self, meeting: &str) -> Result<Vec<ItemRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, position, kind, title, documents, minutes FROM agenda_items
             WHERE meeting_id = $1 ORDER BY position, id",
        )
        .bind(meeting)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ItemRecord {
                    id: r.try_get("id")?,
                    position: r.try_get("position")?,
                    kind: r.try_get("kind")?,
                    title: r.try_get("title")?,
                    documents: r.try_get("documents")?,
                    minutes: r.try_get("minutes")?,
                })
            })
            .collect()
    }

    /// Who was at a meeting: (member id, status).
    pub async fn attendance(&self, meeting: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT member_id, status FROM meeting_attendance WHERE meeting_id = $1 ORDER BY member_id",
        )
        .bind(meeting)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("member_id")?, r.try_get("status")?)))
            .collect()
    }

    pub async fn decisions(
        &self,
        filter: &DecisionFilter<'_>,
    ) -> Result<Vec<DecisionRecord>, StoreError> {
        let mut sql = format!("{DECISION} WHERE 1 = 1");
        let mut binds: Vec<&str> = Vec::new();
        for (column, value) in [
            ("d.territory_code", filter.territory),
            ("d.meeting_id", filter.meeting),
        ] {
            if let Some(v) = value {
                binds.push(v);
                sql.push_str(&format!(" AND {column} = ${}", binds.len()));
            }
        }
        if filter.open_only || filter.deadline_before.is_some() {
            sql.push_str(" AND d.status IN ('to_start', 'in_progress')");
        }
        if let Some(day) = filter.deadline_before {
            binds.push(day);
            sql.push_str(&format!(" AND d.deadline < ${}", binds.len()));
        }
        sql.push_str(" ORDER BY d.deadline, d.created_at, d.id");
        let mut query = sqlx::query(&sql);
        for b in binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(decision).collect()
    }

    pub async fn decision(&self, id: &str) -> Result<Option<DecisionRecord>, StoreError> {
        let row = sqlx::query(&format!("{DECISION} WHERE d.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(decision).transpose()
    }

    pub async fn decision_notes(&self, decision: &str) -> Result<Vec<NoteRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, by_user, note, progress FROM decision_notes WHERE decision_id = $1 ORDER BY at, id",
        )
        .bind(decision)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(NoteRecord {
                    at: r.try_get("at")?,
                    by: r.try_get("by_user")?,
                    note: r.try_get("note")?,
                    progress: r.try_get("progress")?,
                })
            })
            .collect()
    }
}

fn opt_date(d: Option<jiff::civil::Date>) -> Option<String> {
    d.map(|d| d.to_string())
}

impl Tx<'_> {
    pub async fn insert_committee_member(
        &mut self,
        id: &str,
        territory: &str,
        m: &Member,
        by: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO committee_members (id, territory_code, body, seat, full_name, title, sector, organisation, field, email, phone, substitute, mandate_from, mandate_to, created_by, created_at, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $15, $16)",
        )
        .bind(id)
        .bind(territory)
        .bind(m.body.code())
        .bind(m.seat.code())
        .bind(m.full_name.as_str())
        .bind(m.title.as_str())
        .bind(m.sector.as_str())
        .bind(m.organisation.as_str())
        .bind(m.field.as_str())
        .bind(m.email.as_deref())
        .bind(m.phone.as_deref())
        .bind(m.substitute.as_str())
        .bind(opt_date(m.mandate_from))
        .bind(opt_date(m.mandate_to))
        .bind(by)
        .bind(now_ms)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Keeps the member as it was at `version` in its history, then writes it anew (or
    /// ends it). False, changing nothing, when the member is no longer at `version`.
    pub async fn update_committee_member(
        &mut self,
        before: &MemberRecord,
        m: Option<&Member>,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = match m {
            Some(m) => sqlx::query(
                "UPDATE committee_members SET body = $2, seat = $3, full_name = $4, title = $5, sector = $6, organisation = $7, field = $8,
                   email = $9, phone = $10, substitute = $11, mandate_from = $12, mandate_to = $13, updated_by = $14, updated_at = $15, version = version + 1
                 WHERE id = $1 AND version = $16 AND ended_at IS NULL",
            )
            .bind(before.id.as_str())
            .bind(m.body.code())
            .bind(m.seat.code())
            .bind(m.full_name.as_str())
            .bind(m.title.as_str())
            .bind(m.sector.as_str())
            .bind(m.organisation.as_str())
            .bind(m.field.as_str())
            .bind(m.email.as_deref())
            .bind(m.phone.as_deref())
            .bind(m.substitute.as_str())
            .bind(opt_date(m.mandate_from))
            .bind(opt_date(m.mandate_to))
            .bind(by)
            .bind(now_ms)
            .bind(before.version),
            None => sqlx::query(
                "UPDATE committee_members SET ended_at = $2, updated_by = $3, updated_at = $2, version = version + 1
                 WHERE id = $1 AND version = $4 AND ended_at IS NULL",
            )
            .bind(before.id.as_str())
            .bind(now_ms)
            .bind(by)
            .bind(before.version),
        }
        .execute(&mut *self.inner)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        let snapshot = serde_json::to_string(before).map_err(|_| {
            StoreError::Corrupt("a committee member that cannot be kept in its history")
        })?;
        sqlx::query(
            "INSERT INTO committee_member_history (member_id, version, snapshot, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(before.id.as_str())
        .bind(before.version)
        .bind(snapshot)
        .bind(by)
        .bind(now_ms)
        .execute(&mut *self.inner)
        .await?;
        Ok(true)
    }

    /// Sets the province's quorum if it is still at `version` (None: never set).
    pub async fn put_committee_quorum(
        &mut self,
        territory: &str,
        quorum: i64,
        version: Option<i64>,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = match version {
            None => sqlx::query(
                "INSERT INTO committee_settings (territory_code, quorum, updated_by, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (territory_code) DO NOTHING",
            )
            .bind(territory)
            .bind(quorum)
            .bind(by)
            .bind(now_ms),
            Some(v) => sqlx::query(
                "UPDATE committee_settings SET quorum = $2, updated_by = $3, updated_at = $4, version = version + 1
                 WHERE territory_code = $1 AND version = $5",
            )
            .bind(territory)
            .bind(quorum)
            .bind(by)
            .bind(now_ms)
            .bind(v),
        }
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_meeting(
        &mut self,
        id: &str,
        territory: &str,
        kind: &str,
        starts_at: i64,
        place: &str,
        by: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO meetings (id, territory_code, kind, status, starts_at, place, created_by, created_at)
             VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(territory)
        .bind(kind)
        .bind(starts_at)
        .bind(place)
        .bind(by)
        .bind(now_ms)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// Raises a meeting's version if it is still at `version` and not approved, moving
    /// it to `status` when one is given. False, changing nothing, otherwise: the caller
    /// tells a stale version from frozen minutes.
    pub async fn touch_meeting(
        &mut self,
        id: &str,
        version: i64,
        status: Option<&str>,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let sql = match status {
            None => {
                "UPDATE meetings SET version = version + 1 WHERE id = $1 AND version = $2 AND status <> 'approved'"
            }
            Some("convened") => {
                "UPDATE meetings SET version = version + 1, status = 'convened', convened_by = $3, convened_at = $4 WHERE id = $1 AND version = $2 AND status = 'draft'"
            }
            Some("approved") => {
                "UPDATE meetings SET version = version + 1, status = 'approved', approved_by = $3, approved_at = $4 WHERE id = $1 AND version = $2 AND status = 'convened'"
            }
            Some(_) => return Err(StoreError::Corrupt("an unknown meeting status")),
        };
        let mut query = sqlx::query(sql).bind(id).bind(version);
        if status.is_some() {
            query = query.bind(by).bind(now_ms);
        }
        Ok(query.execute(&mut *self.inner).await?.rows_affected() == 1)
    }

    pub async fn update_meeting(
        &mut self,
        id: &str,
        kind: &str,
        starts_at: i64,
        place: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE meetings SET kind = $2, starts_at = $3, place = $4 WHERE id = $1")
            .bind(id)
            .bind(kind)
            .bind(starts_at)
            .bind(place)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn insert_agenda_item(
        &mut self,
        id: &str,
        meeting: &str,
        kind: &str,
        title: &str,
        documents: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO agenda_items (id, meeting_id, position, kind, title, documents)
             VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM agenda_items WHERE meeting_id = $2), $3, $4, $5)",
        )
        .bind(id)
        .bind(meeting)
        .bind(kind)
        .bind(title)
        .bind(documents)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    pub async fn set_item_minutes(
        &mut self,
        meeting: &str,
        item: &str,
        minutes: &str,
    ) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE agenda_items SET minutes = $3 WHERE id = $2 AND meeting_id = $1")
                .bind(meeting)
                .bind(item)
                .bind(minutes)
                .execute(&mut *self.inner)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn set_attendance(
        &mut self,
        meeting: &str,
        member: &str,
        status: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO meeting_attendance (meeting_id, member_id, status) VALUES ($1, $2, $3)
             ON CONFLICT (meeting_id, member_id) DO UPDATE SET status = excluded.status",
        )
        .bind(meeting)
        .bind(member)
        .bind(status)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_decision(
        &mut self,
        id: &str,
        territory: &str,
        meeting: &str,
        text: &str,
        owner: &str,
        deadline: &str,
        expected_result: &str,
        by: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO decisions (id, territory_code, meeting_id, text, owner, deadline, expected_result, status, created_by, created_at, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'to_start', $8, $9, $8, $9)",
        )
        .bind(id)
        .bind(territory)
        .bind(meeting)
        .bind(text)
        .bind(owner)
        .bind(deadline)
        .bind(expected_result)
        .bind(by)
        .bind(now_ms)
        .execute(&mut *self.inner)
        .await
        .map_err(unique_violation)?;
        Ok(())
    }

    /// Changes a decision's status if it is still at `version`.
    pub async fn set_decision_status(
        &mut self,
        id: &str,
        status: &str,
        drop_reason: Option<&str>,
        version: i64,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE decisions SET status = $2, drop_reason = $3, updated_by = $4, updated_at = $5, version = version + 1
             WHERE id = $1 AND version = $6",
        )
        .bind(id)
        .bind(status)
        .bind(drop_reason)
        .bind(by)
        .bind(now_ms)
        .bind(version)
        .execute(&mut *self.inner)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn insert_decision_note(
        &mut self,
        id: &str,
        decision: &str,
        note: &str,
        progress: Option<i64>,
        by: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO decision_notes (id, decision_id, at, by_user, note, progress) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(decision)
        .bind(now_ms)
        .bind(by)
        .bind(note)
        .bind(progress)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }
}
