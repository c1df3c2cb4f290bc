//! The periodic reports' section (d), the action plan's achievements, as tables (the
//! report page and its exports show the same).

use crate::i18n::Tr;
use awladna_core::action_plans::Achievements;
use awladna_export::{Cell, Table};

/// The section's lead: the plan, its execution rate, its actions by state, its budget.
pub fn lead(t: Tr, a: &Achievements) -> String {
    format!(
        "{} «{}» ({} {}) · {}: {}% · {}: {} · {}: {} · {}: {} · {}: {} · {}: {} / {}",
        t.get("plans-plan"),
        a.plan_title,
        t.get("plan-version"),
        a.plan_version,
        t.get("plan-execution-rate"),
        a.execution_rate,
        t.get("plan-state-done"),
        a.done,
        t.get("plan-state-late"),
        a.late,
        t.get("plan-state-in_progress"),
        a.in_progress,
        t.get("plan-state-not_started"),
        a.not_started,
        t.get("plan-budget-spent-planned"),
        a.budget_spent,
        a.budget_planned.round(),
    )
}

fn number(v: Option<f64>) -> Cell {
    v.map(|v| Cell::Number((v * 100.0).round() / 100.0))
        .unwrap_or_else(|| Cell::Text("–".into()))
}

/// The actions and the indicators of the plan, as two tables.
pub fn tables(t: Tr, a: &Achievements) -> Vec<Table> {
    vec![
        Table {
            title: t.get("plan-actions"),
            headers: vec![
                t.get("plan-field-title"),
                t.get("plan-field-organisation"),
                t.get("plan-field-end"),
                t.get("plan-field-percent"),
                t.get("plan-state"),
            ],
            rows: a
                .actions
                .iter()
                .map(|x| {
                    vec![
                        Cell::Text(x.title.clone()),
                        Cell::Text(x.organisation.clone()),
                        Cell::Text(x.end.clone()),
                        Cell::Count(x.percent.max(0) as u64),
                        Cell::Text(t.get(&format!("plan-state-{}", x.state))),
                    ]
                })
                .collect(),
            note: None,
        },
        Table {
            title: t.get("plan-indicators"),
            headers: vec![
                t.get("plan-field-name"),
                t.get("plan-field-unit"),
                t.get("plan-field-baseline"),
                t.get("plan-field-target"),
                t.get("plan-field-value"),
                t.get("plan-on-track"),
            ],
            rows: a
                .indicators
                .iter()
                .map(|i| {
                    vec![
                        Cell::Text(i.name.clone()),
                        Cell::Text(i.unit.clone()),
                        number(Some(i.baseline)),
                        number(i.target),
                        number(i.value),
                        Cell::Text(t.get(if i.on_track { "plan-yes" } else { "plan-no" })),
                    ]
                })
                .collect(),
            note: None,
        },
    ]
}
