//! Trends: a monthly series over any period, the same months of the year before beside
//! it, and the change in percent, said to be too small to read when either side counts
//! fewer than 20 (a change from 3 to 6 is "+100%" and says nothing).

use super::{Period, Shown, year_of};

/// Below this count on either side, a change in percent is not read as a trend.
pub const SMALL_FOR_TREND: f64 = 20.0;

/// The same months one year earlier.
pub fn year_before(period: &Period) -> Option<Period> {
    let back = |m: &str| format!("{:04}-{}", year_of(m) - 1, &m[5..]);
    Period::parse(&back(&period.from), &back(&period.to))
}

/// One value against the year before.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    pub now: Shown,
    pub before: Shown,
    /// (now − before) / before, in percent; `None` when either is hidden or `before` is 0.
    pub percent: Option<f64>,
    /// Either side under [`SMALL_FOR_TREND`] (or hidden): too small to say anything.
    pub too_small: bool,
}

/// The change from `before` to `now`.
pub fn change(now: Shown, before: Shown) -> Change {
    let (percent, too_small) = match (now.value(), before.value()) {
        (Some(n), Some(b)) => (
            (b > 0.0).then(|| ((n - b) * 1000.0 / b).round() / 10.0),
            n < SMALL_FOR_TREND || b < SMALL_FOR_TREND,
        ),
        _ => (None, true),
    };
    Change {
        now,
        before,
        percent,
        too_small,
    }
}

/// A month of a series and its month one year earlier.
pub fn month_before(month: &str) -> String {
    format!("{:04}-{}", year_of(month) - 1, &month[5..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_say_when_they_are_too_small() {
        let c = change(Shown::Value(30.0), Shown::Value(24.0));
        assert_eq!(c.percent, Some(25.0));
        assert!(!c.too_small);
        let c = change(Shown::Value(6.0), Shown::Value(3.0));
        assert_eq!(c.percent, Some(100.0));
        assert!(c.too_small, "3 to 6 is no trend");
        let c = change(Shown::Value(20.0), Shown::Value(19.0));
        assert!(c.too_small);
        let c = change(Shown::Value(12.0), Shown::Value(0.0));
        assert_eq!(c.percent, None);
        let c = change(Shown::Hidden, Shown::Value(40.0));
        assert_eq!((c.percent, c.too_small), (None, true));
        let c = change(Shown::Value(20.0), Shown::Value(30.0));
        assert_eq!((c.percent, c.too_small), (Some(-33.3), false));
    }

    #[test]
    fn the_year_before_has_the_same_months() {
        let p = Period::parse("2026-03", "2027-02").unwrap_or_else(|| unreachable!());
        let b = year_before(&p).unwrap_or_else(|| unreachable!());
        assert_eq!((b.from.as_str(), b.to.as_str()), ("2025-03", "2026-02"));
        assert_eq!(month_before("2026-01"), "2025-01");
    }
}
