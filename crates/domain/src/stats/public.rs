//! The public statistics page (issue 19 §3): which province rows of a region may be
//! published beside the region's total. Each table is suppressed as an export is; this
//! only withholds more, never less, so what the suppression guaranteed still holds.

use super::{Figure, Shown};

/// One published count and its rate per 1,000 children.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Published {
    pub value: Shown,
    pub rate: Option<f64>,
}

impl Published {
    pub const HIDDEN: Published = Published {
        value: Shown::Hidden,
        rate: None,
    };

    /// The row of `code` in a one-dimension figure; a place without a row counted 0.
    pub fn of(fig: &Figure, code: &str) -> Published {
        match fig.row(code) {
            Some(r) => Published {
                value: r.value,
                rate: r.rate,
            },
            None => Published {
                value: Shown::Value(0.0),
                rate: Some(0.0),
            },
        }
    }
}

/// The rows of the provinces that chose to be shown, from a region's figure by
/// province (suppressed), when the region's total is published beside them:
/// - a figure that hid its own total while the region's is published elsewhere has its
///   rows withheld (its suppression counted on that total being hidden);
/// - when a single province of the region would remain unpublished (it did not choose
///   to be shown), it would follow from the total less the others: the smallest
///   published row is hidden too.
pub fn province_rows(
    by_province: &Figure,
    provinces: &[String],
    shown: &dyn Fn(&str) -> bool,
) -> Vec<(String, Published)> {
    if by_province.total == Shown::Hidden {
        return Vec::new();
    }
    let mut rows: Vec<(String, Published)> = provinces
        .iter()
        .filter(|p| shown(p))
        .map(|p| (p.clone(), Published::of(by_province, p)))
        .collect();
    let withheld = provinces.len() - rows.len();
    let hidden = rows
        .iter()
        .filter(|(_, p)| p.value == Shown::Hidden)
        .count();
    if withheld == 1 && hidden == 0 {
        let smallest = rows
            .iter_mut()
            .min_by(|a, b| {
                let v = |p: &Published| p.value.value().unwrap_or(f64::MAX);
                v(&a.1).total_cmp(&v(&b.1))
            })
            .map(|(_, p)| p);
        if let Some(p) = smallest {
            *p = Published::HIDDEN;
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::figure::{Sums, finish};
    use crate::stats::registry;

    fn by_province(counts: &[(&str, f64)]) -> Figure {
        let cases = registry().indicator("cases").expect("cases");
        let sums: Sums = counts
            .iter()
            .map(|(p, n)| (vec![(*p).to_owned()], (*n, 1.0)))
            .collect();
        finish(cases, &["province".to_owned()], sums, None, true, &|_| None)
    }

    fn provinces() -> Vec<String> {
        ["a", "b", "c"].map(str::to_owned).to_vec()
    }

    #[test]
    fn a_single_withheld_province_does_not_follow_from_the_total() {
        // c did not choose: 30 less a's and b's would give it; b (the smallest) is hidden.
        let fig = by_province(&[("a", 20.0), ("b", 7.0), ("c", 3.0)]);
        let rows = province_rows(&fig, &provinces(), &|p| p != "c");
        assert_eq!(rows.len(), 2);
        assert!(
            rows.iter()
                .any(|(p, v)| p == "a" && v.value == Shown::Value(20.0))
        );
        assert!(
            rows.iter()
                .any(|(p, v)| p == "b" && v.value == Shown::Hidden)
        );
    }

    #[test]
    fn a_small_count_stays_hidden_with_its_complement() {
        let fig = by_province(&[("a", 20.0), ("b", 7.0), ("c", 2.0)]);
        let rows = province_rows(&fig, &provinces(), &|_| true);
        let hidden: Vec<&str> = rows
            .iter()
            .filter(|(_, v)| v.value == Shown::Hidden)
            .map(|(p, _)| p.as_str())
            .collect();
        assert!(hidden.contains(&"c") && hidden.len() >= 2, "{hidden:?}");
        assert!(
            rows.iter()
                .all(|(_, v)| v.value != Shown::Hidden || v.rate.is_none())
        );
    }
}
