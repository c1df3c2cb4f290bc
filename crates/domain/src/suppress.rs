//! Small-cell suppression for statistics that leave a province.
//!
//! The rule (our choice): a count from 1 to 4 is published as "<5"; 0 and counts of 5
//! or more are published as they are. A count that small could name a child in a
//! commune or a month, and 0 names nobody. Hiding the small counts (primary
//! suppression) is not enough when totals are published as well: with the row 3, 9 and
//! its total 12, hiding the 3 hides nothing. So wherever a published sum would leave a
//! hidden count as its only unknown, another entry of that sum is hidden too
//! (complementary suppression). Sums taken together can still give a count away, so
//! then each hidden small count is put on a cycle of hidden entries along which the
//! table can shift by one without changing any published number: no hidden count can
//! then be worked out by subtraction.
//!
//! The complement chosen is the smallest nonzero cell not yet hidden, since it costs
//! the reader least; then a total; a zero last, because a hidden zero can only have
//! been larger, so it blurs its partners in one direction only.
//!
//! A table is seen with its margins, `(rows + 1) × (cols + 1)`: the last column holds
//! the row totals, the last row the column totals, the corner the grand total. Each
//! row and each column of it is a published sum. A one-column table's row totals are
//! its cells, and a one-row table's column totals are its cells: those are one entry,
//! hidden or shown together, so no sum is counted twice.
//!
//! The guarantee assumes the reader learns nothing of a hidden entry but that it is
//! hidden: every hidden entry, small or complementary, must look the same. Were the
//! complements marked apart from the "<5" of the small counts, the row "<5", x and
//! its total 6 would give x = 5 and the small count as 1: x is 6 less a count from 1
//! to 4 and is not itself from 1 to 4. Whoever shows the tables chooses that one mark;
//! "<5" on a complement that holds 7 would be false.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A table of counts as it will be published: `rows × cols` cells (row-major), and,
/// when `additive` is true, the row totals, the column totals and the grand total are
/// published too (cells of a row sum to its total, etc.). When `additive` is false
/// (multi-valued breakdowns such as forms of violence, where a child can count in
/// several columns), only the cells are published and only primary suppression applies.
///
/// `cells` should hold `rows * cols` counts: a missing one is read as 0, extra ones are
/// ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub rows: usize,
    pub cols: usize,
    pub cells: Vec<u64>,
    pub additive: bool,
}

/// What may be shown of each cell and of each total: `true` means hidden. The totals of
/// a table that is not additive are not published, so they are all hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppressed {
    pub cells: Vec<bool>,
    pub row_totals: Vec<bool>,
    pub col_totals: Vec<bool>,
    pub total: bool,
}

/// Primary rule alone, for a single published number: true when 1..=4.
pub fn is_small(n: u64) -> bool {
    (1..=4).contains(&n)
}

/// Which cells and totals of `grid` must be hidden. Deterministic.
pub fn suppress(grid: &Grid) -> Suppressed {
    if !grid.additive {
        return Suppressed {
            cells: (0..grid.rows * grid.cols)
                .map(|k| is_small(cell(grid, k)))
                .collect(),
            row_totals: vec![true; grid.rows],
            col_totals: vec![true; grid.cols],
            total: true,
        };
    }
    let table = Table::new(grid);
    let mut hidden: Vec<bool> = table.values.iter().map(|&v| is_small(v)).collect();
    table.close_sums(&mut hidden);
    // A one-column (or one-row) table publishes a single sum: two hidden entries in it
    // can always trade values, and the cycle search, which sees each cell twice there
    // (as a cell and as its own total), would hide the grand total for nothing.
    if grid.rows > 1 && grid.cols > 1 {
        table.close_cycles(&mut hidden);
    }
    table.report(grid, &hidden)
}

fn cell(grid: &Grid, k: usize) -> u64 {
    grid.cells.get(k).copied().unwrap_or(0)
}

/// The published numbers of an additive grid, each once (`values`), and where each
/// stands in the table with its margins (`at`, row-major, `width` = cols + 1).
struct Table {
    width: usize,
    height: usize,
    at: Vec<usize>,
    values: Vec<u64>,
    /// 0 for a cell, 1 for a row or column total, 2 for the grand total: the order in
    /// which complements are taken.
    rank: Vec<u8>,
}

impl Table {
    fn new(grid: &Grid) -> Table {
        let (rows, cols) = (grid.rows, grid.cols);
        let mut values: Vec<u64> = (0..rows * cols).map(|k| cell(grid, k)).collect();
        let mut rank = vec![0; values.len()];
        let mut add = |value: u64, r: u8| {
            values.push(value);
            rank.push(r);
            values.len() - 1
        };
        let sum = |ks: &mut dyn Iterator<Item = usize>| {
            ks.map(|k| cell(grid, k)).fold(0, u64::saturating_add)
        };
        let row_totals: Vec<usize> = (0..rows)
            .map(|i| match cols {
                1 => i,
                _ => add(sum(&mut (0..cols).map(|j| i * cols + j)), 1),
            })
            .collect();
        let col_totals: Vec<usize> = (0..cols)
            .map(|j| match rows {
                1 => j,
                _ => add(sum(&mut (0..rows).map(|i| i * cols + j)), 1),
            })
            .collect();
        let grand = match (row_totals.first(), col_totals.first()) {
            (_, Some(&j)) if cols == 1 => j,
            (Some(&i), _) if rows == 1 => i,
            _ => add(sum(&mut (0..rows * cols)), 2),
        };
        rank[grand] = 2;
        let mut at = Vec::with_capacity((rows + 1) * (cols + 1));
        for i in 0..=rows {
            for j in 0..=cols {
                at.push(match (row_totals.get(i), col_totals.get(j)) {
                    (Some(_), Some(_)) => i * cols + j,
                    (Some(&total), None) | (None, Some(&total)) => total,
                    (None, None) => grand,
                });
            }
        }
        Table {
            width: cols + 1,
            height: rows + 1,
            at,
            values,
            rank,
        }
    }

    /// Each published sum as the entries it ties together, each once; a "sum" of one
    /// entry (a one-column table's row: the cell is its own total) tells nothing.
    fn sums(&self) -> Vec<Vec<usize>> {
        let rows = (0..self.height).map(|i| (0..self.width).map(|j| i * self.width + j).collect());
        let cols = (0..self.width).map(|j| (0..self.height).map(|i| i * self.width + j).collect());
        rows.chain(cols)
            .map(|positions: Vec<usize>| {
                let mut entries: Vec<usize> = positions.iter().map(|&p| self.at[p]).collect();
                entries.sort_unstable();
                entries.dedup();
                entries
            })
            .filter(|entries| entries.len() > 1)
            .collect()
    }

    /// Hides complements until no published sum has a single hidden entry.
    fn close_sums(&self, hidden: &mut [bool]) {
        let sums = self.sums();
        loop {
            let mut changed = false;
            for entries in &sums {
                if entries.iter().filter(|&&e| hidden[e]).count() != 1 {
                    continue;
                }
                let complement = entries
                    .iter()
                    .copied()
                    .filter(|&e| !hidden[e])
                    .min_by_key(|&e| (self.values[e] == 0, self.rank[e], self.values[e], e));
                if let Some(e) = complement {
                    hidden[e] = true;
                    changed = true;
                }
            }
            if !changed {
                return;
            }
        }
    }

    /// Sums taken together can still give a count away when each has two unknowns (the
    /// test `sums_taken_together_are_closed_too` has one). A hidden count can take
    /// another value iff it lies on a cycle of hidden entries, alternating between rows
    /// and columns of the table with margins, along which adding and taking 1 in turn
    /// changes no published sum and takes no entry below 0. Each small count without
    /// one gets the cheapest.
    fn close_cycles(&self, hidden: &mut [bool]) {
        for p in 0..self.at.len() {
            if !is_small(self.values[self.at[p]]) {
                continue;
            }
            let cheapest = [1, -1]
                .into_iter()
                .filter_map(|sign| self.cheapest_path(p, sign, hidden))
                .min_by_key(|&(cost, _)| cost);
            for q in cheapest.map(|(_, path)| path).unwrap_or_default() {
                hidden[self.at[q]] = true;
            }
        }
    }

    /// The cheapest path that closes a cycle through position `p`: from p's column back
    /// to p's row (vertices: rows `0..height`, then columns), as the positions it
    /// crosses. Along the cycle the edges alternate +sign (row to column) and −sign
    /// (column to row); a total counts against its cells, so it moves the other way. A
    /// zero may not go down. Hidden entries are free.
    fn cheapest_path(&self, p: usize, sign: i8, hidden: &[bool]) -> Option<(u128, Vec<usize>)> {
        let (h, w) = (self.height, self.width);
        let (start, goal) = (h + p % w, p / w);
        let mut cost: Vec<Option<u128>> = vec![None; h + w];
        let mut via: Vec<Option<(usize, usize)>> = vec![None; h + w];
        let mut queue = BinaryHeap::from([Reverse((0, start))]);
        cost[start] = Some(0);
        while let Some(Reverse((c, v))) = queue.pop() {
            if v == goal {
                break;
            }
            if cost[v].is_some_and(|best| best < c) {
                continue;
            }
            let steps: Vec<(usize, usize, i8)> = if v < h {
                (0..w).map(|j| (v * w + j, h + j, sign)).collect()
            } else {
                (0..h).map(|i| (i * w + v - h, i, -sign)).collect()
            };
            for (q, next, edge) in steps {
                let e = self.at[q];
                let margin = (q / w == h - 1) != (q % w == w - 1);
                let change = if margin { -edge } else { edge };
                if q == p || (change < 0 && self.values[e] == 0) {
                    continue;
                }
                let reached = c.saturating_add(if hidden[e] { 0 } else { self.weight(e) });
                if cost[next].is_none_or(|best| reached < best) {
                    cost[next] = Some(reached);
                    via[next] = Some((q, v));
                    queue.push(Reverse((reached, next)));
                }
            }
        }
        let total = cost[goal]?;
        let mut path = Vec::new();
        let mut v = goal;
        while let Some((q, from)) = via[v] {
            path.push(q);
            v = from;
        }
        Some((total, path))
    }

    /// The cost of hiding `e`, in the order complements are taken: any number of
    /// nonzero entries before a zero, cells before totals, small before large.
    fn weight(&self, e: usize) -> u128 {
        let zero = u128::from(self.values[e] == 0) << 100;
        let rank = u128::from(self.rank[e]) << 70;
        zero + rank + u128::from(self.values[e]) + 1
    }

    fn report(&self, grid: &Grid, hidden: &[bool]) -> Suppressed {
        let (rows, cols) = (grid.rows, grid.cols);
        let at = |i: usize, j: usize| hidden[self.at[i * self.width + j]];
        Suppressed {
            cells: hidden[..rows * cols].to_vec(),
            row_totals: (0..rows).map(|i| at(i, cols)).collect(),
            col_totals: (0..cols).map(|j| at(rows, j)).collect(),
            total: at(rows, cols),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn grid(rows: usize, cols: usize, cells: &[u64]) -> Grid {
        Grid {
            rows,
            cols,
            cells: cells.to_vec(),
            additive: true,
        }
    }

    #[test]
    fn a_breakdown_keeps_its_total_when_two_parts_are_hidden() {
        // Girls 5, boys 1, total 6: both parts hidden, the total can stay (4 + 2 fits too).
        let s = suppress(&grid(2, 1, &[5, 1]));
        assert_eq!(s.cells, vec![true, true]);
        assert!(!s.total);
    }

    #[test]
    fn small_means_one_to_four() {
        let small: Vec<u64> = (0..8).filter(|&n| is_small(n)).collect();
        assert_eq!(small, [1, 2, 3, 4]);
    }

    #[test]
    fn a_breakdown_with_one_small_count_hides_a_second() {
        // 3 + 9 + 20 = 32: with the 3 alone hidden, 32 − 9 − 20 gives it back.
        let s = suppress(&grid(3, 1, &[3, 20, 9]));
        assert_eq!(s.cells, [true, false, true], "the smallest other count, 9");
        assert_eq!(s.row_totals, s.cells, "a row's total is its one cell");
        assert_eq!(s.col_totals, [false]);
        assert!(!s.total);
    }

    #[test]
    fn a_breakdown_as_one_row_is_the_same() {
        let s = suppress(&grid(1, 3, &[3, 20, 9]));
        assert_eq!(s.cells, [true, false, true]);
        assert_eq!(s.col_totals, s.cells);
        assert_eq!(s.row_totals, [false]);
        assert!(!s.total);
    }

    #[test]
    fn a_two_by_three_table_hides_a_rectangle() {
        //  2 12  7 | 21
        //  8  6 15 | 29
        // -----------
        // 10 18 22 | 50
        let s = suppress(&grid(2, 3, &[2, 12, 7, 8, 6, 15]));
        // The 2 takes a partner in its row (the 7, smaller than the 12) and in its
        // column (the 8); the 7 then takes the 15 below it, which the 8 shares a row
        // with: a rectangle, and every sum has two unknowns or none.
        assert_eq!(s.cells, [true, false, true, true, false, true]);
        assert_eq!(s.row_totals, [false, false]);
        assert_eq!(s.col_totals, [false, false, false]);
        assert!(!s.total);
    }

    #[test]
    fn a_small_grand_total_is_hidden_with_what_gives_it_away() {
        // 0 1 | 1
        // 2 0 | 2
        // -------
        // 2 1 | 3
        let s = suppress(&grid(2, 2, &[0, 1, 2, 0]));
        assert!(s.total);
        assert_eq!(s.cells, [false, true, true, false]);
        assert_eq!(s.row_totals, [true, true]);
        assert_eq!(s.col_totals, [true, true]);
    }

    #[test]
    fn sums_taken_together_are_closed_too() {
        // 1 1 0 |  2
        // 1 0 0 |  1
        // 5 1 1 |  7
        // ----------
        // 7 2 1 | 10
        // Hiding by sums alone leaves the top-left 2 × 2 less its 0, the two first row
        // totals, the 1 1 of the last row and the last two column totals. Every sum then
        // has two unknowns, yet the first column gives x00 + x10 = 7 − 5 and the grand
        // total gives R0 + R1 = x00 + x01 + x10 = 10 − 7, so x01 = 1.
        let g = grid(3, 3, &[1, 1, 0, 1, 0, 0, 5, 1, 1]);
        let by_sums = Table::new(&g);
        let mut hidden: Vec<bool> = by_sums.values.iter().map(|&v| is_small(v)).collect();
        by_sums.close_sums(&mut hidden);
        let s = by_sums.report(&g, &hidden);
        let (h, w, values, shown) = with_margins(&g, &s);
        assert!(
            !can_move(h, w, &values, &shown, 0, 1),
            "sums alone give x01 away"
        );
        by_sums.close_cycles(&mut hidden);
        let s = by_sums.report(&g, &hidden);
        assert_eq!(s, suppress(&g));
        audit(&g, &s);
    }

    #[test]
    fn a_table_that_does_not_add_up_hides_its_small_cells_only() {
        let s = suppress(&Grid {
            rows: 2,
            cols: 2,
            cells: vec![3, 9, 0, 12],
            additive: false,
        });
        assert_eq!(s.cells, [true, false, false, false]);
        assert_eq!(s.row_totals, [true, true], "totals are not published");
        assert_eq!(s.col_totals, [true, true]);
        assert!(s.total);
    }

    #[test]
    fn empty_and_single_tables() {
        let s = suppress(&grid(0, 3, &[]));
        assert_eq!(s.cells, Vec::<bool>::new());
        assert_eq!(s.col_totals, [false; 3]);
        let s = suppress(&grid(1, 1, &[2]));
        assert_eq!(
            (s.cells, s.row_totals, s.col_totals, s.total),
            (vec![true], vec![true], vec![true], true)
        );
    }

    /// The table with its margins, `(rows + 1) × (cols + 1)`, values and hidden flags.
    fn with_margins(g: &Grid, s: &Suppressed) -> (usize, usize, Vec<u64>, Vec<bool>) {
        let (rows, cols) = (g.rows, g.cols);
        let mut values = vec![0; (rows + 1) * (cols + 1)];
        let mut hidden = vec![false; values.len()];
        let w = cols + 1;
        for i in 0..rows {
            for j in 0..cols {
                let v = g.cells[i * cols + j];
                values[i * w + j] = v;
                values[i * w + cols] += v;
                values[rows * w + j] += v;
                values[rows * w + cols] += v;
                hidden[i * w + j] = s.cells[i * cols + j];
            }
            hidden[i * w + cols] = s.row_totals[i];
        }
        for j in 0..cols {
            hidden[rows * w + j] = s.col_totals[j];
        }
        hidden[rows * w + cols] = s.total;
        (rows + 1, w, values, hidden)
    }

    /// Whether the hidden entry at `(ei, ej)` of the table with margins could hold
    /// another value. Every row and column of that table is a published sum, so the
    /// hidden entries are the edges of a bipartite graph between its rows and columns,
    /// and moving ±1 alternately around a cycle of hidden entries changes no sum. The
    /// entry can move iff such a cycle through it keeps every entry nonnegative in one
    /// direction: from `(ei, ej)`, a path from column `ej` back to row `ei`.
    fn can_move(h: usize, w: usize, values: &[u64], hidden: &[bool], ei: usize, ej: usize) -> bool {
        // A total counts with the opposite sign of the cells in its sums (row: cells −
        // total = 0), so the change of a margin entry is the opposite of its edge's sign.
        let margin = |i: usize, j: usize| (i == h - 1) != (j == w - 1);
        for sign in [1i64, -1] {
            // Vertices: rows 0..h, then columns h..h + w.
            let mut seen = vec![false; h + w];
            let mut stack = vec![h + ej];
            seen[h + ej] = true;
            while let Some(v) = stack.pop() {
                let steps: Vec<(usize, usize, usize, i64)> = if v < h {
                    (0..w).map(|j| (v, j, h + j, sign)).collect()
                } else {
                    (0..h).map(|i| (i, v - h, i, -sign)).collect()
                };
                for (i, j, next, edge) in steps {
                    let p = i * w + j;
                    let change = if margin(i, j) { -edge } else { edge };
                    if (i, j) == (ei, ej)
                        || !hidden[p]
                        || seen[next]
                        || (change < 0 && values[p] == 0)
                    {
                        continue;
                    }
                    seen[next] = true;
                    stack.push(next);
                }
            }
            if seen[ei] {
                return true;
            }
        }
        false
    }

    fn audit(g: &Grid, s: &Suppressed) {
        assert_eq!(s.cells.len(), g.rows * g.cols);
        assert_eq!(s.row_totals.len(), g.rows);
        assert_eq!(s.col_totals.len(), g.cols);
        if !g.additive {
            let small: Vec<bool> = g.cells.iter().map(|&v| is_small(v)).collect();
            assert_eq!(s.cells, small, "{g:?}");
            assert!(s.row_totals.iter().chain(&s.col_totals).all(|&t| t) && s.total);
            return;
        }
        let (h, w, values, hidden) = with_margins(g, s);
        for i in 0..h {
            for j in 0..w {
                let p = i * w + j;
                if is_small(values[p]) {
                    assert!(hidden[p], "({i}, {j}) = {} shown in {g:?}", values[p]);
                    assert!(
                        can_move(h, w, &values, &hidden, i, j),
                        "({i}, {j}) = {} can be worked out in {g:?}: {s:?}",
                        values[p]
                    );
                }
            }
        }
        // And the rule as stated: no published sum has exactly one hidden entry. (In a
        // one-column table a row's cell and total are one number, hidden together.)
        if g.cols == 1 {
            assert_eq!(s.row_totals, s.cells);
        }
        if g.rows == 1 {
            assert_eq!(s.col_totals, s.cells);
        }
        for line in (0..h)
            .map(|i| (0..w).map(|j| i * w + j).collect::<Vec<_>>())
            .chain((0..w).map(|j| (0..h).map(|i| i * w + j).collect()))
        {
            let count = line.iter().filter(|&&p| hidden[p]).count();
            assert_ne!(count, 1, "a sum with one hidden entry in {g:?}: {s:?}");
        }
    }

    /// Every number an additive `g` publishes: cells, row totals, column totals, the
    /// grand total; `flags` lines up with it.
    fn numbers(rows: usize, cols: usize, cells: &[u64], all: &mut Vec<u64>) {
        let at = |i: usize, j: usize| cells[i * cols + j];
        all.clear();
        all.extend(cells);
        all.extend((0..rows).map(|i| (0..cols).map(|j| at(i, j)).sum::<u64>()));
        all.extend((0..cols).map(|j| (0..rows).map(|i| at(i, j)).sum::<u64>()));
        all.push(cells.iter().sum());
    }

    fn flags(s: &Suppressed) -> Vec<bool> {
        let mut all = s.cells.clone();
        all.extend(&s.row_totals);
        all.extend(&s.col_totals);
        all.push(s.total);
        all
    }

    /// Every small table with cells in `0..=top`: each hidden small number, cell or
    /// total, takes at least two values among the tables with cells in `0..=top + 1`
    /// that agree with every number shown. (A hidden count that can move at all can
    /// move by 1, hence `top + 1`.)
    fn brute_force(rows: usize, cols: usize, top: u64) {
        let mut cells = vec![0; rows * cols];
        loop {
            let mut published = Vec::new();
            numbers(rows, cols, &cells, &mut published);
            let hidden = flags(&suppress(&grid(rows, cols, &cells)));
            let mut others = vec![false; published.len()];
            let mut candidate: Vec<u64> = (0..cells.len())
                .map(|k| if hidden[k] { 0 } else { cells[k] })
                .collect();
            let mut seen = Vec::new();
            loop {
                numbers(rows, cols, &candidate, &mut seen);
                if (0..seen.len()).all(|k| hidden[k] || seen[k] == published[k]) {
                    for k in 0..seen.len() {
                        others[k] |= seen[k] != published[k];
                    }
                }
                if !next(&mut candidate, top + 1, |k| hidden[k]) {
                    break;
                }
            }
            for k in 0..published.len() {
                if is_small(published[k]) {
                    assert!(hidden[k], "number {k} of {cells:?} shown");
                    assert!(others[k], "number {k} of {cells:?} is given away");
                }
            }
            if !next(&mut cells, top, |_| true) {
                return;
            }
        }
    }

    /// Counts the `free` places of `digits` up in `0..=top` like an odometer; false
    /// once all have come back to 0.
    fn next(digits: &mut [u64], top: u64, free: impl Fn(usize) -> bool) -> bool {
        for k in (0..digits.len()).filter(|&k| free(k)) {
            if digits[k] < top {
                digits[k] += 1;
                return true;
            }
            digits[k] = 0;
        }
        false
    }

    #[test]
    fn no_small_count_of_a_two_by_two_table_can_be_worked_out() {
        brute_force(2, 2, 5);
    }

    #[test]
    fn no_small_count_of_a_short_breakdown_can_be_worked_out() {
        brute_force(3, 1, 5);
        brute_force(1, 3, 5);
    }

    fn count() -> impl Strategy<Value = u64> {
        prop_oneof![3 => Just(0u64), 5 => 1..=4u64, 2 => 5..=9u64, 1 => 10..=60u64]
    }

    fn grids() -> impl Strategy<Value = Grid> {
        (1..=6usize, 1..=6usize, prop::bool::weighted(0.85)).prop_flat_map(
            |(rows, cols, additive)| {
                prop::collection::vec(count(), rows * cols).prop_map(move |cells| Grid {
                    rows,
                    cols,
                    cells,
                    additive,
                })
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn no_small_count_is_shown_or_can_be_worked_out(g in grids()) {
            let s = suppress(&g);
            audit(&g, &s);
            prop_assert_eq!(suppress(&g), s, "deterministic");
        }
    }
}
