//! The action plan's timeline, drawn on the server as SVG (no script): one bar per
//! action across the plan's years, filled as far as its progress, coloured by its state.
//! Time runs left to right even in Arabic, as on every chart of the application.

use awladna_core::action_plans::Plan;
use jiff::civil::Date;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The timeline of `plan`'s actions, titled `title`.
pub fn draw(plan: &Plan, title: &str) -> String {
    let (first, last) = (plan.record.first_year as i16, plan.record.last_year as i16);
    let start = Date::new(first, 1, 1).unwrap_or_default();
    let end = Date::new(last, 12, 31).unwrap_or_default();
    let span = (end - start).get_days().max(1) as f64;
    let width = 320.0;
    let (left, row) = (8.0, 34.0);
    let inner = width - 2.0 * left;
    let x = |d: &str| -> f64 {
        let d = d.parse::<Date>().unwrap_or(start).clamp(start, end);
        left + inner * (d - start).get_days() as f64 / span
    };
    let actions: Vec<_> = plan
        .doc
        .actions()
        .filter_map(|a| plan.actions.get(&a.key))
        .collect();
    let height = 28.0 + row * actions.len() as f64;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="gantt-title" direction="ltr"><title id="gantt-title">{}</title>"#,
        escape(title)
    );
    for year in first..=last {
        let at = x(&format!("{year}-01-01"));
        svg.push_str(&format!(
            r##"<line x1="{at:.1}" y1="14" x2="{at:.1}" y2="{height}" stroke="#ccc"/><text x="{:.1}" y="11" font-size="10">{year}</text>"##,
            at + 2.0
        ));
    }
    for (i, line) in actions.iter().enumerate() {
        let y = 22.0 + row * i as f64;
        let (x1, x2) = (x(&line.action.start), x(&line.action.end));
        let w = (x2 - x1).max(2.0);
        let done = w * line.percent.clamp(0, 100) as f64 / 100.0;
        let colour = match line.state.code() {
            "done" => "#2e7d32",
            "late" => "#c62828",
            "in_progress" => "#1565c0",
            _ => "#757575",
        };
        svg.push_str(&format!(
            r##"<g><title>{} ({}%)</title><text x="{left}" y="{:.1}" font-size="10">{}</text><rect x="{x1:.1}" y="{:.1}" width="{w:.1}" height="10" fill="#e0e0e0"/><rect x="{x1:.1}" y="{:.1}" width="{done:.1}" height="10" fill="{colour}"/></g>"##,
            escape(&line.action.title),
            line.percent,
            y + 8.0,
            escape(&line.action.title),
            y + 12.0,
            y + 12.0,
        ));
    }
    svg.push_str("</svg>");
    svg
}
