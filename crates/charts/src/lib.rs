//! Awladna's statistics charts, drawn on the server as SVG strings that the dashboards embed
//! inline in their HTML. What the drawing must get right, and why:
//!
//! - **the page's CSP holds**: no script, no `style` attribute; colours and sizes are
//!   presentation attributes (which a stylesheet may still override through the `chart-…`
//!   classes), so a chart looks right with no CSS at all;
//! - **it is accessible**: the SVG is one image (`role="img"`) named by its `<title>` and
//!   described by a `<desc>` that lists the numbers; the page puts the same numbers in a
//!   table under the chart, so there are no tooltips;
//! - **right to left**: in Arabic, bars grow from the right and labels, legend and title start
//!   on the right; a trend's time still runs left to right, as in Morocco's official
//!   publications;
//! - **a phone**: the drawing is [`WIDTH`] units wide and scales with the page (`width="100%"`),
//!   so 15-unit labels still read at about 12 px on a 360-px screen;
//! - **any input**: labels come from users' vocabularies, so every text is XML-escaped and
//!   stripped of characters XML forbids; long labels are cut with an ellipsis (the whole label
//!   stays in a `<title>` child); no data, zeros, suppressed values, infinities and NaN all
//!   draw a frame whose numbers are finite.
//!
//! The crate does no IO and knows nothing of children or cases, only of labelled numbers.

mod axis;
mod bars;
mod columns;
mod svg;
mod trend;

pub use svg::WIDTH;

/// The chart's writing direction: the page's language's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Arabic: labels start on the right, bars grow leftwards.
    Rtl,
    /// French, English.
    Ltr,
}

/// One value to draw; `None` = not shown (a suppressed small count "<5"): draw no bar, but
/// write the `missing` label (e.g. "<5") where the bar would be. A value that is not finite
/// is drawn as `None`; a negative one as a bar of no length (the charts count things).
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
}

/// A named list of points, e.g. new reports per month.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<Point>,
}

/// What every chart needs besides its data.
pub struct Chart<'a> {
    /// Prefix of the ids inside the SVG (`{id}-title`, `{id}-desc`): unique on the page.
    /// Characters other than ASCII letters, digits, `-` and `_` become `-`.
    pub id: &'a str,
    /// Drawn at the top and read out as the image's name.
    pub title: &'a str,
    pub direction: Direction,
    /// Written where a suppressed value would be drawn, e.g. "<5".
    pub missing: &'a str,
    /// Formats a value for the axis and the bar ends (the page passes a locale-aware formatter).
    pub format: &'a dyn Fn(f64) -> String,
}

/// Horizontal bars (breakdowns: forms of violence, age bands, sex, source, stage, sector…):
/// one bar per point, label at the inline start (right in RTL), value at the bar's end. Bars
/// grow from the inline-start side (right to left in RTL).
///
/// Each label is written on its own line above its bar, so that a phone gives the label and
/// the bar the whole width instead of sharing it.
pub fn bars(chart: &Chart, points: &[Point]) -> String {
    bars::draw(chart, points)
}

/// Monthly trend over 12 or 24 months: one or two series (e.g. new reports and new cases) as
/// lines with dots, a legend, a y axis with 4-5 nice ticks starting at 0, x labels for months
/// (thinned out when crowded: at most 8 labels). Time runs left to right even in Arabic, but
/// the legend and title are placed at the inline start. The labels are those of the longest
/// series; a suppressed month breaks its line and shows a hollow marker on the zero line,
/// which the legend explains with the `missing` label.
pub fn trend(chart: &Chart, series: &[Series]) -> String {
    trend::draw(chart, series)
}

/// Grouped columns for a small comparison, e.g. per province (x) with one or two series. The
/// groups are the longest series' labels, from the inline start (the right in RTL), as is the
/// y axis; a column's value is written on top when every value fits a column's width.
pub fn columns(chart: &Chart, series: &[Series]) -> String {
    columns::draw(chart, series)
}

/// The value to draw, if any: infinities and NaN are treated as not shown.
fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite())
}

/// The text read out by screen readers: every label with its value, series by series.
fn describe(chart: &Chart, series: &[(&str, &[Point])]) -> String {
    let list = |points: &[Point]| {
        points
            .iter()
            .map(|p| match finite(p.value) {
                Some(v) => format!("{}: {}", p.label, (chart.format)(v)),
                None => format!("{}: {}", p.label, chart.missing),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    series
        .iter()
        .map(|(name, points)| {
            if name.is_empty() {
                list(points)
            } else {
                format!("{name} — {}", list(points))
            }
        })
        .collect::<Vec<_>>()
        .join(". ")
}
