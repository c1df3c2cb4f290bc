//! A meeting's papers as PDFs, in Arabic (French or English with `?lang=`): the
//! convocation, the attendance sheet with room to sign, and the minutes. Each carries the
//! province's heading and the signatures' places.

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::forms::territory_name;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::local_time;
use awladna_core::act;
use awladna_core::committee::{self as use_case, MeetingFile};
use awladna_domain::Lang;
use awladna_pdf::{Block, Document};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct PrintQuery {
    lang: Option<String>,
}

#[derive(Clone, Copy)]
enum Paper {
    Convocation,
    Attendance,
    Minutes,
}

impl Paper {
    fn code(self) -> &'static str {
        match self {
            Paper::Convocation => "convocation",
            Paper::Attendance => "attendance",
            Paper::Minutes => "minutes",
        }
    }
}

fn heading(state: &AppState, t: Tr, file: &MeetingFile) -> Vec<Block> {
    let m = &file.meeting;
    let province = state
        .reference
        .territory(&m.territory)
        .map(|p| territory_name(t, &p.name_ar, &p.name_fr))
        .unwrap_or_else(|| m.territory.clone());
    vec![
        Block::Paragraph(format!(
            "{}\n{} — {province}\n{}",
            t.get("pdf-kingdom"),
            t.get("committee-title"),
            t.get("committee-secretariat-line")
        )),
        Block::Facts(vec![
            (
                t.get("meeting-kind"),
                t.get(&format!("meeting-kind-{}", m.kind)),
            ),
            (t.get("meeting-when"), local_time(m.starts_at)),
            (t.get("meeting-place"), m.place.clone()),
        ]),
    ]
}

fn agenda(t: Tr, file: &MeetingFile, with_minutes: bool) -> Vec<Block> {
    let mut blocks = vec![Block::Heading(t.get("meeting-agenda"))];
    for item in &file.items {
        let title = if item.title.is_empty() {
            t.get("agenda-follow-up-title")
        } else {
            item.title.clone()
        };
        blocks.push(Block::Heading(format!(
            "{}. {} ({})",
            item.position,
            title,
            t.get(&format!("agenda-kind-{}", item.kind))
        )));
        if !item.documents.trim().is_empty() {
            blocks.push(Block::Paragraph(format!(
                "{}: {}",
                t.get("agenda-documents"),
                item.documents.lines().collect::<Vec<_>>().join(" · ")
            )));
        }
        if with_minutes {
            blocks.push(Block::Paragraph(if item.minutes.is_empty() {
                t.get("minutes-none")
            } else {
                item.minutes.clone()
            }));
        }
    }
    blocks
}

fn signatures(t: Tr, who: &[&str]) -> Block {
    Block::Table {
        headers: who.iter().map(|w| t.get(w)).collect(),
        rows: vec![vec!["\n\n\n".to_owned(); who.len()]],
        numeric: vec![false; who.len()],
    }
}

fn document(state: &AppState, t: Tr, file: &MeetingFile, paper: Paper) -> Document {
    let mut blocks = heading(state, t, file);
    match paper {
        Paper::Convocation => {
            blocks.push(Block::Paragraph(t.get("convocation-text")));
            blocks.extend(agenda(t, file, false));
            blocks.push(Block::Heading(t.get("convocation-to")));
            blocks.push(Block::Table {
                headers: vec![
                    t.get("committee-field-full_name"),
                    t.get("committee-field-organisation"),
                ],
                rows: file
                    .attendance
                    .iter()
                    .map(|(m, _)| vec![m.full_name.clone(), m.organisation.clone()])
                    .collect(),
                numeric: vec![false, false],
            });
            blocks.push(signatures(t, &["committee-seat-chair"]));
        }
        Paper::Attendance => {
            blocks.push(Block::Heading(t.get("meeting-attendance")));
            blocks.push(Block::Table {
                headers: vec![
                    t.get("committee-field-full_name"),
                    t.get("committee-field-organisation"),
                    t.get("meeting-attendance"),
                    t.get("pdf-signature"),
                ],
                rows: file
                    .attendance
                    .iter()
                    .map(|(m, s)| {
                        vec![
                            m.full_name.clone(),
                            m.organisation.clone(),
                            s.map(|s| t.get(&s.message_id())).unwrap_or_default(),
                            String::new(),
                        ]
                    })
                    .collect(),
                numeric: vec![false; 4],
            });
        }
        Paper::Minutes => {
            if !file.meeting.status.eq("approved") {
                blocks.push(Block::Notice(t.get("minutes-draft-notice")));
            }
            blocks.push(Block::Paragraph(super::pages::quorum_line(t, file)));
            blocks.extend(agenda(t, file, true));
            blocks.push(Block::Heading(t.get("meeting-decisions")));
            blocks.push(Block::Table {
                headers: vec![
                    t.get("committee-field-text"),
                    t.get("committee-field-owner"),
                    t.get("committee-field-deadline"),
                ],
                rows: file
                    .decisions
                    .iter()
                    .map(|d| {
                        vec![
                            d.record.text.clone(),
                            d.record.owner_name.clone(),
                            d.record.deadline.clone(),
                        ]
                    })
                    .collect(),
                numeric: vec![false, false, false],
            });
            blocks.push(signatures(
                t,
                &["committee-seat-chair", "committee-secretariat"],
            ));
        }
    }
    let title = t.get(&format!("pdf-{}-title", paper.code()));
    Document {
        footer: format!("{title} · {}", local_time(file.meeting.starts_at)),
        title,
        lang: match t.lang {
            Lang::Ar => awladna_pdf::Lang::Ar,
            Lang::Fr => awladna_pdf::Lang::Fr,
            Lang::En => awladna_pdf::Lang::En,
        },
        blocks,
    }
}

async fn print(
    state: AppState,
    shell: Shell,
    permit: awladna_core::Permit<act::ReadCommittee>,
    id: String,
    query: PrintQuery,
    paper: Paper,
) -> Result<impl IntoResponse, AppError> {
    let t = match query.lang.as_deref().and_then(|l| l.parse::<Lang>().ok()) {
        Some(lang) => Tr::new(lang),
        None => shell.t,
    };
    let file = use_case::meeting(&state, &permit, &id).await?;
    let doc = document(&state, t, &file, paper);
    let bytes = tokio::task::spawn_blocking(move || awladna_pdf::render(&doc))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let disposition = format!("attachment; filename=\"meeting-{}.pdf\"", paper.code());
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    ))
}

macro_rules! paper {
    ($name:ident, $paper:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            shell: Shell,
            Guard(permit): Guard<act::ReadCommittee>,
            Path(id): Path<String>,
            Query(query): Query<PrintQuery>,
        ) -> Result<impl IntoResponse, AppError> {
            print(state, shell, permit, id, query, $paper).await
        }
    };
}

paper!(convocation, Paper::Convocation);
paper!(attendance, Paper::Attendance);
paper!(minutes, Paper::Minutes);
