//! Name search from one index range: the blind tokens of the province, with the child's
//! birth year and sex beside each (migration 0023), grouped by child, ranked and paged
//! in the database. No child's row is read and nothing is opened here: the caller
//! opens the page's identities only.

use crate::{Store, StoreError};
use sqlx::Row;

/// A search's tokens by what they tell, its narrowing and re-ranking values, and the
/// page wanted. Tokens are blind indexes; which kind each is, only the caller knows.
#[derive(Debug, Default)]
pub struct NameSearch<'a> {
    pub territory: &'a str,
    /// The full name written exactly as typed (`spelled:`).
    pub exact: &'a [Vec<u8>],
    /// Both parts sounding alike (`pair:`), or the one part of a one-word query.
    pub phonetic: &'a [Vec<u8>],
    /// A part or a word of one sounding alike (`name:`): partial matches.
    pub partial: &'a [Vec<u8>],
    /// The mother's name (`mother:`): re-ranks, by how many are shared.
    pub mother: &'a [Vec<u8>],
    /// A commune the child was reported in: re-ranks.
    pub commune: Option<&'a [u8]>,
    /// Narrows to children born within two years of it (or of unknown year), and
    /// ranks the same year first.
    pub birth_year: Option<i64>,
    /// Narrows to this sex or an unknown one.
    pub sex: Option<&'a str>,
    pub limit: i64,
    pub offset: i64,
}

/// A child of the page, in rank order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub child_id: String,
    pub exact: bool,
    /// Exact or phonetic: a match of the full name, not only of a part.
    pub matched: bool,
}

/// How many children the whole answer holds (after narrowing), how many of them match
/// the full name, and how many of those are spelled exactly alike.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub answer: i64,
    pub matched: i64,
    pub exact: i64,
}

enum Value<'a> {
    Bytes(&'a [u8]),
    Text(&'a str),
    Int(i64),
}

#[derive(Default)]
struct Binds<'a> {
    values: Vec<Value<'a>>,
}

impl<'a> Binds<'a> {
    fn push(&mut self, value: Value<'a>) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    /// `token IN (…)` over these tokens' placeholders; false for none (an empty `IN`
    /// is not SQL everywhere).
    fn tokens(&mut self, tokens: &'a [Vec<u8>]) -> Vec<String> {
        tokens.iter().map(|t| self.push(Value::Bytes(t))).collect()
    }
}

fn within(placeholders: &[String]) -> String {
    if placeholders.is_empty() {
        "1 = 0".to_owned()
    } else {
        format!("token IN ({})", placeholders.join(", "))
    }
}

impl NameSearch<'_> {
    /// The query and its values. Placeholders are reused where a token is tested
    /// twice (both databases allow it), so each token is bound once.
    fn sql(&self) -> (String, Binds<'_>) {
        let mut b = Binds::default();
        let territory = b.push(Value::Text(self.territory));
        let exact = b.tokens(self.exact);
        let phonetic = b.tokens(self.phonetic);
        let partial = b.tokens(self.partial);
        let mother = b.tokens(self.mother);
        let commune: Vec<String> = self
            .commune
            .map(|c| b.push(Value::Bytes(c)))
            .into_iter()
            .collect();
        let matched: Vec<String> = exact.iter().chain(&phonetic).cloned().collect();
        let all: Vec<String> = matched
            .iter()
            .chain(&partial)
            .chain(&mother)
            .chain(&commune)
            .cloned()
            .collect();
        let mut narrow = String::new();
        let mut rerank = vec!["2 * mother".to_owned(), "commune".to_owned()];
        if let Some(sex) = self.sex {
            let sex = b.push(Value::Text(sex));
            narrow.push_str(&format!(
                " AND (sex IS NULL OR sex = 'unknown' OR sex = {sex})"
            ));
            rerank.push(format!("CASE WHEN sex = {sex} THEN 1 ELSE 0 END"));
        }
        if let Some(year) = self.birth_year {
            let [y, lo1, hi1, lo2, hi2] =
                [year, year - 1, year + 1, year - 2, year + 2].map(|v| b.push(Value::Int(v)));
            narrow.push_str(&format!(
                " AND (birth_year IS NULL OR birth_year BETWEEN {lo2} AND {hi2})"
            ));
            rerank.push(format!(
                "CASE WHEN birth_year = {y} THEN 3 WHEN birth_year BETWEEN {lo1} AND {hi1} THEN 2 \
                 WHEN birth_year IS NULL THEN 1 ELSE 0 END"
            ));
        }
        let limit = b.push(Value::Int(self.limit));
        let offset = b.push(Value::Int(self.offset));
        let flag = |cond: String| format!("MAX(CASE WHEN {cond} THEN 1 ELSE 0 END)");
        let count = |cond: String| format!("SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)");
        let sql = format!(
            "SELECT child_id, exact, matched,
                    CAST(COUNT(*) OVER () AS BIGINT) AS answer,
                    CAST(SUM(matched) OVER () AS BIGINT) AS matches,
                    CAST(SUM(exact) OVER () AS BIGINT) AS exacts
             FROM (
                SELECT child_id,
                       CAST({} AS BIGINT) AS exact,
                       CAST({} AS BIGINT) AS matched,
                       {} AS shared,
                       {} AS mother,
                       {} AS commune,
                       MAX(birth_year) AS birth_year,
                       MAX(sex) AS sex
                FROM child_name_tokens
                WHERE territory_code = {territory} AND token IN ({})
                GROUP BY child_id
             ) c
             WHERE (matched = 1 OR shared > 0){narrow}
             ORDER BY matched DESC, {} DESC, exact DESC, shared DESC, child_id
             LIMIT {limit} OFFSET {offset}",
            flag(within(&exact)),
            flag(within(&matched)),
            count(within(&partial)),
            count(within(&mother)),
            flag(within(&commune)),
            all.join(", "),
            rerank.join(" + "),
        );
        (sql, b)
    }
}

impl Store {
    /// A page of the children whose blind tokens meet the search, best first: full-name
    /// matches (narrowed, then re-ranked by what the search gives, exact spellings
    /// before phonetic ones), then partial ones; with the answer's totals.
    pub async fn search_names(
        &self,
        search: &NameSearch<'_>,
    ) -> Result<(Vec<Hit>, Totals), StoreError> {
        let no_token =
            search.exact.is_empty() && search.phonetic.is_empty() && search.partial.is_empty();
        if no_token {
            return Ok((Vec::new(), Totals::default()));
        }
        let (hits, totals) = self.search_once(search).await?;
        if hits.is_empty() && search.offset > 0 {
            // Past the end: the totals come from the first page.
            let first = NameSearch {
                limit: 1,
                offset: 0,
                ..*search
            };
            let (_, totals) = self.search_once(&first).await?;
            return Ok((hits, totals));
        }
        Ok((hits, totals))
    }

    /// The communes the child's reports name (a statistics value, kept in clear).
    pub async fn report_communes(&self, child_id: &str) -> Result<Vec<String>, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM cards WHERE child_id = $1 AND form_code = 'report'",
        )
        .bind(child_id)
        .fetch_all(&self.pool)
        .await?;
        let mut communes: Vec<String> = rows
            .iter()
            .filter_map(|data| serde_json::from_str::<serde_json::Value>(data).ok())
            .filter_map(|data| data.get("commune")?.as_str().map(str::to_owned))
            .collect();
        communes.sort();
        communes.dedup();
        Ok(communes)
    }

    async fn search_once(&self, search: &NameSearch<'_>) -> Result<(Vec<Hit>, Totals), StoreError> {
        let (sql, binds) = search.sql();
        let query = binds
            .values
            .iter()
            .fold(sqlx::query(&sql), |q, value| match value {
                Value::Bytes(v) => q.bind(*v),
                Value::Text(v) => q.bind(*v),
                Value::Int(v) => q.bind(*v),
            });
        let rows = query.fetch_all(&self.pool).await?;
        let mut totals = Totals::default();
        let mut hits = Vec::with_capacity(rows.len());
        for r in &rows {
            totals = Totals {
                answer: r.try_get("answer")?,
                matched: r.try_get("matches")?,
                exact: r.try_get("exacts")?,
            };
            hits.push(Hit {
                child_id: r.try_get("child_id")?,
                exact: r.try_get::<i64, _>("exact")? == 1,
                matched: r.try_get::<i64, _>("matched")? == 1,
            });
        }
        Ok((hits, totals))
    }
}
