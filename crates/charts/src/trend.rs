//! A monthly trend: lines with dots over a value axis, time left to right in every language.

use crate::axis::{Scale, ticks};
use crate::svg::{Anchor, Canvas, Key, MUTED, PAD, WIDTH, X_LABEL, text_width};
use crate::{Chart, Point, Series, describe, finite};

const PLOT: f64 = 200.0;
/// At most this many month labels: 24 months get one every three.
const MAX_X_LABELS: usize = 8;
/// A month label longer than this is cut; its half is also the most the plot is inset by.
const MAX_X_LABEL: f64 = 100.0;

pub(crate) fn draw(chart: &Chart, series: &[Series]) -> String {
    let mut canvas = Canvas::new(chart.direction);
    let mut y = canvas.title(chart.title);

    let mut keys: Vec<(Key, &str)> = series
        .iter()
        .enumerate()
        .map(|(i, s)| (Key::Line(i), s.name.as_str()))
        .collect();
    let suppressed = series
        .iter()
        .flat_map(|s| &s.points)
        .any(|p| finite(p.value).is_none());
    if suppressed {
        keys.push((Key::Missing, chart.missing));
    }
    y = canvas.legend(y, &keys);

    let values = series
        .iter()
        .flat_map(|s| &s.points)
        .filter_map(|p| finite(p.value));
    let scale = Scale::new(ticks(values), chart.format);
    // The y axis is on the left, where time starts, in both directions.
    let (left, right) = (PAD + scale.room, WIDTH - PAD);
    let (top, bottom) = (y + 8.0, y + 8.0 + PLOT);
    scale.draw(
        &mut canvas,
        (left, right),
        (top, bottom),
        left - 6.0,
        Anchor::right(chart.direction),
    );

    // The months are the longest series' labels; a shorter series covers the first months.
    let months = series.iter().map(|s| s.points.len()).max().unwrap_or(0);
    let labels = series
        .iter()
        .find(|s| s.points.len() == months)
        .map(|s| &s.points[..])
        .unwrap_or(&[]);
    let width = |p: &Point| text_width(&p.label, X_LABEL.size).min(MAX_X_LABEL);
    let widest = labels.iter().map(width).fold(0.0, f64::max);
    // Inset the first and last months so that their centred labels stay inside the drawing;
    // the first may reach under the axis' numbers, which stand above the month labels.
    let last_inset = labels.last().map_or(0.0, |p| width(p) / 2.0).max(8.0);
    let first_inset = labels
        .first()
        .map_or(0.0, |p| width(p) / 2.0 - scale.room)
        .max(8.0);
    let (first, last) = (left + first_inset, right - last_inset);
    let spacing = if months > 1 {
        (last - first) / (months - 1) as f64
    } else {
        0.0
    };
    let x_at = |i: usize| {
        if months > 1 {
            first + spacing * i as f64
        } else {
            (first + last) / 2.0
        }
    };

    // The latest month is always labelled, then every `step`-th one before it.
    let step = thin(months, widest + 8.0, spacing);
    for i in (0..months).rev().step_by(step) {
        let x = x_at(i);
        canvas.line((x, bottom), (x, bottom + 4.0), MUTED, "chart-x-tick");
        let label = &labels[i].label;
        canvas.text(
            x,
            bottom + 6.0 + X_LABEL.size,
            Anchor::Middle,
            &X_LABEL,
            label,
            MAX_X_LABEL,
        );
    }

    for (index, s) in series.iter().enumerate() {
        // A suppressed month breaks the line: a line through it would show a value.
        let mut run: Vec<(f64, f64)> = Vec::new();
        let mut dots = Vec::new();
        for (i, point) in s.points.iter().enumerate() {
            match finite(point.value) {
                Some(v) => {
                    let dot = (x_at(i), scale.y(v, top, bottom));
                    run.push(dot);
                    dots.push((dot, false));
                }
                None => {
                    flush(&mut canvas, &mut run, index);
                    dots.push(((x_at(i), bottom), true));
                }
            }
        }
        flush(&mut canvas, &mut run, index);
        for ((x, y), hollow) in dots {
            canvas.marker(x, y, index, hollow);
        }
    }

    let named: Vec<(&str, &[_])> = series
        .iter()
        .map(|s| (s.name.as_str(), &s.points[..]))
        .collect();
    let desc = describe(chart, &named);
    canvas.finish(chart, bottom + 6.0 + X_LABEL.size + 4.0 + PAD, &desc)
}

/// Draws the run of points as a line, if it has two, and empties it.
fn flush(canvas: &mut Canvas, run: &mut Vec<(f64, f64)>, series: usize) {
    if run.len() > 1 {
        canvas.polyline(run, series);
    }
    run.clear();
}

/// Every how many months a label is written: at most [`MAX_X_LABELS`] labels, none closer
/// than `room`, and a step that divides a year, so that labels fall on the same months each
/// year (every 3: quarters, every 6: halves).
pub(crate) fn thin(months: usize, room: f64, spacing: f64) -> usize {
    let by_count = months.div_ceil(MAX_X_LABELS);
    let by_width = if spacing > 0.0 {
        (room / spacing).ceil() as usize
    } else {
        1
    };
    let step = by_count.max(by_width).max(1);
    [1, 2, 3, 4, 6, 12]
        .into_iter()
        .find(|s| *s >= step)
        .unwrap_or(step.div_ceil(12) * 12)
}

#[cfg(test)]
mod tests {
    use super::thin;

    #[test]
    fn months_are_thinned_by_count_and_by_width() {
        assert_eq!(thin(24, 30.0, 14.0), 3);
        assert_eq!(thin(12, 30.0, 29.0), 2);
        assert_eq!(thin(8, 20.0, 40.0), 1);
        assert_eq!(thin(24, 70.0, 14.0), 6);
        assert_eq!(thin(24, 100.0, 14.0), 12);
        assert_eq!(thin(48, 400.0, 7.0), 60);
        assert_eq!(thin(1, 30.0, 0.0), 1);
        assert_eq!(thin(0, 30.0, 0.0), 1);
    }
}
