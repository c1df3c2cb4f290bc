//! A schematic map of Morocco's provinces, drawn by the server as SVG. No province
//! outlines under an open licence could be had offline, so this is a tile-free
//! cartogram: one row per region (north to south, as the HCP codes run), one square per
//! province, coloured by the share of its milestones done. It says so under it.

use crate::i18n::Tr;
use crate::state::AppState;
use crate::training::place_name;
use awladna_core::rollout::ProvinceRow;
use std::fmt::Write;

const SQUARE: u32 = 34;
const GAP: u32 = 4;
const PER_LINE: u32 = 9;
const LABEL: u32 = 120;

/// Calm greens, light to dark, for 0-24, 25-49, 50-74, 75-99 and 100 % done.
pub const SHADES: [&str; 5] = ["#ece6d6", "#cfdcb2", "#9cbf86", "#5e9468", "#2f6440"];

pub fn shade(percent: u32) -> &'static str {
    match percent {
        100.. => SHADES[4],
        75..=99 => SHADES[3],
        50..=74 => SHADES[2],
        25..=49 => SHADES[1],
        _ => SHADES[0],
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn draw(state: &AppState, t: Tr, rows: &[ProvinceRow]) -> String {
    let rtl = t.lang.is_rtl();
    // Regions in their code order, each with its provinces.
    let mut regions: Vec<(String, Vec<&ProvinceRow>)> = Vec::new();
    for r in rows {
        let region = state
            .reference
            .territory(&r.territory)
            .and_then(|p| p.parent_code.clone())
            .unwrap_or_default();
        // A prefecture d'arrondissements sits under its prefecture: walk up to the region.
        let region = state
            .reference
            .territory(&region)
            .and_then(|p| {
                if p.kind.hosts_mechanism() {
                    p.parent_code.clone()
                } else {
                    None
                }
            })
            .unwrap_or(region);
        match regions.iter_mut().find(|(code, _)| *code == region) {
            Some((_, list)) => list.push(r),
            None => regions.push((region, vec![r])),
        }
    }
    let width = LABEL + PER_LINE * (SQUARE + GAP);
    let mut y = 4;
    let mut body = String::new();
    for (region, list) in &regions {
        let lines = (list.len() as u32).div_ceil(PER_LINE).max(1);
        let name = escape(&place_name(state, t, region));
        let (label_x, anchor) = if rtl {
            (width - 4, "end")
        } else {
            (4, "start")
        };
        let _ = write!(
            body,
            r#"<text x="{label_x}" y="{}" font-size="11" text-anchor="{anchor}">{name}</text>"#,
            y + SQUARE / 2 + 4
        );
        for (i, r) in list.iter().enumerate() {
            let i = i as u32;
            let col = i % PER_LINE;
            let line = i / PER_LINE;
            let x = if rtl {
                width - LABEL - (col + 1) * (SQUARE + GAP)
            } else {
                LABEL + col * (SQUARE + GAP)
            };
            let top = y + line * (SQUARE + GAP);
            let name = escape(&place_name(state, t, &r.territory));
            let fill = shade(r.percent_done);
            let ink = if r.percent_done >= 75 { "#fff" } else { "#222" };
            let _ = write!(
                body,
                r##"<a href="/rollout?territory={code}"><rect x="{x}" y="{top}" width="{SQUARE}" height="{SQUARE}" rx="3" fill="{fill}" stroke="#777" stroke-width="0.5"><title>{name}: {p}%</title></rect><text x="{cx}" y="{cy}" font-size="10" text-anchor="middle" fill="{ink}">{p}</text></a>"##,
                code = r.territory,
                p = r.percent_done,
                cx = x + SQUARE / 2,
                cy = top + SQUARE / 2 + 4,
            );
        }
        y += lines * (SQUARE + GAP) + 6;
    }
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {y}" width="100%" role="img" aria-labelledby="rollout-map-title"><title id="rollout-map-title">{}</title>{body}</svg>"#,
        escape(&t.get("rollout-map-title"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shades_follow_the_share_done() {
        assert_eq!(shade(0), SHADES[0]);
        assert_eq!(shade(50), SHADES[2]);
        assert_eq!(shade(100), SHADES[4]);
        assert_eq!(escape("<a&\">"), "&lt;a&amp;&quot;&gt;");
    }
}
