//! What the statistics of the protocol read (issue 19 §1, "services against the
//! protocol"): for the cases of some provinces opened in a time window, their concerns,
//! the stages they reached, the services delivered to them by stage, and the moments
//! the protocol's delays run between. Nothing identifying: codes, ids and times only.
//! The window is wide; the caller keeps the months it asks for (in Moroccan time).

use crate::stats::in_list;
use crate::{Store, StoreError};
use serde_json::Value;
use sqlx::Row;
use std::collections::BTreeMap;

/// A case of the cohort and what happened to it.
#[derive(Debug, Clone, Default)]
pub struct CohortCase {
    pub stage: String,
    pub opened_at: i64,
    pub concerns: Vec<String>,
    /// Every stage the case was moved to, its current one included.
    pub stages: Vec<String>,
    /// (stage of the linking card, service) delivered.
    pub delivered: Vec<(String, String)>,
    /// When the first reporting card of the case was recorded.
    pub first_report_at: Option<i64>,
    /// When its first complete evaluation card was recorded.
    pub first_evaluation_at: Option<i64>,
}

/// A linking card's clock: sent, due, answered (accepted or declined).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseClock {
    pub sent_at: i64,
    pub due_at: i64,
    pub responded_at: Option<i64>,
}

/// An evaluation at high risk or immediate danger, and the first action a worker wrote
/// in the case plan at or after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HighRiskClock {
    pub evaluated_at: i64,
    pub first_plan_at: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct ProtocolRows {
    pub cases: BTreeMap<String, CohortCase>,
    pub responses: Vec<ResponseClock>,
    pub high_risk: Vec<HighRiskClock>,
}

/// The risk levels after which the protocol wants a plan (the evaluation's own codes).
const HIGH_RISK: [&str; 2] = ["high", "immediate"];

impl Store {
    /// The rows of `territories` (provinces, or the leaves of a region or the nation)
    /// between `from_ms` (included) and `to_ms` (excluded): cases opened, linking cards
    /// sent and evaluations recorded in it.
    pub async fn protocol_rows(
        &self,
        territories: &[String],
        from_ms: i64,
        to_ms: i64,
    ) -> Result<ProtocolRows, StoreError> {
        let mut rows = ProtocolRows::default();
        if territories.is_empty() {
            return Ok(rows);
        }
        // The cohort: cases opened in the window, joined by every query about them.
        let cohort = format!(
            "JOIN cases c ON c.id = {{}} WHERE c.territory_code IN ({}) AND c.opened_at >= $1 AND c.opened_at < $2",
            in_list(3, territories.len())
        );
        let on = |column: &str| cohort.replace("{}", column);
        // Every query binds the window's two ends, then the territories from $3.
        let run = |sql: String| async move {
            let q = sqlx::query(&sql).bind(from_ms).bind(to_ms);
            territories
                .iter()
                .fold(q, |q, t| q.bind(t.as_str()))
                .fetch_all(&self.pool)
                .await
        };
        for r in run(format!(
            "SELECT c.id, c.stage, c.opened_at FROM cases x {}",
            on("x.id")
        ))
        .await?
        {
            let stage: String = r.try_get("stage")?;
            rows.cases.insert(
                r.try_get("id")?,
                CohortCase {
                    stages: vec![stage.clone()],
                    stage,
                    opened_at: r.try_get("opened_at")?,
                    ..Default::default()
                },
            );
        }
        for r in run(format!(
            "SELECT k.case_id, k.concern FROM case_concerns k {}",
            on("k.case_id")
        ))
        .await?
        {
            if let Some(case) = rows.cases.get_mut(&r.try_get::<String, _>("case_id")?) {
                case.concerns.push(r.try_get("concern")?);
            }
        }
        for r in run(format!(
            "SELECT DISTINCT m.case_id, m.to_stage FROM stage_moves m {}",
            on("m.case_id")
        ))
        .await?
        {
            if let Some(case) = rows.cases.get_mut(&r.try_get::<String, _>("case_id")?) {
                let stage: String = r.try_get("to_stage")?;
                if !case.stages.contains(&stage) {
                    case.stages.push(stage);
                }
            }
        }
        for (form, complete, slot) in [("report", "", 0), ("evaluation", " AND k.complete = 1", 1)]
        {
            for r in run(format!(
                "SELECT k.case_id, MIN(k.created_at) AS first_at FROM cards k {} AND k.form_code = '{form}'{complete} GROUP BY k.case_id",
                on("k.case_id")
            ))
            .await?
            {
                if let Some(case) = rows.cases.get_mut(&r.try_get::<String, _>("case_id")?) {
                    let at: Option<i64> = r.try_get("first_at")?;
                    match slot {
                        0 => case.first_report_at = at,
                        _ => case.first_evaluation_at = at,
                    }
                }
            }
        }
        // A service is delivered when its linking card is marked delivered, or when the
        // receiving service's answer lists it.
        for r in run(format!(
            "SELECT r.case_id, r.stage, r.service FROM referrals r {} AND r.service IS NOT NULL AND r.delivered_at IS NOT NULL",
            on("r.case_id")
        ))
        .await?
        {
            if let Some(case) = rows.cases.get_mut(&r.try_get::<String, _>("case_id")?) {
                case.delivered
                    .push((r.try_get("stage")?, r.try_get("service")?));
            }
        }
        for r in run(format!(
            "SELECT r.case_id, r.stage, a.services FROM referral_answers a JOIN referrals r ON r.id = a.referral_id {}",
            on("r.case_id")
        ))
        .await?
        {
            if let Some(case) = rows.cases.get_mut(&r.try_get::<String, _>("case_id")?) {
                let stage: String = r.try_get("stage")?;
                let services: String = r.try_get("services")?;
                if let Ok(Value::Array(list)) = serde_json::from_str::<Value>(&services) {
                    for s in list.iter().filter_map(Value::as_str) {
                        case.delivered.push((stage.clone(), s.to_owned()));
                    }
                }
            }
        }
        for case in rows.cases.values_mut() {
            case.delivered.sort();
            case.delivered.dedup();
        }
        // Linking cards sent in the window, whatever the case's opening.
        for r in run(format!(
            "SELECT sent_at, due_at, responded_at FROM referrals WHERE sent_at >= $1 AND sent_at < $2 AND due_at IS NOT NULL AND territory_code IN ({})",
            in_list(3, territories.len())
        ))
        .await?
        {
            rows.responses.push(ResponseClock {
                sent_at: r.try_get("sent_at")?,
                due_at: r.try_get("due_at")?,
                responded_at: r.try_get("responded_at")?,
            });
        }
        // Evaluations recorded in the window; their level is kept with the answers.
        let evaluations = run(format!(
            "SELECT case_id, created_at, data FROM cards WHERE form_code = 'evaluation' AND complete = 1 AND case_id IS NOT NULL AND created_at >= $1 AND created_at < $2 AND territory_code IN ({})",
            in_list(3, territories.len())
        ))
        .await?;
        let mut high: Vec<(String, i64)> = Vec::new();
        for r in evaluations {
            let data: String = r.try_get("data")?;
            let level = serde_json::from_str::<Value>(&data)
                .ok()
                .and_then(|v| v.get("risk").and_then(Value::as_str).map(str::to_owned));
            if level.is_some_and(|l| HIGH_RISK.contains(&l.as_str())) {
                high.push((r.try_get("case_id")?, r.try_get("created_at")?));
            }
        }
        if !high.is_empty() {
            // A worker's plan actions (not the one the evaluation sets itself), from the
            // window's start to as long again after its end: a plan later than that is
            // past any delay the protocol may set, as is no plan at all.
            let mut plans: BTreeMap<String, Vec<i64>> = BTreeMap::new();
            for r in run(format!(
                "SELECT case_id, created_at FROM plan_actions WHERE origin = 'plan' AND created_at >= $1 AND created_at < $2 + $2 - $1 AND territory_code IN ({})",
                in_list(3, territories.len())
            ))
            .await?
            {
                plans
                    .entry(r.try_get("case_id")?)
                    .or_default()
                    .push(r.try_get("created_at")?);
            }
            for (case_id, at) in high {
                let first_plan_at = plans
                    .get(&case_id)
                    .and_then(|list| list.iter().copied().filter(|p| *p >= at).min());
                rows.high_risk.push(HighRiskClock {
                    evaluated_at: at,
                    first_plan_at,
                });
            }
        }
        Ok(rows)
    }
}
