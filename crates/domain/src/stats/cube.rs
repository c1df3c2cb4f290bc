//! Small-cell suppression of a three-way table (for example sex × age band × form of
//! violence), the same rule as `crate::suppress` for two: a count from 1 to 4 is
//! hidden, and enough other entries that no hidden count can be worked out.
//!
//! The table is seen with all its margins, `(a + 1) × (b + 1) × (c + 1)`: index `a` on
//! the first axis is the sum over it, and so on; the two-way tables, the breakdowns
//! and the grand total are all in it, because a reader may ask for each of them. Every
//! line of it (one axis varying, the others fixed) is a published sum. In two
//! dimensions a hidden count is safe on a cycle of hidden entries; in three, the
//! smallest change that moves no sum is a 2 × 2 × 2 box: +1 and −1 alternating on its
//! eight corners (a margin counts against its cells, so it moves the other way). Each
//! small count is put on such a box of hidden entries, along which it can take
//! another value with every entry still at least 0: it cannot be worked out. The box
//! chosen is the cheapest to hide: cells before margins, small before large, zeros
//! last (the same order as in two dimensions).

use crate::suppress::is_small;

/// A three-way table of counts, `dims[0] × dims[1] × dims[2]` (row-major). When
/// `additive` is false (a multi-valued axis such as forms of violence, whose margins
/// are not sums) only the small counts are hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cube {
    pub dims: [usize; 3],
    pub cells: Vec<u64>,
    pub additive: bool,
}

/// What is hidden: each cell, and the grand total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CubeHidden {
    pub cells: Vec<bool>,
    pub total: bool,
}

/// The table with its margins.
struct Full {
    size: [usize; 3],
    dims: [usize; 3],
    values: Vec<u64>,
}

impl Full {
    fn new(cube: &Cube) -> Full {
        let dims = cube.dims;
        let size = [dims[0] + 1, dims[1] + 1, dims[2] + 1];
        let mut values = vec![0u64; size[0] * size[1] * size[2]];
        for i in 0..dims[0] {
            for j in 0..dims[1] {
                for k in 0..dims[2] {
                    let v = cube
                        .cells
                        .get((i * dims[1] + j) * dims[2] + k)
                        .copied()
                        .unwrap_or(0);
                    for x in [i, dims[0]] {
                        for y in [j, dims[1]] {
                            for z in [k, dims[2]] {
                                let p = (x * size[1] + y) * size[2] + z;
                                values[p] = values[p].saturating_add(v);
                            }
                        }
                    }
                }
            }
        }
        Full { size, dims, values }
    }

    fn at(&self, [x, y, z]: [usize; 3]) -> usize {
        (x * self.size[1] + y) * self.size[2] + z
    }

    fn coords(&self, p: usize) -> [usize; 3] {
        let z = p % self.size[2];
        let y = (p / self.size[2]) % self.size[1];
        [p / (self.size[1] * self.size[2]), y, z]
    }

    /// How many of the axes `p` is a margin of: 0 for a cell, 3 for the grand total.
    fn margins(&self, c: [usize; 3]) -> usize {
        (0..3).filter(|&d| c[d] == self.dims[d]).count()
    }

    /// The cost of hiding `p`: nonzero before zero, cells before margins, small first.
    fn weight(&self, p: usize) -> u128 {
        let zero = u128::from(self.values[p] == 0) << 100;
        let rank = (self.margins(self.coords(p)) as u128) << 70;
        zero + rank + u128::from(self.values[p]) + 1
    }

    /// The eight corners of the box through `p` and `other`, each with the way it
    /// moves (+1 or −1) when `p` moves by `dir`.
    fn corners(&self, p: [usize; 3], other: [usize; 3], dir: i8) -> [(usize, i8); 8] {
        let mut out = [(0, 0); 8];
        for (n, slot) in out.iter_mut().enumerate() {
            let mut c = [0; 3];
            let mut sign = dir;
            for d in 0..3 {
                let far = (n >> d) & 1 == 1;
                c[d] = if far { other[d] } else { p[d] };
                // Far corners alternate; a margin moves against its cells.
                if far {
                    sign = -sign;
                }
                if c[d] == self.dims[d] {
                    sign = -sign;
                }
            }
            // `p` itself moves by `dir` whether or not it is a margin.
            let own = (0..3).filter(|&d| p[d] == self.dims[d]).count();
            if own % 2 == 1 {
                sign = -sign;
            }
            *slot = (self.at(c), sign);
        }
        out
    }

    /// The cheapest box that lets `p` move: (cost of the entries not hidden yet, them).
    fn cheapest_box(&self, p: usize, hidden: &[bool]) -> Option<(u128, Vec<usize>)> {
        let c = self.coords(p);
        let mut best: Option<(u128, Vec<usize>)> = None;
        for x in (0..self.size[0]).filter(|&x| x != c[0]) {
            for y in (0..self.size[1]).filter(|&y| y != c[1]) {
                for z in (0..self.size[2]).filter(|&z| z != c[2]) {
                    for dir in [1i8, -1] {
                        let corners = self.corners(c, [x, y, z], dir);
                        if corners.iter().any(|&(q, s)| s < 0 && self.values[q] == 0) {
                            continue;
                        }
                        let new: Vec<usize> = corners
                            .iter()
                            .map(|&(q, _)| q)
                            .filter(|&q| !hidden[q])
                            .collect();
                        let cost = new.iter().map(|&q| self.weight(q)).sum::<u128>();
                        if best.as_ref().is_none_or(|(b, _)| cost < *b) {
                            best = Some((cost, new));
                        }
                    }
                }
            }
        }
        best
    }
}

/// Which cells and whether the grand total of `cube` must be hidden. Deterministic.
pub fn suppress_cube(cube: &Cube) -> CubeHidden {
    let n = cube.dims.iter().product::<usize>();
    let cell = |k: usize| cube.cells.get(k).copied().unwrap_or(0);
    if !cube.additive {
        let cells: Vec<bool> = (0..n).map(|k| is_small(cell(k))).collect();
        return CubeHidden { total: true, cells };
    }
    let full = Full::new(cube);
    let mut hidden: Vec<bool> = full.values.iter().map(|&v| is_small(v)).collect();
    if n > 0 {
        for p in 0..full.values.len() {
            if !is_small(full.values[p]) {
                continue;
            }
            if let Some((_, new)) = full.cheapest_box(p, &hidden) {
                for q in new {
                    hidden[q] = true;
                }
            }
        }
    }
    let d = cube.dims;
    let cells = (0..n)
        .map(|k| {
            let (i, j, l) = (k / (d[1] * d[2]), (k / d[2]) % d[1], k % d[2]);
            hidden[full.at([i, j, l])]
        })
        .collect();
    CubeHidden {
        cells,
        total: hidden[full.at(d)],
    }
}

/// For the tests of the figures: every published number of a cube with its margins,
/// and whether it is hidden, in the layout of [`Full`].
#[cfg(test)]
pub(crate) fn full_hidden(cube: &Cube) -> (Vec<u64>, Vec<bool>) {
    let full = Full::new(cube);
    let mut hidden: Vec<bool> = full.values.iter().map(|&v| is_small(v)).collect();
    for p in 0..full.values.len() {
        if is_small(full.values[p])
            && let Some((_, new)) = full.cheapest_box(p, &hidden)
        {
            for q in new {
                hidden[q] = true;
            }
        }
    }
    (full.values, hidden)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// All published numbers of `cells` laid out as `Full` does.
    fn published(dims: [usize; 3], cells: &[u64]) -> Vec<u64> {
        Full::new(&Cube {
            dims,
            cells: cells.to_vec(),
            additive: true,
        })
        .values
    }

    /// Brute force: every hidden small number, cell or margin, takes another value in
    /// some table that agrees with every number shown, among the tables whose hidden
    /// cells each differ by at most 1 from the true ones (a stricter search than all
    /// tables: what it finds, a reader could find).
    fn brute_force(dims: [usize; 3], cells: &[u64]) {
        let cube = Cube {
            dims,
            cells: cells.to_vec(),
            additive: true,
        };
        let full = Full::new(&cube);
        let (values, hidden) = full_hidden(&cube);
        let hidden_cells: Vec<usize> = (0..cells.len())
            .filter(|&k| {
                let (i, j, l) = (
                    k / (dims[1] * dims[2]),
                    (k / dims[2]) % dims[1],
                    k % dims[2],
                );
                hidden[full.at([i, j, l])]
            })
            .collect();
        let mut others = vec![false; values.len()];
        // Each hidden cell's offset: 0, +1 or −1 (−1 only above 0).
        let mut offsets = vec![0u8; hidden_cells.len()];
        loop {
            let mut candidate = cells.to_vec();
            let mut valid = true;
            for (n, &k) in hidden_cells.iter().enumerate() {
                match offsets[n] {
                    1 => candidate[k] += 1,
                    2 if candidate[k] > 0 => candidate[k] -= 1,
                    2 => valid = false,
                    _ => {}
                }
            }
            if valid {
                let seen = published(dims, &candidate);
                if (0..seen.len()).all(|p| hidden[p] || seen[p] == values[p]) {
                    for p in 0..seen.len() {
                        others[p] |= seen[p] != values[p];
                    }
                }
            }
            // The odometer over the offsets.
            let mut carried = true;
            for o in offsets.iter_mut() {
                if *o < 2 {
                    *o += 1;
                    carried = false;
                    break;
                }
                *o = 0;
            }
            if carried {
                break;
            }
        }
        for p in 0..values.len() {
            if is_small(values[p]) {
                assert!(hidden[p], "number {p} of {cells:?} ({dims:?}) shown");
                assert!(
                    others[p],
                    "number {p} of {cells:?} ({dims:?}) is given away"
                );
            }
        }
    }

    #[test]
    fn a_single_small_count_hides_a_box() {
        // 2 × 2 × 2, one small count among large ones: the eight cells are hidden (the
        // smallest box), the margins stay.
        let cells = [3, 10, 12, 14, 16, 18, 20, 22];
        let s = suppress_cube(&Cube {
            dims: [2, 2, 2],
            cells: cells.to_vec(),
            additive: true,
        });
        assert_eq!(s.cells, [true; 8]);
        assert!(!s.total);
        brute_force([2, 2, 2], &cells);
    }

    #[test]
    fn a_table_that_does_not_add_up_hides_its_small_cells_only() {
        let s = suppress_cube(&Cube {
            dims: [1, 2, 2],
            cells: vec![3, 9, 0, 12],
            additive: false,
        });
        assert_eq!(s.cells, [true, false, false, false]);
        assert!(s.total);
    }

    #[test]
    fn empty_and_single_tables() {
        let s = suppress_cube(&Cube {
            dims: [0, 2, 2],
            cells: vec![],
            additive: true,
        });
        assert!(s.cells.is_empty() && !s.total);
        let s = suppress_cube(&Cube {
            dims: [1, 1, 1],
            cells: vec![2],
            additive: true,
        });
        assert_eq!((s.cells, s.total), (vec![true], true));
        brute_force([1, 1, 1], &[2]);
    }

    fn count() -> impl Strategy<Value = u64> {
        prop_oneof![3 => Just(0u64), 5 => 1..=4u64, 2 => 5..=9u64]
    }

    fn small_cubes() -> impl Strategy<Value = ([usize; 3], Vec<u64>)> {
        (1..=2usize, 1..=2usize, 1..=2usize).prop_flat_map(|(a, b, c)| {
            prop::collection::vec(
                prop_oneof![2 => Just(0u64), 3 => 1..=4u64, 2 => 5..=9u64],
                a * b * c,
            )
            .prop_map(move |cells| ([a, b, c], cells))
        })
    }

    fn cubes() -> impl Strategy<Value = Cube> {
        (
            1..=3usize,
            1..=4usize,
            1..=5usize,
            prop::bool::weighted(0.85),
        )
            .prop_flat_map(|(a, b, c, additive)| {
                prop::collection::vec(count(), a * b * c).prop_map(move |cells| Cube {
                    dims: [a, b, c],
                    cells,
                    additive,
                })
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The brute-force audit on small tables with all their margins.
        #[test]
        fn no_small_count_of_a_small_cube_can_be_worked_out((dims, cells) in small_cubes()) {
            brute_force(dims, &cells);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Larger tables: no small number is shown, each lies on a box of hidden
        /// entries along which it can move, and the answer does not change.
        #[test]
        fn no_small_count_is_shown_or_left_alone(cube in cubes()) {
            let s = suppress_cube(&cube);
            prop_assert_eq!(suppress_cube(&cube), s.clone(), "deterministic");
            if !cube.additive {
                for (k, h) in s.cells.iter().enumerate() {
                    prop_assert_eq!(*h, is_small(cube.cells[k]));
                }
                return Ok(());
            }
            let full = Full::new(&cube);
            let (values, hidden) = full_hidden(&cube);
            for p in 0..values.len() {
                if is_small(values[p]) {
                    prop_assert!(hidden[p]);
                    let c = full.coords(p);
                    let free = (0..full.size[0]).filter(|&x| x != c[0]).any(|x| {
                        (0..full.size[1]).filter(|&y| y != c[1]).any(|y| {
                            (0..full.size[2]).filter(|&z| z != c[2]).any(|z| {
                                [1i8, -1].into_iter().any(|dir| {
                                    full.corners(c, [x, y, z], dir).iter().all(|&(q, s)| {
                                        hidden[q] && (s > 0 || values[q] > 0)
                                    })
                                })
                            })
                        })
                    });
                    prop_assert!(free, "{:?} at {:?}", cube, c);
                }
            }
        }
    }
}
