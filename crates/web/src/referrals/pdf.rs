//! The linking card as a PDF (Arabic shaped, right to left): for a service outside the
//! system, or for the paper file.

use super::view::{Names, shared_views};
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::times::local_time;
use awladna_core::act;
use awladna_core::referrals::{OpenedReferral, open};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;

/// The linking card as a PDF (Arabic shaped, right to left): for a service outside the
/// system, or for the paper file. It holds only what the card shares; printing it is
/// audited like a reading.
pub async fn card_pdf(
    State(state): State<AppState>,
    Shell { t, .. }: Shell,
    Guard(permit): Guard<act::UseReferrals>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let opened = open(&state, &permit, &state, &id).await?;
    let names = Names::read(&state).await.map_err(AppError::Internal)?;
    let flags = awladna_core::flags::shared(&state, &opened.referral.case_id).await?;
    let mut document = card_document(&state, t, &opened, &names);
    // The case's shareable flags, first thing after the notice (issue 18).
    if !flags.is_empty() {
        let lines = flags.iter().map(|f| (f.text.clone(), f.reason.clone()));
        document
            .blocks
            .insert(1, awladna_pdf::Block::Heading(t.get("flags-title")));
        document
            .blocks
            .insert(2, awladna_pdf::Block::Facts(lines.collect()));
    }
    let bytes = tokio::task::spawn_blocking(move || awladna_pdf::render(&document))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"linking-card.pdf\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    ))
}

fn card_document(
    state: &AppState,
    t: Tr,
    opened: &OpenedReferral,
    names: &Names,
) -> awladna_pdf::Document {
    use awladna_pdf::Block;
    let r = &opened.referral;
    let name = |code: &str| names.of(code);
    let mut facts = vec![
        (t.get("referral-from"), name(&r.from_org)),
        (t.get("referral-to"), name(&r.to_org)),
        (
            t.get("referral-field-stage"),
            state.label(t, "stages", &r.stage),
        ),
        (
            t.get("referral-field-urgency"),
            state.label(t, "urgency", &r.urgency),
        ),
        (t.get("referral-sent"), local_time(r.sent_at)),
        (t.get("referral-due"), local_time(r.due_at)),
        (t.get("referral-field-reason"), opened.reason.clone()),
        (
            t.get("referral-field-consent"),
            t.get(&format!("referral-consent-{}", r.consent)),
        ),
    ];
    if let Some(service) = &r.service {
        facts.insert(
            3,
            (
                t.get("referral-field-service"),
                state.label(t, "services", service),
            ),
        );
    }
    if let Some(ground) = &opened.legal_ground {
        facts.push((t.get("referral-field-legal_ground"), ground.clone()));
    }
    let mut blocks = vec![
        Block::Notice(t.get("case-print-notice")),
        Block::Facts(facts),
    ];
    for part in shared_views(state, t, &opened.shared) {
        blocks.push(Block::Heading(part.title));
        blocks.extend(part.lines.into_iter().map(Block::Paragraph));
        for section in part.sections {
            blocks.push(Block::Facts(
                section
                    .fields
                    .into_iter()
                    .map(|f| (f.label, f.value))
                    .collect(),
            ));
        }
    }
    blocks.push(Block::Heading(t.get("referral-steps")));
    blocks.push(Block::Table {
        headers: vec![
            t.get("referral-steps"),
            t.get("referral-sent"),
            t.get("referral-deliver-note"),
        ],
        rows: opened
            .steps
            .iter()
            .map(|s| {
                vec![
                    t.get(&format!("referral-status-{}", s.status)),
                    local_time(s.at_ms),
                    s.note.clone().unwrap_or_default(),
                ]
            })
            .collect(),
        numeric: vec![false, false, false],
    });
    // A service without users writes its answer on the paper; the sender records it.
    blocks.push(Block::Heading(t.get("referral-paper-answer")));
    blocks.push(Block::Paragraph(t.get("referral-paper-answer-lines")));
    awladna_pdf::Document {
        title: t.get("referral-title"),
        lang: match t.lang {
            awladna_domain::Lang::Ar => awladna_pdf::Lang::Ar,
            awladna_domain::Lang::Fr => awladna_pdf::Lang::Fr,
            awladna_domain::Lang::En => awladna_pdf::Lang::En,
        },
        footer: format!("{} — {}", t.get("referral-title"), t.get("app-name")),
        blocks,
    }
}
