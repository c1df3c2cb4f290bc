//! Blocks to pages: every block is laid out as rows of cells (a paragraph is a row of one cell,
//! a table row a row of several), so that page breaks, splitting a row taller than a page and
//! repeating a table's header are written once.
//!
//! Distances are in PDF points (1/72 inch). The cursor `y` runs from the top of the page down;
//! the writer turns it into PDF's upward coordinates.

use crate::fonts::Fonts;
use crate::text::{Line, Text};
use crate::{Block, Document, Lang};

/// A4.
pub(crate) const PAGE_WIDTH: f32 = 595.276;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
/// 2 cm on each side.
const MARGIN_X: f32 = 56.69;
const MARGIN_TOP: f32 = 56.69;
/// Room under the text for the footer.
const MARGIN_BOTTOM: f32 = 70.0;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;
const CONTENT_BOTTOM: f32 = PAGE_HEIGHT - MARGIN_BOTTOM;

const TITLE_SIZE: f32 = 16.0;
const HEADING_SIZE: f32 = 12.5;
const BODY_SIZE: f32 = 10.5;
const TABLE_SIZE: f32 = 9.5;
const FOOTER_SIZE: f32 = 8.0;
/// Line height over font size: Naskh needs room for its marks above and below.
const LEADING: f32 = 1.55;
/// Space between blocks.
const GAP: f32 = 8.0;
const CELL_PAD_X: f32 = 4.0;
const CELL_PAD_Y: f32 = 2.5;

/// What a page holds, drawn in order.
pub(crate) enum Op {
    /// A line of text with its left end at `x` and its baseline at `y` (from the top).
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        gray: f32,
        line: Line,
    },
    /// A rectangle whose top-left corner is at (`x`, `y`), filled and/or stroked (gray, width).
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<f32>,
        stroke: Option<(f32, f32)>,
    },
    /// A straight rule.
    Rule {
        from: (f32, f32),
        to: (f32, f32),
        gray: f32,
        width: f32,
    },
}

#[derive(Default)]
pub(crate) struct Page {
    pub(crate) ops: Vec<Op>,
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
}

/// A cell of a row: its column and its lines.
#[derive(Clone)]
struct Cell {
    x: f32,
    w: f32,
    lines: Vec<Line>,
    align: Align,
    bold: bool,
    gray: f32,
}

/// How a row looks.
#[derive(Clone, Copy)]
struct Style {
    size: f32,
    pad_x: f32,
    pad_y: f32,
    /// Background gray of every cell.
    fill: Option<f32>,
    /// A frame around every cell (gray, width): a table's grid, a notice's box.
    frame: Option<(f32, f32)>,
    /// A rule under the row, across its cells (gray).
    rule_below: Option<f32>,
}

impl Style {
    fn plain(size: f32) -> Self {
        Self {
            size,
            pad_x: 0.0,
            pad_y: 0.0,
            fill: None,
            frame: None,
            rule_below: None,
        }
    }

    fn line_height(&self) -> f32 {
        self.size * LEADING
    }
}

struct Row {
    cells: Vec<Cell>,
    style: Style,
}

impl Row {
    fn lines(&self) -> usize {
        self.cells
            .iter()
            .map(|c| c.lines.len())
            .max()
            .unwrap_or(0)
            .max(1)
    }

    fn height(&self) -> f32 {
        2.0 * self.style.pad_y + self.lines() as f32 * self.style.line_height()
    }

    /// The first `n` lines of each cell as a row, leaving the rest in `self`.
    fn split_off_top(&mut self, n: usize) -> Row {
        let cells = self
            .cells
            .iter_mut()
            .map(|c| {
                let rest = c.lines.split_off(n.min(c.lines.len()));
                Cell {
                    x: c.x,
                    w: c.w,
                    lines: std::mem::replace(&mut c.lines, rest),
                    align: c.align,
                    bold: c.bold,
                    gray: c.gray,
                }
            })
            .collect();
        Row {
            cells,
            style: self.style,
        }
    }
}

/// The pages being filled.
struct Flow<'a> {
    fonts: &'a Fonts,
    rtl: bool,
    /// Where the baseline sits in a line box, as a fraction of the font size from the top.
    baseline: f32,
    pages: Vec<Page>,
    y: f32,
    /// Nothing but a repeated header on the page yet: breaking again would not help.
    fresh: bool,
}

impl<'a> Flow<'a> {
    fn new(fonts: &'a Fonts, rtl: bool) -> Self {
        let (ascent, descent) = fonts.extents();
        Self {
            fonts,
            rtl,
            baseline: (LEADING - ascent - descent) / 2.0 + ascent,
            pages: vec![Page::default()],
            y: MARGIN_TOP,
            fresh: true,
        }
    }

    fn text(&self, s: &str, size: f32) -> Text {
        Text::new(self.fonts, s, self.rtl, size)
    }

    /// Alignment at the start of a line: right in Arabic.
    fn start(&self) -> Align {
        if self.rtl { Align::Right } else { Align::Left }
    }

    fn room(&self) -> f32 {
        CONTENT_BOTTOM - self.y
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last].ops
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = MARGIN_TOP;
        self.fresh = true;
    }

    /// Vertical space between blocks, dropped at the top of a page.
    fn gap(&mut self, h: f32) {
        if !self.fresh {
            self.y += h;
        }
    }

    /// Places a row, breaking pages as needed; `header` is drawn again at the top of each new
    /// page (a table's header).
    fn row(&mut self, mut row: Row, header: Option<&Row>) {
        loop {
            let h = row.height();
            if h <= self.room() {
                self.draw(&row);
                return;
            }
            if !self.fresh {
                self.new_page();
                if let Some(header) = header {
                    self.draw(header);
                    self.fresh = true;
                }
                continue;
            }
            // Taller than a page: put what fits here (at least one line), the rest after.
            let lh = row.style.line_height();
            let fit = ((self.room() - 2.0 * row.style.pad_y) / lh)
                .floor()
                .max(1.0) as usize;
            if fit >= row.lines() {
                self.draw(&row);
                return;
            }
            let top = row.split_off_top(fit);
            self.draw(&top);
            self.new_page();
            if let Some(header) = header {
                self.draw(header);
                self.fresh = true;
            }
        }
    }

    fn draw(&mut self, row: &Row) {
        let h = row.height();
        let top = self.y;
        let style = row.style;
        let lh = style.line_height();
        let baseline = self.baseline * style.size;
        let mut ops = Vec::new();
        for cell in &row.cells {
            if let Some(gray) = style.fill {
                ops.push(Op::Rect {
                    x: cell.x,
                    y: top,
                    w: cell.w,
                    h,
                    fill: Some(gray),
                    stroke: None,
                });
            }
        }
        for cell in &row.cells {
            for (i, line) in cell.lines.iter().enumerate() {
                if line.glyphs.is_empty() {
                    continue;
                }
                let x = match cell.align {
                    Align::Left => cell.x + style.pad_x,
                    Align::Right => cell.x + cell.w - style.pad_x - line.width,
                };
                ops.push(Op::Text {
                    x,
                    y: top + style.pad_y + i as f32 * lh + baseline,
                    size: style.size,
                    bold: cell.bold,
                    gray: cell.gray,
                    line: line.clone(),
                });
            }
            if let Some((gray, width)) = style.frame {
                ops.push(Op::Rect {
                    x: cell.x,
                    y: top,
                    w: cell.w,
                    h,
                    fill: None,
                    stroke: Some((gray, width)),
                });
            }
        }
        if let Some(gray) = style.rule_below {
            let left = row.cells.iter().map(|c| c.x).fold(f32::INFINITY, f32::min);
            let right = row.cells.iter().map(|c| c.x + c.w).fold(0.0, f32::max);
            if left < right {
                ops.push(Op::Rule {
                    from: (left, top + h),
                    to: (right, top + h),
                    gray,
                    width: 0.4,
                });
            }
        }
        self.ops().extend(ops);
        self.y += h;
        self.fresh = false;
    }

    /// A cell across the whole text width.
    fn full_cell(&self, text: &Text, style: &Style, bold: bool, gray: f32) -> Cell {
        Cell {
            x: MARGIN_X,
            w: CONTENT_WIDTH,
            lines: text.lines(CONTENT_WIDTH - 2.0 * style.pad_x),
            align: self.start(),
            bold,
            gray,
        }
    }

    fn title(&mut self, title: &str) {
        let style = Style::plain(TITLE_SIZE);
        let text = self.text(title, TITLE_SIZE);
        let cell = self.full_cell(&text, &style, true, 0.0);
        self.row(
            Row {
                cells: vec![cell],
                style,
            },
            None,
        );
        self.y += 4.0;
        let y = self.y;
        self.ops().push(Op::Rule {
            from: (MARGIN_X, y),
            to: (PAGE_WIDTH - MARGIN_X, y),
            gray: 0.35,
            width: 1.0,
        });
        self.y += GAP;
    }

    fn heading(&mut self, heading: &str) {
        self.gap(GAP);
        let style = Style::plain(HEADING_SIZE);
        let text = self.text(heading, HEADING_SIZE);
        let cell = self.full_cell(&text, &style, true, 0.0);
        let row = Row {
            cells: vec![cell],
            style,
        };
        // Keep a heading with the start of what it introduces.
        let needed = row.height() + 3.0 * BODY_SIZE * LEADING;
        if !self.fresh && needed > self.room() {
            self.new_page();
        }
        self.row(row, None);
        self.y += 3.0;
    }

    fn paragraph(&mut self, paragraph: &str) {
        let style = Style::plain(BODY_SIZE);
        let text = self.text(paragraph, BODY_SIZE);
        // One row per line, so that a long paragraph flows from page to page.
        for line in text.lines(CONTENT_WIDTH) {
            let cell = Cell {
                x: MARGIN_X,
                w: CONTENT_WIDTH,
                lines: vec![line],
                align: self.start(),
                bold: false,
                gray: 0.0,
            };
            self.row(
                Row {
                    cells: vec![cell],
                    style,
                },
                None,
            );
        }
        self.gap(GAP);
    }

    fn notice(&mut self, notice: &str) {
        let style = Style {
            size: BODY_SIZE,
            pad_x: 8.0,
            pad_y: 5.0,
            fill: Some(0.94),
            frame: Some((0.25, 0.8)),
            rule_below: None,
        };
        let text = self.text(notice, BODY_SIZE);
        let cell = self.full_cell(&text, &style, true, 0.0);
        self.row(
            Row {
                cells: vec![cell],
                style,
            },
            None,
        );
        self.y += GAP;
    }

    fn facts(&mut self, facts: &[(String, String)]) {
        let style = Style {
            size: BODY_SIZE,
            pad_x: CELL_PAD_X,
            pad_y: CELL_PAD_Y,
            fill: None,
            frame: None,
            rule_below: Some(0.82),
        };
        let texts: Vec<(Text, Text)> = facts
            .iter()
            .map(|(label, value)| (self.text(label, BODY_SIZE), self.text(value, BODY_SIZE)))
            .collect();
        let widest = texts
            .iter()
            .map(|(label, _)| label.natural_width())
            .fold(0.0, f32::max);
        let label_w = (widest + 2.0 * CELL_PAD_X + 6.0).min(CONTENT_WIDTH * 0.38);
        let value_w = CONTENT_WIDTH - label_w;
        // The label stands where a line starts: on the right in Arabic.
        let (label_x, value_x) = if self.rtl {
            (MARGIN_X + value_w, MARGIN_X)
        } else {
            (MARGIN_X, MARGIN_X + label_w)
        };
        for (label, value) in &texts {
            let cells = vec![
                Cell {
                    x: label_x,
                    w: label_w,
                    lines: label.lines(label_w - 2.0 * CELL_PAD_X),
                    align: self.start(),
                    bold: false,
                    gray: 0.35,
                },
                Cell {
                    x: value_x,
                    w: value_w,
                    lines: value.lines(value_w - 2.0 * CELL_PAD_X),
                    align: self.start(),
                    bold: false,
                    gray: 0.0,
                },
            ];
            self.row(Row { cells, style }, None);
        }
        self.y += GAP;
    }

    fn table(&mut self, headers: &[String], rows: &[Vec<String>], numeric: &[bool]) {
        let columns = rows.iter().map(Vec::len).fold(headers.len(), usize::max);
        if columns == 0 {
            return;
        }
        fn cell(row: &[String], j: usize) -> &str {
            row.get(j).map(String::as_str).unwrap_or("")
        }
        let header_texts: Vec<Text> = (0..columns)
            .map(|j| self.text(cell(headers, j), TABLE_SIZE))
            .collect();
        let body_texts: Vec<Vec<Text>> = rows
            .iter()
            .map(|row| {
                (0..columns)
                    .map(|j| self.text(cell(row, j), TABLE_SIZE))
                    .collect()
            })
            .collect();
        let widths = column_widths(
            columns,
            std::iter::once(&header_texts).chain(&body_texts),
            CONTENT_WIDTH,
        );
        // The first column stands where a line starts: on the right in Arabic.
        let mut xs = Vec::with_capacity(columns);
        let mut edge = 0.0;
        for w in &widths {
            xs.push(if self.rtl {
                PAGE_WIDTH - MARGIN_X - edge - w
            } else {
                MARGIN_X + edge
            });
            edge += w;
        }
        let start = self.start();
        let make_row = |texts: &[Text], bold: bool, style: Style| Row {
            cells: texts
                .iter()
                .enumerate()
                .map(|(j, t)| {
                    let w = widths.get(j).copied().unwrap_or(0.0);
                    Cell {
                        x: xs.get(j).copied().unwrap_or(MARGIN_X),
                        w,
                        lines: t.lines(w - 2.0 * CELL_PAD_X),
                        // Digits are written left to right in every language: right-aligned
                        // numbers line up their units.
                        align: if numeric.get(j).copied().unwrap_or(false) {
                            Align::Right
                        } else {
                            start
                        },
                        bold,
                        gray: 0.0,
                    }
                })
                .collect(),
            style,
        };
        let grid = Style {
            size: TABLE_SIZE,
            pad_x: CELL_PAD_X,
            pad_y: CELL_PAD_Y,
            fill: None,
            frame: Some((0.6, 0.5)),
            rule_below: None,
        };
        let header = make_row(
            &header_texts,
            true,
            Style {
                fill: Some(0.88),
                ..grid
            },
        );
        let rows: Vec<Row> = body_texts
            .iter()
            .map(|texts| make_row(texts, false, grid))
            .collect();
        // A header taller than a third of a page is not repeated (it would leave no room).
        let header_copy = (header.height() < (CONTENT_BOTTOM - MARGIN_TOP) / 3.0).then(|| Row {
            cells: header.cells.clone(),
            style: header.style,
        });
        // Start on a new page rather than leave the header alone at the foot of this one.
        let first = rows
            .first()
            .map_or(0.0, |r| r.height().min(3.0 * grid.line_height()));
        if !self.fresh && self.room() < header.height() + first {
            self.new_page();
        }
        self.row(header, None);
        for row in rows {
            self.row(row, header_copy.as_ref());
        }
        self.y += GAP;
    }

    /// The footer of every page: a rule, the footer text where lines start, "page n of N" where
    /// they end.
    fn footers(&mut self, footer: &str, lang: Lang) {
        let total = self.pages.len();
        let style = Style::plain(FOOTER_SIZE);
        let rule_y = PAGE_HEIGHT - MARGIN_BOTTOM + 22.0;
        let baseline = rule_y + 4.0 + self.baseline * FOOTER_SIZE;
        let footer_text = self.text(footer, FOOTER_SIZE);
        let footer_line = footer_text.lines(CONTENT_WIDTH * 0.7).into_iter().next();
        let rtl = self.rtl;
        for (i, page) in self.pages.iter_mut().enumerate() {
            page.ops.push(Op::Rule {
                from: (MARGIN_X, rule_y),
                to: (PAGE_WIDTH - MARGIN_X, rule_y),
                gray: 0.6,
                width: 0.5,
            });
            let label = page_label(lang, i + 1, total);
            let number = Text::new(self.fonts, &label, rtl, style.size);
            let mut placed = Vec::new();
            if let Some(line) = &footer_line {
                placed.push((line.clone(), !rtl));
            }
            if let Some(line) = number.lines(CONTENT_WIDTH * 0.3).into_iter().next() {
                placed.push((line, rtl));
            }
            for (line, left) in placed {
                if line.glyphs.is_empty() {
                    continue;
                }
                let x = if left {
                    MARGIN_X
                } else {
                    PAGE_WIDTH - MARGIN_X - line.width
                };
                page.ops.push(Op::Text {
                    x,
                    y: baseline,
                    size: FOOTER_SIZE,
                    bold: false,
                    gray: 0.35,
                    line,
                });
            }
        }
    }
}

/// "Page 3 of 10" in the document's language (Moroccan Arabic texts use the digits 0-9).
fn page_label(lang: Lang, page: usize, total: usize) -> String {
    match lang {
        Lang::Ar => format!("الصفحة {page} من {total}"),
        Lang::Fr => format!("Page {page} sur {total}"),
        Lang::En => format!("Page {page} of {total}"),
    }
}

/// Column widths that fill `total`: each column gets its longest line if all fit, else at
/// least its longest word and a share of the rest in proportion to what it would still use
/// (the automatic table layout of HTML), else a share in proportion to its longest word.
fn column_widths<'t>(
    columns: usize,
    rows: impl Iterator<Item = &'t Vec<Text>>,
    total: f32,
) -> Vec<f32> {
    let pad = 2.0 * CELL_PAD_X + 1.0;
    let mut min = vec![pad; columns];
    let mut max = vec![pad; columns];
    for row in rows {
        for (j, text) in row.iter().enumerate().take(columns) {
            min[j] = min[j].max(text.min_width() + pad);
            max[j] = max[j].max(text.natural_width() + pad);
        }
    }
    let sum_min: f32 = min.iter().sum();
    let sum_max: f32 = max.iter().sum();
    if sum_max <= total {
        let extra = total - sum_max;
        max.iter().map(|m| m + extra * m / sum_max).collect()
    } else if sum_min <= total {
        let spread = sum_max - sum_min;
        let extra = total - sum_min;
        min.iter()
            .zip(&max)
            .map(|(lo, hi)| lo + extra * (hi - lo) / spread)
            .collect()
    } else {
        min.iter().map(|m| total * m / sum_min).collect()
    }
}

/// Lays out the whole document.
pub(crate) fn layout(fonts: &Fonts, doc: &Document) -> Vec<Page> {
    let mut flow = Flow::new(fonts, doc.lang.is_rtl());
    if !doc.title.trim().is_empty() {
        flow.title(&doc.title);
    }
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => flow.heading(h),
            Block::Paragraph(p) => flow.paragraph(p),
            Block::Facts(facts) => flow.facts(facts),
            Block::Table {
                headers,
                rows,
                numeric,
            } => flow.table(headers, rows, numeric),
            Block::Notice(n) => flow.notice(n),
        }
    }
    let footer = if doc.footer.trim().is_empty() {
        &doc.title
    } else {
        &doc.footer
    };
    flow.footers(footer, doc.lang);
    flow.pages
}
