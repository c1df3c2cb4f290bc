//! The ministry's rollout page (issue 15 §2): provinces × the ten tracks with each
//! cell's status, a schematic map of the provinces coloured by progress, the provinces
//! late on a track, the label of excellence; and one province's milestones against plan,
//! with the forms to declare them. The use cases are `awladna_core::rollout`'s.

pub mod map;

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::training::{Scope, place_name, problems, today, version};
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::rollout::{self as use_case, Board, ProvinceRow};
use awladna_core::{CoreError, act};
use awladna_domain::Lang;
use awladna_domain::access::{Action, Decision, decide};
use awladna_domain::rollout::{DeclarationInput, Status};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

fn status_mark(s: Status) -> &'static str {
    match s {
        Status::NotStarted => "○",
        Status::InProgress => "◐",
        Status::Done => "●",
    }
}

pub struct TrackHead {
    pub code: String,
    pub title: String,
}

pub struct RowView {
    pub code: String,
    pub name: String,
    pub wave: String,
    pub percent: u32,
    /// Per track: mark, status label, late.
    pub cells: Vec<(String, String, bool)>,
    pub label: bool,
}

pub struct MilestoneView {
    pub code: String,
    pub track: String,
    pub title: String,
    pub status: String,
    pub status_code: String,
    pub planned: String,
    pub on: String,
    pub evidence: String,
    pub measured: bool,
    pub late: bool,
    pub version: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "rollout.html")]
pub struct RolloutPage {
    shell: Shell,
    tracks: Vec<TrackHead>,
    rows: Vec<RowView>,
    map: String,
    late: Vec<(String, Vec<String>)>,
    label: Vec<String>,
    label_rule: String,
    /// One province's milestones, when one is chosen.
    province: Option<(String, String)>,
    milestones: Vec<MilestoneView>,
    can_declare: bool,
    errors: Vec<String>,
    statuses: Vec<(String, String)>,
}

fn title(t: Tr, ar: &str, fr: &str) -> String {
    if t.lang == Lang::Ar {
        ar.to_owned()
    } else {
        fr.to_owned()
    }
}

fn row_view(state: &AppState, t: Tr, r: &ProvinceRow) -> RowView {
    RowView {
        code: r.territory.clone(),
        name: place_name(state, t, &r.territory),
        wave: r.wave.map(|w| w.to_string()).unwrap_or_else(|| "–".into()),
        percent: r.percent_done,
        cells: r
            .tracks
            .iter()
            .map(|(_, s, cells)| {
                (
                    status_mark(*s).to_owned(),
                    t.get(&format!("rollout-status-{}", s.code())),
                    cells.iter().any(|c| c.late),
                )
            })
            .collect(),
        label: r.label,
    }
}

fn milestones(t: Tr, board: &Board, row: &ProvinceRow) -> Vec<MilestoneView> {
    let mut out = Vec::new();
    for (track, (_, _, cells)) in board.tracks.tracks.iter().zip(&row.tracks) {
        for (m, c) in track.milestones.iter().zip(cells) {
            out.push(MilestoneView {
                code: m.code.clone(),
                track: title(t, &track.title_ar, &track.title_fr),
                title: title(t, &m.title_ar, &m.title_fr),
                status: t.get(&format!("rollout-status-{}", c.status.code())),
                status_code: c.status.code().to_owned(),
                planned: c.planned.clone().unwrap_or_default(),
                on: c.on.clone().unwrap_or_default(),
                evidence: c.evidence.clone(),
                measured: c.measured,
                late: c.late,
                version: c.version.map(|v| v.to_string()).unwrap_or_default(),
            });
        }
    }
    out
}

async fn page(
    state: &AppState,
    shell: Shell,
    permit: &awladna_core::Permit<act::ReadRollout>,
    chosen: Option<&str>,
    errors: Vec<String>,
) -> Result<RolloutPage, AppError> {
    let t = shell.t;
    let board = use_case::board(state, permit, today(state)).await?;
    let chosen = chosen
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .or_else(|| permit.actor().territory.clone());
    let row = match &chosen {
        Some(code) => Some(
            board
                .rows
                .iter()
                .find(|r| &r.territory == code)
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let late = board
        .tracks
        .tracks
        .iter()
        .enumerate()
        .map(|(i, track)| {
            let names = board
                .rows
                .iter()
                .filter(|r| {
                    r.tracks
                        .get(i)
                        .is_some_and(|(_, _, c)| c.iter().any(|c| c.late))
                })
                .map(|r| place_name(state, t, &r.territory))
                .collect();
            (title(t, &track.title_ar, &track.title_fr), names)
        })
        .filter(|(_, names): &(String, Vec<String>)| !names.is_empty())
        .collect();
    Ok(RolloutPage {
        tracks: board
            .tracks
            .tracks
            .iter()
            .map(|tr| TrackHead {
                code: tr.code.clone(),
                title: title(t, &tr.title_ar, &tr.title_fr),
            })
            .collect(),
        rows: board.rows.iter().map(|r| row_view(state, t, r)).collect(),
        map: map::draw(state, t, &board.rows),
        late,
        label: board
            .rows
            .iter()
            .filter(|r| r.label)
            .map(|r| place_name(state, t, &r.territory))
            .collect(),
        label_rule: t.with(
            "rollout-label-rule",
            &[(
                "percent",
                i64::from(board.tracks.excellence.min_percent_done),
            )],
        ),
        province: row.map(|r| (r.territory.clone(), place_name(state, t, &r.territory))),
        milestones: row.map(|r| milestones(t, &board, r)).unwrap_or_default(),
        can_declare: chosen.as_deref().is_some_and(|c| {
            decide(Some(permit.actor()), Action::KeepRollout, Some(c)) == Decision::Allow
        }),
        errors,
        statuses: Status::ALL
            .iter()
            .map(|s| {
                (
                    s.code().to_owned(),
                    t.get(&format!("rollout-status-{}", s.code())),
                )
            })
            .collect(),
        shell,
    })
}

pub async fn rollout(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::ReadRollout>,
    Query(scope): Query<Scope>,
) -> Result<Response, AppError> {
    Ok(page(
        &state,
        shell,
        &permit,
        scope.territory.as_deref(),
        Vec::new(),
    )
    .await?
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeclareForm {
    #[serde(rename = "_version")]
    version: String,
    #[serde(flatten)]
    declaration: DeclarationInput,
}

pub async fn declare(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::KeepRollout>,
    Path((territory, milestone)): Path<(String, String)>,
    axum::Form(form): axum::Form<DeclareForm>,
) -> Result<Response, AppError> {
    match use_case::declare(
        &state,
        &permit,
        &territory,
        &milestone,
        &form.declaration,
        version(&form.version),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/rollout?territory={territory}")).into_response()),
        Err(CoreError::Invalid(errors)) => {
            let reader = permit.also::<act::ReadRollout>()?;
            let errors = problems(shell.t, &errors);
            let shell = shell.at(format!("/rollout?territory={territory}"));
            Ok(page(&state, shell, &reader, Some(&territory), errors)
                .await?
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
