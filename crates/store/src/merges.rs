//! Two records of one child merged (issue 18, tables of migration 0025): the merged
//! child's cases and name tokens move to the child kept, the merged row stays, marked
//! `merged_into`, and the merge row lists the cases it moved, so that undoing it puts
//! back exactly those. Nothing is deleted.

use crate::audit::Tx;
use crate::{Store, StoreError};
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct MergeRecord {
    pub id: String,
    pub survivor_id: String,
    pub merged_id: String,
    pub moved_cases: Vec<String>,
    pub merged_by: String,
    pub merged_at: i64,
    pub undone_by: Option<String>,
    pub undone_at: Option<i64>,
    pub version: i64,
}

pub struct NewMerge<'a> {
    pub id: &'a str,
    pub survivor: &'a str,
    pub survivor_version: i64,
    pub merged: &'a str,
    pub merged_version: i64,
    pub by: &'a str,
    pub at_ms: i64,
}

const COLUMNS: &str =
    "id, survivor_id, merged_id, moved_cases, merged_by, merged_at, undone_by, undone_at, version";

fn record(r: &sqlx::any::AnyRow) -> Result<MergeRecord, StoreError> {
    let moved: String = r.try_get("moved_cases")?;
    Ok(MergeRecord {
        id: r.try_get("id")?,
        survivor_id: r.try_get("survivor_id")?,
        merged_id: r.try_get("merged_id")?,
        moved_cases: serde_json::from_str(&moved).map_err(|_| StoreError::Corrupt("merge"))?,
        merged_by: r.try_get("merged_by")?,
        merged_at: r.try_get("merged_at")?,
        undone_by: r.try_get("undone_by")?,
        undone_at: r.try_get("undone_at")?,
        version: r.try_get("version")?,
    })
}

/// What the merge form needs of a child: its province, version and whether it was
/// merged away (into which child).
#[derive(Debug, Clone)]
pub struct ChildStanding {
    pub territory: String,
    pub version: i64,
    pub merged_into: Option<String>,
}

impl Store {
    pub async fn child_standing(&self, id: &str) -> Result<Option<ChildStanding>, StoreError> {
        let row =
            sqlx::query("SELECT territory_code, version, merged_into FROM children WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            Ok(ChildStanding {
                territory: r.try_get("territory_code")?,
                version: r.try_get("version")?,
                merged_into: r.try_get("merged_into")?,
            })
        })
        .transpose()
    }

    pub async fn child_merge(&self, id: &str) -> Result<Option<MergeRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM child_merges WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record).transpose()
    }

    /// The merges a child took part in (kept or merged away), newest first.
    pub async fn child_merges(&self, child_id: &str) -> Result<Vec<MergeRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM child_merges WHERE survivor_id = $1 OR merged_id = $1 ORDER BY merged_at DESC, id DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(child_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record).collect()
    }

    /// How many children are merged into `child_id` now (a child kept by a merge is
    /// not merged away itself: no chains).
    pub async fn children_merged_into(&self, child_id: &str) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM children WHERE merged_into = $1")
                .bind(child_id)
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

impl Tx<'_> {
    /// Merges `merged` into `survivor`: false when either changed since its version
    /// was read, or was merged away meanwhile. Both children's versions move.
    pub async fn merge_children(&mut self, m: &NewMerge<'_>) -> Result<bool, StoreError> {
        let marked = sqlx::query(
            "UPDATE children SET merged_into = $1, version = version + 1 WHERE id = $2 AND version = $3 AND merged_into IS NULL",
        )
        .bind(m.survivor)
        .bind(m.merged)
        .bind(m.merged_version)
        .execute(&mut *self.inner)
        .await?;
        let kept = sqlx::query(
            "UPDATE children SET version = version + 1 WHERE id = $1 AND version = $2 AND merged_into IS NULL",
        )
        .bind(m.survivor)
        .bind(m.survivor_version)
        .execute(&mut *self.inner)
        .await?;
        if marked.rows_affected() != 1 || kept.rows_affected() != 1 {
            return Ok(false);
        }
        let moved: Vec<String> =
            sqlx::query_scalar("SELECT id FROM cases WHERE child_id = $1 ORDER BY id")
                .bind(m.merged)
                .fetch_all(&mut *self.inner)
                .await?;
        sqlx::query("UPDATE cases SET child_id = $1 WHERE child_id = $2")
            .bind(m.survivor)
            .bind(m.merged)
            .execute(&mut *self.inner)
            .await?;
        // The merged child's names find the child kept; the row beside each token
        // takes the kept child's birth year and sex.
        sqlx::query(
            "INSERT INTO child_name_tokens (child_id, token, territory_code, birth_year, sex)
             SELECT $1, t.token, t.territory_code, c.birth_year, c.sex
             FROM child_name_tokens t, children c WHERE t.child_id = $2 AND c.id = $1
             ON CONFLICT DO NOTHING",
        )
        .bind(m.survivor)
        .bind(m.merged)
        .execute(&mut *self.inner)
        .await?;
        sqlx::query("DELETE FROM child_name_tokens WHERE child_id = $1")
            .bind(m.merged)
            .execute(&mut *self.inner)
            .await?;
        let moved_json = serde_json::to_string(&moved).map_err(|_| StoreError::Corrupt("merge"))?;
        sqlx::query(
            "INSERT INTO child_merges (id, survivor_id, merged_id, moved_cases, merged_by, merged_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(m.id)
        .bind(m.survivor)
        .bind(m.merged)
        .bind(moved_json)
        .bind(m.by)
        .bind(m.at_ms)
        .execute(&mut *self.inner)
        .await?;
        for case in &moved {
            self.touch_case(case);
        }
        Ok(true)
    }

    /// Undoes a merge not undone yet, read at `version`: the cases it moved go back,
    /// the merged child is a child again. The name tokens are the caller's to put back
    /// (they are derived from the opened identities): both children's are dropped here.
    pub async fn undo_merge(
        &mut self,
        merge: &MergeRecord,
        version: i64,
        by: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE child_merges SET undone_by = $1, undone_at = $2, version = version + 1 WHERE id = $3 AND version = $4 AND undone_at IS NULL",
        )
        .bind(by)
        .bind(at_ms)
        .bind(&merge.id)
        .bind(version)
        .execute(&mut *self.inner)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE children SET merged_into = NULL, version = version + 1 WHERE id = $1 AND merged_into = $2",
        )
        .bind(&merge.merged_id)
        .bind(&merge.survivor_id)
        .execute(&mut *self.inner)
        .await?;
        sqlx::query("UPDATE children SET version = version + 1 WHERE id = $1")
            .bind(&merge.survivor_id)
            .execute(&mut *self.inner)
            .await?;
        for case in &merge.moved_cases {
            sqlx::query("UPDATE cases SET child_id = $1 WHERE id = $2 AND child_id = $3")
                .bind(&merge.merged_id)
                .bind(case)
                .bind(&merge.survivor_id)
                .execute(&mut *self.inner)
                .await?;
            self.touch_case(case);
        }
        for child in [&merge.survivor_id, &merge.merged_id] {
            self.drop_name_tokens(child).await?;
        }
        Ok(true)
    }
}
