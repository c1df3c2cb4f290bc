//! A periodic report as files: a workbook, a CSV of every value, a PDF, and the DHIS2
//! data values. Exports are always suppressed, whoever asks, and written in the audit
//! log (data requests).

use super::{facts_of, section_tables, title_of};
use crate::error::AppError;
use crate::extract::Guard;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::stats::attachment;
use crate::stats::export::{data_table, pdf_blocks, pdf_lang, workbook};
use crate::stats::written;
use awladna_core::act;
use awladna_core::periodic_reports::{self as periodic, Opened};
use awladna_domain::stats::Figure;
use awladna_export::Table;
use axum::extract::{Path, State};
use axum::response::Response;

/// The report as export material: title, facts, sections of tables, all figures.
struct Material {
    title: String,
    facts: Vec<(String, String)>,
    sections: Vec<(String, String, Vec<Table>)>,
    figures: Vec<Figure>,
    territory: String,
    period: String,
    file: String,
}

fn material(state: &AppState, t: Tr, o: &Opened) -> Material {
    let r = &o.report;
    Material {
        title: title_of(state, t, r),
        facts: facts_of(state, t, o),
        sections: section_tables(state, t, &o.contents),
        figures: o
            .contents
            .sections
            .iter()
            .flat_map(|s| &s.figures)
            .filter_map(|e| e.shown.figure())
            .collect(),
        territory: r.territory.clone(),
        period: format!("{}/{}", r.from, r.to),
        file: format!("report-{}-{}-{}", r.kind, r.territory, r.from),
    }
}

pub async fn xlsx(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewStatistics>,
    t: Tr,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let opened = periodic::export(&state, &permit, &id, "xlsx").await?;
    let m = material(&state, t, &opened);
    let figures: Vec<&Figure> = m.figures.iter().collect();
    let book = workbook(
        &state,
        t,
        &m.title,
        m.facts,
        m.sections
            .into_iter()
            .flat_map(|(_, _, tables)| tables)
            .collect(),
        &figures,
        (&m.territory, &m.period),
    );
    let bytes = written(move || awladna_export::xlsx(&book)).await?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("{}.xlsx", m.file),
        bytes,
    ))
}

pub async fn csv(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewStatistics>,
    t: Tr,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let opened = periodic::export(&state, &permit, &id, "csv").await?;
    let m = material(&state, t, &opened);
    let figures: Vec<&Figure> = m.figures.iter().collect();
    let data = data_table(&state, t, &figures, &m.territory, &m.period);
    Ok(attachment(
        "text/csv; charset=utf-8",
        format!("{}.csv", m.file),
        awladna_export::csv(&data),
    ))
}

pub async fn pdf(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewStatistics>,
    t: Tr,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let opened = periodic::export(&state, &permit, &id, "pdf").await?;
    let m = material(&state, t, &opened);
    let mut blocks = vec![awladna_pdf::Block::Facts(m.facts)];
    for (title, lead, tables) in &m.sections {
        blocks.push(awladna_pdf::Block::Heading(title.clone()));
        if !lead.is_empty() {
            blocks.push(awladna_pdf::Block::Paragraph(lead.clone()));
        }
        for table in tables {
            blocks.extend(pdf_blocks(table));
        }
    }
    let document = awladna_pdf::Document {
        footer: m.title.clone(),
        title: m.title,
        lang: pdf_lang(t),
        blocks,
    };
    let bytes = written(move || awladna_pdf::render(&document)).await?;
    Ok(attachment(
        "application/pdf",
        format!("{}.pdf", m.file),
        bytes,
    ))
}

/// `/periodic-reports/{id}/dhis2.json`: reports and cases by month, sex and age band of
/// each province in the report, as a DHIS2 `dataValueSets` document. Counts from 1 to 4
/// are left out (DHIS2 adds the cells up itself: no total is sent to subtract from).
pub async fn dhis2(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewStatistics>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let opened = periodic::export(&state, &permit, &id, "dhis2").await?;
    let r = &opened.report;
    let values: Vec<awladna_export::DataValue> = opened
        .contents
        .dhis2
        .iter()
        .filter_map(|v| {
            let org_unit = state.reference.territory(&v.territory)?.hcp_code.clone();
            Some(awladna_export::DataValue {
                indicator: v.indicator.clone(),
                org_unit,
                month: v.month.clone(),
                sex: Some(v.sex.clone()),
                age_band: Some(v.age_band.clone()),
                value: u64::try_from(v.n)
                    .ok()
                    .filter(|n| !awladna_domain::suppress::is_small(*n)),
            })
        })
        .collect();
    let day = crate::times::local_time(r.approved_at.unwrap_or(r.computed_at));
    let completed = day.get(..10).unwrap_or("");
    let bytes = awladna_export::Dhis2Mapping::embedded()
        .and_then(|mapping| {
            let set = awladna_export::dhis2_data_value_set(&mapping, &values, completed)?;
            awladna_export::dhis2_json(&set)
        })
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(attachment(
        "application/json",
        format!("report-{}-{}-{}-dhis2.json", r.kind, r.territory, r.from),
        bytes,
    ))
}
