//! Horizontal bars: each point's label on its own line, its bar under it growing from the
//! inline start, and its value just past the bar's end.

use crate::svg::{Anchor, Canvas, GRID, INNER, LABEL, MISSING, N, PAD, VALUE, colour, text_width};
use crate::{Chart, Point, describe, finite};

const BAR: f64 = 18.0;
/// Label line, gap, bar, gap.
const ROW: f64 = LABEL.size + 6.0 + BAR + 12.0;

pub(crate) fn draw(chart: &Chart, points: &[Point]) -> String {
    let mut canvas = Canvas::new(chart.direction);
    let mut y = canvas.title(chart.title);

    let values: Vec<Option<f64>> = points.iter().map(|p| finite(p.value)).collect();
    let texts: Vec<String> = values
        .iter()
        .map(|v| match v {
            Some(v) => (chart.format)(*v),
            None => chart.missing.to_string(),
        })
        .collect();
    // The longest bar leaves room for the widest value after it, but a formatter's long
    // output cannot take more than half the width.
    let value_room = texts
        .iter()
        .map(|t| text_width(t, VALUE.size))
        .fold(0.0, f64::max)
        .min(INNER / 2.0);
    let length = INNER - value_room - 6.0;
    let max = values.iter().flatten().fold(0.0, |a: f64, b| a.max(*b));

    if points.is_empty() {
        canvas.put(format_args!(
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{GRID}" class="chart-frame"/>"#,
            N(PAD),
            N(y),
            N(INNER),
            N(ROW),
        ));
        y += ROW;
    }
    for ((point, value), text) in points.iter().zip(&values).zip(&texts) {
        let start = canvas.along(0.0);
        canvas.text(
            start,
            y + LABEL.size,
            Anchor::Start,
            &LABEL,
            &point.label,
            INNER,
        );
        let bar_top = y + LABEL.size + 6.0;
        let baseline = bar_top + BAR / 2.0 + VALUE.size * 0.35;
        match value {
            Some(v) => {
                let bar = if max > 0.0 {
                    v.max(0.0) / max * length
                } else {
                    0.0
                };
                if bar > 0.0 {
                    let left = canvas.span_left(0.0, bar);
                    canvas.rect(left, bar_top, bar, BAR, colour(0), "chart-bar");
                }
                let x = canvas.along(bar + 6.0);
                canvas.text(x, baseline, Anchor::Start, &VALUE, text, value_room);
            }
            None => canvas.text(start, baseline, Anchor::Start, &MISSING, text, INNER),
        }
        y += ROW;
    }
    let desc = describe(chart, &[("", points)]);
    canvas.finish(chart, y - 12.0 + PAD, &desc)
}
