//! Exact 95% intervals of Poisson counts and of rates per 1,000 children, and the
//! comparison of a province with the nation: flagged only when the province's interval
//! lies wholly above or below the nation's, so that a small province is not called an
//! outlier on noise.
//!
//! The exact (Garwood) interval of a count k is [G⁻¹(α/2; k), G⁻¹(1−α/2; k+1)], G the
//! gamma distribution of unit scale (half the chi-square quantiles of 2k and 2k+2
//! degrees of freedom). A crate for two functions was not worth its weight: the
//! regularized incomplete gamma below is the textbook series and continued fraction,
//! checked against published values.

/// The two-sided level of the intervals: 95%.
pub const ALPHA: f64 = 0.05;

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine terms: about 15 significant digits).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = G[0];
    for (i, g) in G.iter().enumerate().skip(1) {
        sum += g / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The regularized lower incomplete gamma P(a, x), a > 0.
fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let front = (-x + a * x.ln() - ln_gamma(a)).exp();
    if x < a + 1.0 {
        // The series Σ xⁿ / (a(a+1)…(a+n)).
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        (sum * front).clamp(0.0, 1.0)
    } else {
        // Q(a, x) by its continued fraction (modified Lentz).
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let step = d * c;
            h *= step;
            if (step - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (1.0 - front * h).clamp(0.0, 1.0)
    }
}

/// The `p` quantile of the gamma distribution of shape `a` and unit scale (bisection:
/// P is increasing in x, and 200 halvings reach the last bit).
fn gamma_quantile(p: f64, a: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, a + 20.0 * a.sqrt() + 50.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if gamma_p(a, mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The exact 95% interval of a Poisson count.
pub fn poisson_interval(count: u64) -> (f64, f64) {
    let k = count as f64;
    let lower = if count == 0 {
        0.0
    } else {
        gamma_quantile(ALPHA / 2.0, k)
    };
    (lower, gamma_quantile(1.0 - ALPHA / 2.0, k + 1.0))
}

/// A rate per 1,000 children with its exact 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub rate: f64,
    pub low: f64,
    pub high: f64,
}

/// The rate per 1,000 of `count` among `children`; `None` without children.
pub fn rate_per_1000(count: u64, children: u64) -> Option<Rate> {
    if children == 0 {
        return None;
    }
    let per = 1000.0 / children as f64;
    let (low, high) = poisson_interval(count);
    Some(Rate {
        rate: count as f64 * per,
        low: low * per,
        high: high * per,
    })
}

/// Where a province stands against the nation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// Its interval lies wholly above the nation's.
    Above,
    /// Wholly below.
    Below,
    /// The intervals overlap: no difference the counts can show.
    Within,
}

impl Against {
    pub fn code(self) -> &'static str {
        match self {
            Against::Above => "above",
            Against::Below => "below",
            Against::Within => "within",
        }
    }
}

/// Compares a province's rate with the nation's by their intervals.
pub fn against(province: &Rate, nation: &Rate) -> Against {
    if province.low > nation.high {
        Against::Above
    } else if province.high < nation.low {
        Against::Below
    } else {
        Against::Within
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn exact_intervals_match_the_published_tables() {
        // Garwood's exact limits, as found independently by solving the Poisson sums
        // P(X ≤ k; U) = 0.025 and P(X ≥ k; L) = 0.025 (tables: Ulm 1990).
        let known = [
            (0, 0.0, 3.6889),
            (1, 0.0253, 5.5716),
            (2, 0.2422, 7.2247),
            (5, 1.6235, 11.6683),
            (10, 4.7954, 18.3904),
            (20, 12.2165, 30.8884),
            (100, 81.3640, 121.6268),
        ];
        for (k, low, high) in known {
            let (l, h) = poisson_interval(k);
            assert!(close(l, low, 5e-4), "{k}: low {l} against {low}");
            assert!(close(h, high, 5e-4), "{k}: high {h} against {high}");
        }
        // Large counts come close to the normal approximation k ± 1.96√k.
        let (l, h) = poisson_interval(10_000);
        assert!(close(l, 10_000.0 - 196.0, 2.0) && close(h, 10_000.0 + 197.0, 2.0));
    }

    #[test]
    fn the_gamma_function_is_right() {
        assert!(close(ln_gamma(1.0), 0.0, 1e-13));
        assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-12));
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-12
        ));
        assert!(close(gamma_p(1.0, 1.0), 1.0 - (-1f64).exp(), 1e-14));
        assert!(close(gamma_p(3.0, 10.0), 0.997_230_604_284_488_6, 1e-12));
    }

    #[test]
    fn a_small_province_is_not_flagged_on_the_same_rate() {
        let nation = rate_per_1000(23_000, 11_500_000).unwrap_or(Rate {
            rate: 0.0,
            low: 0.0,
            high: 0.0,
        });
        // The nation at 2 per 1,000 (1.97–2.03); 3 per 1,000 in a large province
        // (2.76–3.25) and in a small one (0.62–8.77).
        let large = rate_per_1000(600, 200_000).unwrap_or(nation);
        let small = rate_per_1000(3, 1_000).unwrap_or(nation);
        assert!(close(large.rate, small.rate, 1e-12));
        assert_eq!(against(&large, &nation), Against::Above);
        assert_eq!(against(&small, &nation), Against::Within);
        let low = rate_per_1000(200, 200_000).unwrap_or(nation);
        assert_eq!(against(&low, &nation), Against::Below);
        assert_eq!(rate_per_1000(3, 0), None);
    }
}
