//! Grouped columns: one group per label (a province…), one column per series, groups and
//! the value axis from the inline start.

use crate::axis::{Scale, ticks};
use crate::svg::{
    Anchor, COLUMN_VALUE, Canvas, Key, MISSING, PAD, WIDTH, X_LABEL, colour, text_width,
};
use crate::{Chart, Direction, Series, describe, finite};

const PLOT: f64 = 200.0;
/// Two label lines when labels are staggered.
const X_ROW: f64 = X_LABEL.size + 4.0;

pub(crate) fn draw(chart: &Chart, series: &[Series]) -> String {
    let dir = chart.direction;
    let mut canvas = Canvas::new(dir);
    let mut y = canvas.title(chart.title);
    let keys: Vec<(Key, &str)> = series
        .iter()
        .enumerate()
        .map(|(i, s)| (Key::Column(i), s.name.as_str()))
        .collect();
    y = canvas.legend(y, &keys);

    let values = series
        .iter()
        .flat_map(|s| &s.points)
        .filter_map(|p| finite(p.value));
    let scale = Scale::new(ticks(values), chart.format);
    // The value axis stands at the inline start, where the first group is.
    let (left, right, label_x, anchor) = match dir {
        Direction::Ltr => (
            PAD + scale.room,
            WIDTH - PAD,
            PAD + scale.room - 6.0,
            Anchor::right(dir),
        ),
        Direction::Rtl => (
            PAD,
            WIDTH - PAD - scale.room,
            WIDTH - PAD - scale.room + 6.0,
            Anchor::left(dir),
        ),
    };
    let (top, bottom) = (y + 8.0, y + 8.0 + PLOT);
    scale.draw(&mut canvas, (left, right), (top, bottom), label_x, anchor);

    let groups = series.iter().map(|s| s.points.len()).max().unwrap_or(0);
    let labels = series
        .iter()
        .find(|s| s.points.len() == groups)
        .map(|s| &s.points[..])
        .unwrap_or(&[]);
    let group = (right - left) / groups.max(1) as f64;
    let count = series.len().max(1) as f64;
    // A fifth of each group separates it from the next; columns of a group touch.
    let column = (group * 0.8 / count).min(40.0);
    let centre = |i: usize| match dir {
        Direction::Ltr => left + group * (i as f64 + 0.5),
        Direction::Rtl => right - group * (i as f64 + 0.5),
    };
    // The left edge of series `j`'s column in group `i`: series from the inline start too.
    let column_left = |i: usize, j: usize| match dir {
        Direction::Ltr => centre(i) - column * count / 2.0 + column * j as f64,
        Direction::Rtl => centre(i) + column * count / 2.0 - column * (j as f64 + 1.0),
    };

    // Values on top of the columns only when every one fits a column: otherwise the axis
    // and the table under the chart give them.
    let texts: Vec<Vec<Option<String>>> = series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .map(|p| finite(p.value).map(|v| (chart.format)(v)))
                .collect()
        })
        .collect();
    let show_values = texts
        .iter()
        .flatten()
        .flatten()
        .all(|t| text_width(t, COLUMN_VALUE.size) <= column + 4.0);

    for (j, (s, texts)) in series.iter().zip(&texts).enumerate() {
        for (i, (point, text)) in s.points.iter().zip(texts).enumerate() {
            let x = column_left(i, j);
            let middle = x + column / 2.0;
            match (finite(point.value), text) {
                (Some(v), Some(text)) => {
                    let y = scale.y(v, top, bottom);
                    // A hair of background between a group's columns: blue and orange
                    // differ in hue far more than in lightness.
                    if bottom - y > 0.0 {
                        let (x, w) = (x + 0.5, column - 1.0);
                        canvas.rect(x, y, w, bottom - y, colour(j), "chart-column");
                    }
                    if show_values {
                        canvas.text(
                            middle,
                            y - 4.0,
                            Anchor::Middle,
                            &COLUMN_VALUE,
                            text,
                            column + 4.0,
                        );
                    }
                }
                _ => {
                    canvas.text(
                        middle,
                        bottom - 6.0,
                        Anchor::Middle,
                        &MISSING,
                        chart.missing,
                        group,
                    );
                }
            }
        }
    }

    // Labels that do not fit their group alternate on two lines, which doubles their room.
    let room = group - 4.0;
    let stagger = groups > 1
        && labels
            .iter()
            .any(|p| text_width(&p.label, X_LABEL.size) > room);
    for (i, point) in labels.iter().enumerate() {
        let line = if stagger { (i % 2) as f64 } else { 0.0 };
        let max = if stagger { 2.0 * group - 8.0 } else { room };
        let y = bottom + 4.0 + X_LABEL.size + line * X_ROW;
        canvas.text(centre(i), y, Anchor::Middle, &X_LABEL, &point.label, max);
    }

    let named: Vec<(&str, &[_])> = series
        .iter()
        .map(|s| (s.name.as_str(), &s.points[..]))
        .collect();
    let desc = describe(chart, &named);
    let lines = if stagger { 2.0 } else { 1.0 };
    canvas.finish(chart, bottom + 4.0 + lines * X_ROW + PAD, &desc)
}
