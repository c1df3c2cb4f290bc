//! The value axis of trends and columns: nice ticks from 0, and the grid lines with their
//! numbers.

use crate::svg::{Anchor, Canvas, GRID, INK, INNER, TICK, text_width};

/// Ticks from 0 to at least `values`' largest, 1, 2, 2.5 or 5 times a power of ten apart:
/// 4 or 5 of them (0, 250, 500, 750, 1000), 6 when small counts need steps of 2. Counts
/// (all values whole) never get fractional ticks, and no data or only zeros get 0 to 3.
pub(crate) fn ticks(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut max: f64 = 0.0;
    let mut whole = true;
    for v in values.filter(|v| v.is_finite()) {
        max = max.max(v);
        whole &= v.fract() == 0.0;
    }
    // Past 1e300 the top tick could overflow to infinity; such values are drawn at the top.
    let max = if max > 0.0 { max.min(1e300) } else { 1.0 };
    // Aim at 4 intervals: the step is the smallest nice number at least a quarter of the
    // largest value. Each nice number is at most twice the one before, so it makes 3 or 4.
    let raw = max / 4.0;
    let mut exp = raw.log10().floor() as i32;
    let norm = raw / 10f64.powi(exp);
    let mut k = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|k| norm <= k * (1.0 + 1e-9))
        .unwrap_or(10.0);
    if k == 10.0 {
        k = 1.0;
        exp += 1;
    }
    if whole && exp < 0 {
        (k, exp) = (1.0, 0);
    }
    if whole && exp == 0 && k == 2.5 {
        k = 2.0;
    }
    let step = k * 10f64.powi(exp);
    let intervals = ((max / step) * (1.0 - 1e-9))
        .ceil()
        .max(if whole { 3.0 } else { 1.0 });
    // Each tick is computed from whole numbers of the step's unit, so that 0.1 × 3 is 0.3
    // and not 0.30000000000000004 on the axis.
    (0..=intervals as u32)
        .map(|i| {
            let units = f64::from(i) * k;
            if exp >= 0 {
                units * 10f64.powi(exp)
            } else {
                units / 10f64.powi(-exp)
            }
        })
        .collect()
}

/// Where the ticks' numbers go, beside the plot: their width, and the x and anchor that
/// line them up against the plot.
pub(crate) struct Scale {
    pub ticks: Vec<f64>,
    pub labels: Vec<String>,
    /// The room the numbers take beside the plot, with their gap.
    pub room: f64,
}

impl Scale {
    pub fn new(ticks: Vec<f64>, format: &dyn Fn(f64) -> String) -> Scale {
        let labels: Vec<String> = ticks.iter().map(|t| format(*t)).collect();
        let widest = labels
            .iter()
            .map(|l| text_width(l, TICK.size))
            .fold(0.0, f64::max);
        // A formatter's long output must not squeeze the plot away.
        let room = widest.min(INNER / 4.0) + 6.0;
        Scale {
            ticks,
            labels,
            room,
        }
    }

    pub fn top(&self) -> f64 {
        self.ticks
            .last()
            .copied()
            .unwrap_or(1.0)
            .max(f64::MIN_POSITIVE)
    }

    /// The y of `value` on a plot from `top` to `bottom`.
    pub fn y(&self, value: f64, top: f64, bottom: f64) -> f64 {
        bottom - (value.max(0.0) / self.top()).min(1.0) * (bottom - top)
    }

    /// Grid lines across `left`..`right`, the zero line darker, each number at `label_x`.
    pub fn draw(
        &self,
        canvas: &mut Canvas,
        (left, right): (f64, f64),
        (top, bottom): (f64, f64),
        label_x: f64,
        anchor: Anchor,
    ) {
        for (tick, label) in self.ticks.iter().zip(&self.labels) {
            let y = self.y(*tick, top, bottom);
            let (stroke, class) = if *tick == 0.0 {
                (INK, "chart-zero")
            } else {
                (GRID, "chart-grid")
            };
            canvas.line((left, y), (right, y), stroke, class);
            let max = self.room - 6.0;
            canvas.text(label_x, y + TICK.size * 0.35, anchor, &TICK, label, max);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ticks;

    fn of(values: &[f64]) -> Vec<f64> {
        ticks(values.iter().copied())
    }

    #[test]
    fn known_axes() {
        assert_eq!(of(&[1000.0]), [0.0, 250.0, 500.0, 750.0, 1000.0]);
        assert_eq!(of(&[1001.0]), [0.0, 500.0, 1000.0, 1500.0]);
        assert_eq!(of(&[37.0, 12.0]), [0.0, 10.0, 20.0, 30.0, 40.0]);
        assert_eq!(of(&[0.3]), [0.0, 0.1, 0.2, 0.3]);
        assert_eq!(of(&[0.7]), [0.0, 0.2, 0.4, 0.6, 0.8]);
        assert_eq!(
            of(&[1_234_567.0]),
            [0.0, 500_000.0, 1_000_000.0, 1_500_000.0]
        );
        // Small counts: whole steps, at least 0 to 3.
        assert_eq!(of(&[1.0]), [0.0, 1.0, 2.0, 3.0]);
        assert_eq!(of(&[10.0]), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        // Nothing to show, or nothing but zeros or negatives.
        assert_eq!(of(&[]), [0.0, 1.0, 2.0, 3.0]);
        assert_eq!(of(&[0.0, 0.0]), [0.0, 1.0, 2.0, 3.0]);
        assert_eq!(of(&[-5.0, f64::NAN]), [0.0, 1.0, 2.0, 3.0]);
    }

    #[test]
    fn every_axis_is_nice() {
        let mut max: f64 = 0.013;
        while max < 1e13 {
            for values in [vec![max], vec![max.round()]] {
                let t = of(&values);
                let top = *t.last().unwrap();
                let step = t[1];
                assert_eq!(t[0], 0.0);
                assert!(top >= values[0], "{values:?} {t:?}");
                assert!(
                    (4..=5).contains(&t.len()) || (t.len() == 6 && step == 2.0),
                    "{values:?} {t:?}"
                );
                // The step is 1, 2, 2.5 or 5 times a power of ten.
                let mantissa = step / 10f64.powf(step.log10().floor());
                assert!(
                    [1.0, 2.0, 2.5, 5.0]
                        .iter()
                        .any(|m| (mantissa - m).abs() < 1e-9),
                    "{values:?} {t:?}"
                );
                for (i, tick) in t.iter().enumerate() {
                    assert!(tick.is_finite());
                    assert!((tick - step * i as f64).abs() <= step * 1e-9, "{t:?}");
                }
                if values[0].fract() == 0.0 {
                    assert!(t.iter().all(|t| t.fract() == 0.0), "{values:?} {t:?}");
                }
            }
            max *= 1.37;
        }
        assert!(of(&[f64::MAX]).iter().all(|t| t.is_finite()));
    }
}
