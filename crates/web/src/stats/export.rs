//! Figures as they leave the system: export tables (XLSX, CSV) and PDF documents. Codes
//! are written as the reader's labels, hidden values as "<5". Exports are always
//! suppressed, whoever asks: callers pass figures computed with `protect = true`.

use super::{StatsQuery, attachment, written};
use crate::error::AppError;
use crate::extract::Guard;
use crate::i18n::Tr;
use crate::state::AppState;
use awladna_core::act;
use awladna_domain::stats::outcomes::closure_outcomes;
use awladna_domain::stats::{Figure, HIDDEN, NATION, Shown, Unit};
use awladna_export::{Cell, Table, Workbook};
use axum::extract::{Path, Query, State};
use axum::response::Response;

/// The vocabulary a dimension's codes belong to (`None`: shown as they are, or a place).
fn vocabulary_of(dimension: &str) -> Option<&'static str> {
    Some(match dimension {
        "sex" => "sex",
        "source" => "sources",
        "urgency" => "urgency",
        "concern" => "concerns",
        "target_group" => "target_groups",
        "stage" => "stages",
        "outcome" => "closure_reasons",
        "sector" => "sectors",
        // The case page shows risk levels with the urgency labels.
        "risk" | "risk_at_opening" | "risk_at_closure" => "urgency",
        "change" => "child_situations",
        _ => return None,
    })
}

/// A dimension's name in the reader's language (its code when unknown).
pub fn dimension_name(t: Tr, dimension: &str) -> String {
    let id = format!("periodic-dim-{}", dimension.replace('_', "-"));
    let name = t.get(&id);
    if name == id || name.is_empty() {
        dimension.to_owned()
    } else {
        name
    }
}

/// A code of `dimension` as the reader reads it.
pub fn key_label(state: &AppState, t: Tr, dimension: &str, code: &str) -> String {
    if code.is_empty() || code == "unknown" || code == "unassessed" {
        return t.get("periodic-unknown");
    }
    match dimension {
        "province" | "region" => crate::admin::territory_label(state, t, Some(code)),
        "area" if code == "urban" || code == "rural" => t.get(&format!("stats-area-{code}")),
        "reentry" => t.get(&format!("stats-reentry-{}", code.replace('_', "-"))),
        "closure_outcome" => closure_outcomes()
            .label(code)
            .map(|l| l.get(t.lang).to_owned())
            .unwrap_or_else(|| code.to_owned()),
        _ => match vocabulary_of(dimension) {
            Some(v) => state.label(t, v, code),
            None => code.to_owned(),
        },
    }
}

fn cell_of(unit: Unit, shown: Shown) -> Cell {
    match shown {
        Shown::Hidden => Cell::Suppressed,
        Shown::Value(v) if unit == Unit::Count && v >= 0.0 && v.fract() == 0.0 => {
            Cell::Count(v as u64)
        }
        Shown::Value(v) => Cell::Number((v * 10.0).round() / 10.0),
    }
}

fn has_rates(fig: &Figure) -> bool {
    fig.total_rate.is_some() || fig.rows.iter().any(|r| r.rate.is_some())
}

fn rate_cell(rate: Option<f64>) -> Cell {
    match rate {
        Some(r) => Cell::Number((r * 1000.0).round() / 1000.0),
        None => Cell::Text(String::new()),
    }
}

/// One figure as a table: a column per dimension, the value, the rate per 1,000 children
/// when the indicator has one; a last row for the total; the definition as the note.
pub fn table(state: &AppState, t: Tr, fig: &Figure) -> Table {
    let rates = has_rates(fig);
    let mut headers: Vec<String> = fig.by.iter().map(|d| dimension_name(t, d)).collect();
    headers.push(t.get("periodic-value"));
    if rates {
        headers.push(t.get("periodic-rate"));
    }
    let mut rows: Vec<Vec<Cell>> = fig
        .rows
        .iter()
        .map(|r| {
            let mut row: Vec<Cell> = fig
                .by
                .iter()
                .zip(&r.keys)
                .map(|(d, k)| Cell::Text(key_label(state, t, d, k)))
                .collect();
            row.push(cell_of(fig.indicator.unit, r.value));
            if rates {
                row.push(rate_cell(r.rate));
            }
            row
        })
        .collect();
    if !fig.by.is_empty() || rows.is_empty() {
        let mut total: Vec<Cell> = Vec::new();
        if !fig.by.is_empty() {
            total.push(Cell::Text(t.get("periodic-total")));
            total.extend((1..fig.by.len()).map(|_| Cell::Text(String::new())));
        }
        total.push(cell_of(fig.indicator.unit, fig.total));
        if rates {
            total.push(rate_cell(fig.total_rate));
        }
        rows.push(total);
    }
    Table {
        title: title_of(t, fig),
        headers,
        rows,
        note: Some(fig.indicator.definition.get(t.lang).to_owned()),
    }
}

/// "Cases opened, by stage".
pub fn title_of(t: Tr, fig: &Figure) -> String {
    let name = fig.indicator.name.get(t.lang).to_owned();
    if fig.by.is_empty() {
        return name;
    }
    let dims: Vec<String> = fig.by.iter().map(|d| dimension_name(t, d)).collect();
    format!("{name} — {}", dims.join(" × "))
}

/// The long-format rows of a figure for the data sheet: indicator, territory, period,
/// dimension, key, value.
fn data_rows(
    state: &AppState,
    t: Tr,
    fig: &Figure,
    territory: &str,
    period: &str,
) -> Vec<Vec<Cell>> {
    let dimension = fig.by.join(",");
    let mut out: Vec<Vec<Cell>> = fig
        .rows
        .iter()
        .map(|r| {
            let keys: Vec<String> = fig
                .by
                .iter()
                .zip(&r.keys)
                .map(|(d, k)| key_label(state, t, d, k))
                .collect();
            vec![
                Cell::Text(fig.indicator.code.clone()),
                Cell::Text(territory.to_owned()),
                Cell::Text(period.to_owned()),
                Cell::Text(dimension.clone()),
                Cell::Text(keys.join(" / ")),
                cell_of(fig.indicator.unit, r.value),
            ]
        })
        .collect();
    out.push(vec![
        Cell::Text(fig.indicator.code.clone()),
        Cell::Text(territory.to_owned()),
        Cell::Text(period.to_owned()),
        Cell::Text(dimension),
        Cell::Text(t.get("periodic-total")),
        cell_of(fig.indicator.unit, fig.total),
    ]);
    out
}

/// The data sheet of figures: one row per value.
pub fn data_table(
    state: &AppState,
    t: Tr,
    figures: &[&Figure],
    territory: &str,
    period: &str,
) -> Table {
    Table {
        title: t.get("periodic-data-sheet"),
        headers: vec![
            t.get("periodic-indicator"),
            t.get("periodic-territory"),
            t.get("periodic-period"),
            t.get("periodic-dimension"),
            t.get("periodic-key"),
            t.get("periodic-value"),
        ],
        rows: figures
            .iter()
            .flat_map(|f| data_rows(state, t, f, territory, period))
            .collect(),
        note: None,
    }
}

/// A workbook of figures: a table each on the first sheet, every value on the data sheet.
pub fn workbook(
    state: &AppState,
    t: Tr,
    title: &str,
    meta: Vec<(String, String)>,
    tables: Vec<Table>,
    figures: &[&Figure],
    (territory, period): (&str, &str),
) -> Workbook {
    Workbook {
        title: title.to_owned(),
        rtl: t.lang == awladna_domain::Lang::Ar,
        meta,
        tables,
        data: data_table(state, t, figures, territory, period),
    }
}

/// The PDF language of a reader.
pub fn pdf_lang(t: Tr) -> awladna_pdf::Lang {
    match t.lang {
        awladna_domain::Lang::Ar => awladna_pdf::Lang::Ar,
        awladna_domain::Lang::Fr => awladna_pdf::Lang::Fr,
        awladna_domain::Lang::En => awladna_pdf::Lang::En,
    }
}

/// A cell as text (a page's table, a PDF's).
pub fn text_of(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Count(n) => n.to_string(),
        Cell::Number(v) if v.is_finite() => {
            let s = format!("{v:.3}");
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
        Cell::Number(_) => String::new(),
        Cell::Suppressed => HIDDEN.to_owned(),
    }
}

/// An export table as a PDF table block (numbers right-aligned), its note under it.
pub fn pdf_blocks(table: &Table) -> Vec<awladna_pdf::Block> {
    let numeric: Vec<bool> = (0..table.headers.len())
        .map(|j| {
            table
                .rows
                .iter()
                .any(|r| matches!(r.get(j), Some(Cell::Count(_) | Cell::Number(_))))
        })
        .collect();
    let mut blocks = vec![
        awladna_pdf::Block::Paragraph(table.title.clone()),
        awladna_pdf::Block::Table {
            headers: table.headers.clone(),
            rows: table
                .rows
                .iter()
                .map(|r| r.iter().map(text_of).collect())
                .collect(),
            numeric,
        },
    ];
    if let Some(note) = &table.note {
        blocks.push(awladna_pdf::Block::Paragraph(note.clone()));
    }
    blocks
}

/// A PDF of figures, one table each, under `title`.
pub fn document(
    state: &AppState,
    t: Tr,
    title: &str,
    footer: &str,
    figures: &[&Figure],
) -> awladna_pdf::Document {
    awladna_pdf::Document {
        title: title.to_owned(),
        lang: pdf_lang(t),
        footer: footer.to_owned(),
        blocks: figures
            .iter()
            .flat_map(|f| pdf_blocks(&table(state, t, f)))
            .collect(),
    }
}

/// `/stats/export/{xlsx|csv|pdf}?territory&from&to`: the dashboard's figures as a file.
/// Whatever the reader's province, a file leaves it: small counts are always hidden.
pub async fn dashboard(
    State(state): State<AppState>,
    Guard(permit): Guard<act::ViewStatistics>,
    t: Tr,
    Path(format): Path<String>,
    Query(q): Query<StatsQuery>,
) -> Result<Response, AppError> {
    let (a, figures) = awladna_core::stats::export(&state, &permit, &format, &q.into()).await?;
    let scope_name = if a.scope.code == NATION {
        t.get("stats-nation")
    } else {
        key_label(&state, t, "province", &a.scope.code)
    };
    let title = format!("{} — {scope_name}", t.get("stats-title"));
    let period = format!("{} – {}", a.period.from, a.period.to);
    let file = format!(
        "awladna-stats-{}-{}-{}",
        a.scope.code, a.period.from, a.period.to
    );
    let refs: Vec<&Figure> = figures.iter().collect();
    Ok(match format.as_str() {
        "csv" => {
            let data = data_table(&state, t, &refs, &a.scope.code, &period);
            attachment(
                "text/csv; charset=utf-8",
                format!("{file}.csv"),
                awladna_export::csv(&data),
            )
        }
        "pdf" => {
            let mut doc = document(&state, t, &title, &t.get("stats-suppressed-note"), &refs);
            // The reader of a printed page must know which territory and months it counts.
            doc.blocks.insert(
                0,
                awladna_pdf::Block::Facts(vec![
                    (t.get("stats-territory"), scope_name.clone()),
                    (t.get("periodic-period"), period.clone()),
                ]),
            );
            let bytes = written(move || awladna_pdf::render(&doc)).await?;
            attachment("application/pdf", format!("{file}.pdf"), bytes)
        }
        _ => {
            let meta = vec![
                (t.get("stats-territory"), scope_name),
                (t.get("periodic-period"), period.clone()),
                (t.get("stats-definition"), t.get("stats-suppressed-note")),
            ];
            let tables = refs.iter().map(|f| table(&state, t, f)).collect();
            let book = workbook(
                &state,
                t,
                &title,
                meta,
                tables,
                &refs,
                (&a.scope.code, &period),
            );
            let bytes = written(move || awladna_export::xlsx(&book)).await?;
            attachment(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                format!("{file}.xlsx"),
                bytes,
            )
        }
    })
}
