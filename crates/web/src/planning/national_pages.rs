//! The ministry's national view of the provincial action plans: each province's plan
//! status, execution rate and indicators on track, as a page and as XLSX.

use crate::committee::pages::province_label;
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::action_plans as use_case;
use awladna_core::{Permit, act};
use awladna_export::{Cell, Table, Workbook};
use axum::extract::State;
use axum::response::Response;

pub struct ProvinceView {
    pub name: String,
    pub code: String,
    pub status: String,
    pub rate: String,
    pub on_track: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "action_plans_national.html")]
pub struct NationalPage {
    shell: Shell,
    provinces: Vec<ProvinceView>,
}

async fn national_lines(
    state: &AppState,
    t: Tr,
    permit: &Permit<act::ReadPlanning>,
) -> Result<Vec<ProvinceView>, AppError> {
    Ok(use_case::national(state, permit)
        .await?
        .into_iter()
        .map(|l| ProvinceView {
            name: province_label(state, t, &l.territory),
            code: l.territory.clone(),
            status: t.get(&format!("plan-national-{}", l.status)),
            rate: l.execution_rate.map_or("–".into(), |r| format!("{r}%")),
            on_track: l
                .on_track
                .and_then(|(a, b)| (a * 100).checked_div(b))
                .map_or("–".into(), |share| format!("{share}%")),
        })
        .collect())
}

pub async fn national(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadPlanning>,
) -> Result<NationalPage, AppError> {
    Ok(NationalPage {
        provinces: national_lines(&state, shell.t, &permit).await?,
        shell,
    })
}

pub async fn national_xlsx(
    State(state): State<AppState>,
    t: Tr,
    Guard(permit): Guard<act::ReadPlanning>,
) -> Result<Response, AppError> {
    let lines = national_lines(&state, t, &permit).await?;
    let title = t.get("plans-national-title");
    let book = Workbook {
        title: title.clone(),
        rtl: t.lang == awladna_domain::Lang::Ar,
        tables: vec![Table {
            title,
            headers: vec![
                t.get("plan-field-province"),
                t.get("plans-status"),
                t.get("plan-execution-rate"),
                t.get("plan-indicators-on-track"),
            ],
            rows: lines
                .into_iter()
                .map(|l| {
                    vec![
                        Cell::Text(l.name),
                        Cell::Text(l.status),
                        Cell::Text(l.rate),
                        Cell::Text(l.on_track),
                    ]
                })
                .collect(),
            note: None,
        }],
        ..Workbook::default()
    };
    let bytes = crate::stats::written(move || awladna_export::xlsx(&book)).await?;
    Ok(crate::stats::attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "action-plans.xlsx".into(),
        bytes,
    ))
}
