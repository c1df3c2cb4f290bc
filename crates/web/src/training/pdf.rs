//! A participant's attestation as a PDF, in Arabic (French or English with `?lang=`),
//! with the project's PDF writer (the committee's papers use the same).

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::stats::export::pdf_lang;
use crate::stats::{attachment, written};
use awladna_core::{act, training as use_case};
use awladna_domain::Lang;
use awladna_pdf::{Block, Document};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct PrintQuery {
    lang: Option<String>,
}

pub async fn attestation(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::RunTraining>,
    Path((id, trainee)): Path<(String, String)>,
    Query(query): Query<PrintQuery>,
) -> Result<Response, AppError> {
    let t = match query.lang.as_deref().and_then(|l| l.parse::<Lang>().ok()) {
        Some(lang) => Tr::new(lang),
        None => shell.t,
    };
    let trainee = trainee.trim_end_matches(".pdf");
    let a = use_case::attestation(&state, &permit, &id, trainee).await?;
    let province = super::place_name(&state, t, &a.session.territory);
    let mut facts = vec![
        (
            t.get("training-field-full_name"),
            a.participant.full_name.clone(),
        ),
        (
            t.get("training-field-organisation"),
            a.participant.organisation_name.clone(),
        ),
        (
            t.get("training-field-module"),
            a.session.module_title.clone(),
        ),
        (
            t.get("training-dates"),
            format!("{} – {}", a.session.starts_on, a.session.ends_on),
        ),
        (
            t.get("training-field-place"),
            format!("{} · {province}", a.session.place),
        ),
        (t.get("training-days"), a.days.to_string()),
    ];
    if let Some(post) = a.participant.post_score {
        facts.push((t.get("training-field-post_score"), post.to_string()));
    }
    let doc = Document {
        title: t.get("training-attestation"),
        footer: format!("{} · {}", t.get("training-attestation"), a.number),
        lang: pdf_lang(t),
        blocks: vec![
            Block::Paragraph(format!(
                "{}\n{}",
                t.get("pdf-kingdom"),
                t.get("training-programme")
            )),
            Block::Heading(t.get("training-attestation")),
            Block::Paragraph(t.get("training-attestation-text")),
            Block::Facts(facts),
            Block::Paragraph(format!(
                "{}: {}",
                t.get("training-attestation-number"),
                a.number
            )),
        ],
    };
    let bytes = written(move || awladna_pdf::render(&doc)).await?;
    Ok(attachment(
        "application/pdf",
        format!("attestation-{}.pdf", a.number),
        bytes,
    ))
}
