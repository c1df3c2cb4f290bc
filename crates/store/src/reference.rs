//! Loads the reference set (territories, communes, vocabularies) into the database as
//! part of migrating, so that foreign keys and SQL reports can rely on it. It is an
//! upsert: codes that left the set are marked retired, never deleted, because stored
//! cards and statistics still name them.

use crate::bulk::{Cell, insert};
use crate::{Store, StoreError};
use awladna_domain::Reference;
use serde_json::to_string;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferenceCounts {
    pub territories: usize,
    pub communes: usize,
    pub terms: usize,
}

fn json_name<T: serde::Serialize>(value: &T) -> String {
    // Enum codes (kind, area) are written exactly as the API spells them.
    to_string(value)
        .unwrap_or_default()
        .trim_matches('"')
        .to_owned()
}

impl Store {
    /// Brings the reference tables in line with `reference`, in one transaction.
    pub async fn load_reference(
        &self,
        reference: &Reference,
        now_ms: i64,
    ) -> Result<ReferenceCounts, StoreError> {
        let mut tx = self.pool.begin().await?;
        for table in ["territories", "communes", "vocabulary_terms"] {
            sqlx::query(&format!("UPDATE {table} SET retired = 1"))
                .execute(&mut *tx)
                .await?;
        }

        // Parents first, so that the foreign key on parent_code holds row by row.
        let mut territories: Vec<_> = reference.territories().iter().collect();
        territories.sort_by_key(|t| t.parent_code.is_some());
        let rows: Vec<Vec<Cell>> = territories
            .iter()
            .map(|t| {
                vec![
                    t.code.as_str().into(),
                    t.hcp_code.as_str().into(),
                    json_name(&t.kind).into(),
                    t.parent_code.as_deref().into(),
                    t.name_ar.as_str().into(),
                    t.name_fr.as_str().into(),
                    t.wave.map(i64::from).into(),
                    Cell::Int(0),
                ]
            })
            .collect();
        insert(
            &mut tx,
            "territories",
            &["code", "hcp_code", "kind", "parent_code", "name_ar", "name_fr", "wave", "retired"],
            &rows,
            "ON CONFLICT (code) DO UPDATE SET hcp_code = excluded.hcp_code, kind = excluded.kind, parent_code = excluded.parent_code, name_ar = excluded.name_ar, name_fr = excluded.name_fr, wave = excluded.wave, retired = 0",
        )
        .await?;

        let rows: Vec<Vec<Cell>> = reference
            .communes()
            .iter()
            .map(|c| {
                vec![
                    c.hcp_code.as_str().into(),
                    c.territory_code.as_str().into(),
                    json_name(&c.kind).into(),
                    json_name(&c.area).into(),
                    c.name_ar.as_str().into(),
                    c.name_fr.as_str().into(),
                    c.population_2024.and_then(|p| i64::try_from(p).ok()).into(),
                    Cell::Int(0),
                ]
            })
            .collect();
        insert(
            &mut tx,
            "communes",
            &["hcp_code", "territory_code", "kind", "area", "name_ar", "name_fr", "population_2024", "retired"],
            &rows,
            "ON CONFLICT (hcp_code) DO UPDATE SET territory_code = excluded.territory_code, kind = excluded.kind, area = excluded.area, name_ar = excluded.name_ar, name_fr = excluded.name_fr, population_2024 = excluded.population_2024, retired = 0",
        )
        .await?;

        let mut rows: Vec<Vec<Cell>> = Vec::new();
        for vocabulary in reference.vocabularies() {
            for (position, term) in vocabulary.terms.iter().enumerate() {
                rows.push(vec![
                    vocabulary.code.as_str().into(),
                    term.code.as_str().into(),
                    Cell::Int(i64::try_from(position).unwrap_or(i64::MAX)),
                    term.labels.ar.as_str().into(),
                    term.labels.fr.as_str().into(),
                    term.labels.en.as_str().into(),
                    term.group.as_deref().into(),
                    term.who.as_deref().into(),
                    term.cpims.as_deref().into(),
                    Cell::Int(0),
                ]);
            }
        }
        let terms = rows.len();
        insert(
            &mut tx,
            "vocabulary_terms",
            &["vocabulary", "code", "position", "name_ar", "name_fr", "name_en", "grp", "who", "cpims", "retired"],
            &rows,
            "ON CONFLICT (vocabulary, code) DO UPDATE SET position = excluded.position, name_ar = excluded.name_ar, name_fr = excluded.name_fr, name_en = excluded.name_en, grp = excluded.grp, who = excluded.who, cpims = excluded.cpims, retired = 0",
        )
        .await?;

        let counts = ReferenceCounts {
            territories: territories.len(),
            communes: reference.communes().len(),
            terms,
        };
        sqlx::query("INSERT INTO reference_loads (loaded_at, territories, communes, terms) VALUES ($1, $2, $3, $4)")
            .bind(now_ms)
            .bind(counts.territories as i64)
            .bind(counts.communes as i64)
            .bind(counts.terms as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// How many active rows each reference table holds (for `check-config`).
    pub async fn reference_counts(&self) -> Result<ReferenceCounts, StoreError> {
        let count = |table: &'static str| {
            let pool = self.pool.clone();
            async move {
                let n: i64 =
                    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE retired = 0"))
                        .fetch_one(&pool)
                        .await?;
                Ok::<usize, StoreError>(usize::try_from(n).unwrap_or(0))
            }
        };
        Ok(ReferenceCounts {
            territories: count("territories").await?,
            communes: count("communes").await?,
            terms: count("vocabulary_terms").await?,
        })
    }
}
