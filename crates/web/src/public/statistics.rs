//! `/public/statistics`: the national and regional figures of the last complete year,
//! for anyone, without an account (issue 19 §3). Every table is suppressed as an export
//! is (core's `public_figures`); the page takes no parameter, so nothing asked can
//! change what it publishes. A province's own row appears when it chose so, which its
//! coordinator or administrator sets from the statistics dashboard (`choose`).

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::stats::export::{dimension_name, key_label};
use crate::stats::pages::{rate_text, shown_text};
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use awladna_core::public_stats::{BREAKDOWNS, COUNTS, Place, choose, public_figures};
use awladna_core::stats::indicator;
use awladna_domain::stats::public::Published;
use awladna_domain::stats::{AGE_BANDS, Figure};
use axum::extract::State;
use axum::response::Redirect;
use serde::Deserialize;

pub struct CountView {
    value: String,
    rate: String,
}

pub struct PlaceView {
    name: String,
    counts: Vec<CountView>,
}

pub struct BreakdownView {
    title: String,
    rows: Vec<(String, String)>,
}

pub struct RegionView {
    place: PlaceView,
    provinces: Vec<PlaceView>,
    breakdowns: Vec<BreakdownView>,
}

pub struct DefinitionView {
    name: String,
    text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "public_statistics.html")]
pub struct PublicStatisticsPage {
    shell: Shell,
    year: i64,
    headers: Vec<String>,
    nation: PlaceView,
    national_breakdowns: Vec<BreakdownView>,
    regions: Vec<RegionView>,
    definitions: Vec<DefinitionView>,
}

pub async fn page(
    State(state): State<AppState>,
    shell: Shell,
) -> Result<PublicStatisticsPage, AppError> {
    let f = public_figures(&state).await?;
    let t = shell.t;
    let mut headers = Vec::new();
    let mut definitions = Vec::new();
    for code in COUNTS {
        let i = indicator(code)?;
        headers.push(i.name.get(t.lang).to_owned());
        definitions.push(DefinitionView {
            name: i.name.get(t.lang).to_owned(),
            text: i.definition.get(t.lang).to_owned(),
        });
    }
    for d in BREAKDOWNS {
        definitions.push(DefinitionView {
            name: dimension_name(t, d),
            text: t.get(&format!("pubstats-def-{}", d.replace('_', "-"))),
        });
    }
    let breakdowns = |figs: &[Figure]| figs.iter().map(|f| breakdown(&state, t, f)).collect();
    Ok(PublicStatisticsPage {
        year: f.year,
        nation: place(&state, t, &f.nation),
        national_breakdowns: breakdowns(&f.national_breakdowns),
        regions: f
            .regions
            .iter()
            .map(|r| RegionView {
                place: place(&state, t, &r.place),
                provinces: r.provinces.iter().map(|p| place(&state, t, p)).collect(),
                breakdowns: breakdowns(&r.breakdowns),
            })
            .collect(),
        headers,
        definitions,
        shell,
    })
}

fn place(state: &AppState, t: Tr, p: &Place) -> PlaceView {
    let count = |c: &Published| CountView {
        value: shown_text(c.value),
        rate: c.rate.map(rate_text).unwrap_or_default(),
    };
    PlaceView {
        name: match p.code.as_str() {
            awladna_domain::stats::NATION => t.get("pubstats-nation"),
            code => key_label(state, t, "province", code),
        },
        counts: p.counts.iter().map(count).collect(),
    }
}

/// A breakdown of cases: each code's count, age bands in their order.
fn breakdown(state: &AppState, t: Tr, fig: &Figure) -> BreakdownView {
    let dim = fig.by.first().map(String::as_str).unwrap_or("");
    let mut rows: Vec<_> = fig.rows.iter().collect();
    if dim == "age_band" {
        rows.sort_by_key(|r| AGE_BANDS.iter().position(|b| *b == r.keys[0]).unwrap_or(9));
    }
    BreakdownView {
        title: format!(
            "{} — {}",
            fig.indicator.name.get(t.lang),
            dimension_name(t, dim)
        ),
        rows: rows
            .iter()
            .map(|r| (key_label(state, t, dim, &r.keys[0]), shown_text(r.value)))
            .collect(),
    }
}

#[derive(Deserialize)]
pub struct ChoiceForm {
    #[serde(default)]
    shown: String,
}

/// `POST /stats/public-choice`: the reader's province shows its own figures on the
/// public page (`shown=1`) or stops (`shown=0`). The form is on the statistics
/// dashboard (coordinators) and on the organisations page (administrators).
pub async fn choose_page(
    State(state): State<AppState>,
    Guard(permit): Guard<act::PublishProvinceFigures>,
    axum::Form(form): axum::Form<ChoiceForm>,
) -> Result<Redirect, AppError> {
    let province = permit.actor().territory.clone().unwrap_or_default();
    choose(&state, &permit, &province, form.shown == "1").await?;
    // Back to the page the form was on: administrators have no statistics dashboard.
    let back = match permit
        .actor()
        .has(awladna_domain::access::Role::Coordinator)
    {
        true => "/stats#public-choice",
        false => "/admin/organisations#public-choice",
    };
    Ok(Redirect::to(back))
}

/// Whether `actor`'s province shows its figures publicly, if `actor` decides it.
pub async fn choice_of(
    state: &AppState,
    actor: &awladna_domain::access::Actor,
) -> Result<Option<bool>, AppError> {
    use awladna_domain::access::{Action, Decision, decide};
    let Some(province) = actor.territory.as_deref() else {
        return Ok(None);
    };
    if decide(Some(actor), Action::PublishProvinceFigures, Some(province)) != Decision::Allow {
        return Ok(None);
    }
    Ok(Some(
        awladna_core::public_stats::is_shown(state, province).await?,
    ))
}
