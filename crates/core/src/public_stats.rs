//! The public statistics page (issue 19 §3): the national and regional figures of the
//! last complete calendar year, suppressed as every export is, and the rows of the
//! provinces that chose to be shown. Read without an account, so nothing is audited
//! on reading; each province's choice is a use case of its own, audited.

use crate::permit::act;
use crate::stats::{StatsError, figure, indicator, scope};
use crate::{Core, CoreError, Permit};
use awladna_domain::stats::public::{Published, province_rows};
use awladna_domain::stats::{Figure, NATION, Period, Shown, month_of, year_of};
use awladna_domain::territory::TerritoryKind;
use serde_json::json;

/// The counts published for every place, with their rates per 1,000 children.
pub const COUNTS: [&str; 2] = ["reports", "cases"];
/// The breakdowns of cases published for the nation and each region.
pub const BREAKDOWNS: [&str; 3] = ["concern", "age_band", "sex"];

/// One place's counts, in `COUNTS`' order.
#[derive(Debug, Clone)]
pub struct Place {
    pub code: String,
    pub counts: Vec<Published>,
}

/// A region: its counts, its shown provinces', and its cases broken down.
#[derive(Debug, Clone)]
pub struct Region {
    pub place: Place,
    pub provinces: Vec<Place>,
    /// In `BREAKDOWNS`' order; a breakdown whose total had to be hidden is left out.
    pub breakdowns: Vec<Figure>,
}

#[derive(Debug, Clone)]
pub struct PublicFigures {
    /// The last complete calendar year.
    pub year: i64,
    pub nation: Place,
    pub national_breakdowns: Vec<Figure>,
    pub regions: Vec<Region>,
}

/// The figures of the last complete calendar year, every table suppressed.
pub async fn public_figures(core: &Core) -> Result<PublicFigures, StatsError> {
    let year = year_of(&month_of(core.now_ms())) - 1;
    let period =
        Period::parse(&format!("{year}-01"), &format!("{year}-12")).ok_or(StatsError::BadPeriod)?;
    let nation = scope(core, NATION).ok_or(StatsError::UnknownTerritory)?;
    let shown = core.store.public_provinces().await?;
    let by = |d: &str| vec![d.to_owned()];
    let mut by_region = Vec::new();
    for code in COUNTS {
        by_region.push(
            figure(
                core,
                indicator(code)?,
                &nation,
                &period,
                &by("region"),
                true,
            )
            .await?,
        );
    }
    let place_of = |code: &str, figs: &[Figure]| Place {
        code: code.to_owned(),
        counts: figs.iter().map(|f| Published::of(f, code)).collect(),
    };
    let national = Place {
        code: NATION.to_owned(),
        counts: by_region
            .iter()
            .map(|f| Published {
                value: f.total,
                rate: f.total_rate,
            })
            .collect(),
    };
    let cases = indicator("cases")?;
    let mut national_breakdowns = Vec::new();
    for d in BREAKDOWNS {
        national_breakdowns.push(figure(core, cases, &nation, &period, &by(d), true).await?);
    }
    let mut regions = Vec::new();
    let mut region_codes: Vec<&str> = core
        .reference
        .territories()
        .iter()
        .filter(|t| t.kind == TerritoryKind::Region)
        .map(|t| t.code.as_str())
        .collect();
    region_codes.sort_unstable();
    for code in region_codes {
        let region = scope(core, code).ok_or(StatsError::UnknownTerritory)?;
        let provinces = region.provinces(&core.reference);
        let place = place_of(code, &by_region);
        // Each count's province rows, withheld as `province_rows` says.
        let mut rows: Vec<Vec<(String, Published)>> = Vec::new();
        for c in COUNTS {
            let fig = figure(core, indicator(c)?, &region, &period, &by("province"), true).await?;
            rows.push(province_rows(&fig, &provinces, &|p| {
                shown.iter().any(|s| s == p)
            }));
        }
        let provinces = provinces
            .iter()
            .filter_map(|p| {
                let counts: Option<Vec<Published>> = rows
                    .iter()
                    .map(|r| r.iter().find(|(c, _)| c == p).map(|(_, v)| *v))
                    .collect();
                counts.map(|counts| Place {
                    code: p.clone(),
                    counts,
                })
            })
            .collect();
        let mut breakdowns = Vec::new();
        for d in BREAKDOWNS {
            let fig = figure(core, cases, &region, &period, &by(d), true).await?;
            // A total hidden here but published as the region's would undo the table's
            // suppression (multi-valued breakdowns publish no total: always kept).
            let additive = d != "concern";
            if !(additive && fig.total == Shown::Hidden) {
                breakdowns.push(fig);
            }
        }
        regions.push(Region {
            place,
            provinces,
            breakdowns,
        });
    }
    Ok(PublicFigures {
        year,
        nation: national,
        national_breakdowns,
        regions,
    })
}

/// Whether the provinces that chose to be shown include `province`.
pub async fn is_shown(core: &Core, province: &str) -> Result<bool, CoreError> {
    Ok(core
        .store
        .public_provinces()
        .await?
        .iter()
        .any(|p| p == province))
}

/// A province's choice to show its own figures on the public page, or not: its
/// coordinator's or administrator's, for their own province only.
pub async fn choose(
    core: &Core,
    permit: &Permit<act::PublishProvinceFigures>,
    province: &str,
    shown: bool,
) -> Result<(), CoreError> {
    match core.reference.territory(province) {
        Some(t) if t.kind.hosts_mechanism() => {}
        _ => return Err(CoreError::NotFound),
    }
    // The province decides for itself: the actor's own province, not one it covers.
    if permit.actor().territory.as_deref() != Some(province) {
        return Err(CoreError::NotFound);
    }
    permit.on(province)?;
    let who = permit.who();
    let now = core.now_ms();
    let mut tx = core.store.begin().await?;
    tx.put_public_province(province, shown, &who.audit_name, now)
        .await?;
    tx.audit(who.audit(
        now,
        "stats.public_choice",
        ("territory", province),
        province,
        json!({"shown": shown}),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}
