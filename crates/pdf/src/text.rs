//! From a string to lines of positioned glyphs: cleaning, bidi levels, font choice, shaping and
//! line breaking.
//!
//! A paragraph is shaped once, in logical order, as runs of one font at one bidi level
//! (rustybuzz joins the Arabic letters and makes the ligatures). Lines are then chosen by the
//! measured widths of the shaped clusters, breaking at spaces, and each line's runs are put in
//! visual order by the Unicode bidi algorithm (rule L2), so that «الحالة 04441-2026 في سلا» reads
//! right to left with its number left to right.

use std::ops::Range;

use rustybuzz::{BufferClusterLevel, BufferFlags, Direction, UnicodeBuffer};
use unicode_bidi::{BidiClass, BidiDataSource, BidiInfo, Level};

use crate::fonts::{self, FontId, Fonts};

/// The text as it may reach the layout: hard line breaks as `\n`, tabs as spaces, and no
/// control or format character that could hide or reorder text.
///
/// Explicit bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) are dropped:
/// in a user's text they can make «123» print as «321» on a child's file, and the isolates that
/// Fluent puts around its arguments have no use on paper. The marks LRM, RLM and ALM stay, since
/// they only act like a strong letter, and are not drawn.
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\u{0085}' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push(' '),
            '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{206A}'..='\u{206F}'
            | '\u{200B}'
            | '\u{2060}'..='\u{2064}'
            | '\u{00AD}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// LRM, RLM and ALM: they steer the bidi algorithm but are neither drawn nor extracted.
fn is_bidi_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Unicode's bidi classes, except that Arabic letters count as right-to-left letters (class R,
/// like Hebrew's) rather than AL.
///
/// Under AL, European digits after an Arabic word become "Arabic numbers", which a hyphen no
/// longer holds together: «الحالة 04441-2026-000123» would print its number as
/// 000123-2026-04441 (as browsers do), and a date 2026-01-03 as 03-01-2026. On a child's file,
/// case numbers, dates and phone numbers must read as they were written.
struct Classes;

impl BidiDataSource for Classes {
    fn bidi_class(&self, c: char) -> BidiClass {
        match unicode_bidi::bidi_class(c) {
            BidiClass::AL => BidiClass::R,
            class => class,
        }
    }
}

/// Arabic vowel and Quranic marks (harakat, shadda, sukun, superscript alef…).
fn is_arabic_mark(c: char) -> bool {
    matches!(c,
        '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{06D6}'..='\u{06DC}'
        | '\u{06DF}'..='\u{06E4}'
        | '\u{06E7}'..='\u{06E8}'
        | '\u{06EA}'..='\u{06ED}'
        | '\u{08D3}'..='\u{08E1}'
        | '\u{08E3}'..='\u{08FF}')
}

/// A glyph placed on a line.
#[derive(Clone)]
pub(crate) struct Glyph {
    pub(crate) font: FontId,
    /// The glyph id in the original font (the writer maps it to the subset's).
    pub(crate) gid: u16,
    /// From the line's left edge, in points.
    pub(crate) x: f32,
    /// Upwards from the baseline, in points.
    pub(crate) dy: f32,
    /// The characters this glyph stands for (two for the ligature لا), in logical order, for the
    /// PDF's ToUnicode map; empty for the second and later glyphs of one cluster.
    pub(crate) text: String,
}

/// One line, in visual order from left to right.
#[derive(Clone)]
pub(crate) struct Line {
    pub(crate) glyphs: Vec<Glyph>,
    /// Its advance width in points.
    pub(crate) width: f32,
}

/// A glyph as shaped, before line breaking.
struct Shaped {
    font: FontId,
    gid: u16,
    /// Byte offset of its cluster in the paragraph.
    cluster: usize,
    advance: f32,
    dx: f32,
    dy: f32,
}

/// A run of one font at one bidi level, shaped; glyphs in visual order (rustybuzz reverses
/// right-to-left runs).
struct Item {
    range: Range<usize>,
    level: Level,
    glyphs: Vec<Shaped>,
}

/// One paragraph (no hard line break), shaped and ready to be broken at any width.
struct Para {
    text: String,
    items: Vec<Item>,
    /// Start of every cluster, in logical order.
    starts: Vec<usize>,
    /// `prefix[k]` is the advance of the clusters before `starts[k]`; one more entry than
    /// `starts`.
    prefix: Vec<f32>,
}

impl Para {
    fn new(fonts: &Fonts, text: &str, rtl: bool, size: f32) -> Self {
        let base = if rtl { Level::rtl() } else { Level::ltr() };
        let bidi = BidiInfo::new_with_data_source(&Classes, text, Some(base));
        let font_of = fonts::assign(fonts, text);
        let mut items = Vec::new();
        let mut start = 0;
        let mut current: Option<(FontId, Level)> = None;
        for ((i, _), &font) in text.char_indices().zip(&font_of) {
            let level = bidi.levels.get(i).copied().unwrap_or(base);
            if let Some((f, l)) = current
                && (f != font || l != level)
            {
                items.push(shape(fonts, f, text, start..i, l, size));
                start = i;
            }
            current = Some((font, level));
        }
        if let Some((f, l)) = current {
            items.push(shape(fonts, f, text, start..text.len(), l, size));
        }

        let mut widths: Vec<(usize, f32)> = items
            .iter()
            .flat_map(|item| item.glyphs.iter().map(|g| (g.cluster, g.advance)))
            .collect();
        widths.sort_by_key(|&(cluster, _)| cluster);
        let mut starts: Vec<usize> = Vec::with_capacity(widths.len());
        let mut prefix = vec![0.0];
        for (cluster, advance) in widths {
            if starts.last() != Some(&cluster) {
                starts.push(cluster);
                prefix.push(prefix.last().copied().unwrap_or(0.0));
            }
            if let Some(last) = prefix.last_mut() {
                *last += advance;
            }
        }
        Self {
            text: text.to_owned(),
            items,
            starts,
            prefix,
        }
    }

    /// Number of clusters starting before byte `pos`.
    fn index(&self, pos: usize) -> usize {
        self.starts.partition_point(|&s| s < pos)
    }

    /// The advance of the clusters that start in `range`.
    fn width(&self, range: Range<usize>) -> f32 {
        let (a, b) = (self.index(range.start), self.index(range.end));
        if b <= a {
            return 0.0;
        }
        self.prefix.get(b).copied().unwrap_or(0.0) - self.prefix.get(a).copied().unwrap_or(0.0)
    }

    /// The end of the cluster that starts at `start`.
    fn cluster_end(&self, start: usize) -> usize {
        let k = self.starts.partition_point(|&s| s <= start);
        self.starts.get(k).copied().unwrap_or(self.text.len())
    }

    /// Words as (start, end of the letters, end with the spaces after them).
    fn words(&self) -> Vec<(usize, usize, usize)> {
        let mut words = Vec::new();
        let mut start = 0;
        let mut content_end = 0;
        let mut in_space = false;
        for (i, c) in self.text.char_indices() {
            if c.is_whitespace() {
                if !in_space {
                    content_end = i;
                    in_space = true;
                }
            } else if in_space {
                words.push((start, content_end, i));
                start = i;
                in_space = false;
            }
        }
        let end = self.text.len();
        words.push((start, if in_space { content_end } else { end }, end));
        words
    }

    /// The widest word: the narrowest a column can be without cutting one.
    fn min_width(&self) -> f32 {
        self.words()
            .into_iter()
            .map(|(s, e, _)| self.width(s..e))
            .fold(0.0, f32::max)
    }

    fn natural_width(&self) -> f32 {
        self.width(0..self.text.len())
    }

    /// Byte ranges of the lines that fit in `max` points, greedy, breaking at spaces; a word
    /// wider than a line is cut between clusters (at least one cluster per line, so this always
    /// ends).
    fn break_lines(&self, max: f32) -> Vec<Range<usize>> {
        // A line at least a point wide (NaN too), so that every pass below makes progress.
        let max = max.max(1.0);
        let mut lines = Vec::new();
        let mut line_start: Option<usize> = None;
        let mut line_end = 0;
        for (word_start, content_end, _) in self.words() {
            let start = line_start.unwrap_or(word_start);
            if line_start.is_some() && self.width(start..content_end) > max {
                lines.push(start..line_end);
                line_start = None;
            }
            let mut start = line_start.unwrap_or(word_start);
            while self.width(start..content_end) > max {
                let cut = self.cut(start, content_end, max);
                if cut >= content_end {
                    // One cluster wider than the line: it stands alone and overflows.
                    break;
                }
                lines.push(start..cut);
                start = cut;
            }
            line_start = Some(start);
            line_end = content_end;
        }
        if let Some(start) = line_start {
            lines.push(start..line_end);
        }
        lines
    }

    /// The furthest cluster boundary in `(start, end)` such that `start..boundary` fits in
    /// `max`; at least the first one, or `end` when the word is a single cluster.
    fn cut(&self, start: usize, end: usize, max: f32) -> usize {
        let first = self.index(start + 1);
        let mut cut = None;
        for &boundary in self.starts.iter().skip(first) {
            if boundary >= end || (cut.is_some() && self.width(start..boundary) > max) {
                break;
            }
            cut = Some(boundary);
        }
        cut.unwrap_or(end)
    }

    /// The glyphs of the clusters in `range`, in visual order.
    fn line(&self, range: Range<usize>) -> Line {
        // Items are in logical order and do not overlap.
        let first = self
            .items
            .partition_point(|item| item.range.end <= range.start);
        let last = self
            .items
            .partition_point(|item| item.range.start < range.end);
        let parts = self.items.get(first..last.max(first)).unwrap_or(&[]);
        let levels: Vec<Level> = parts.iter().map(|item| item.level).collect();
        let mut glyphs = Vec::new();
        let mut x = 0.0;
        for index in BidiInfo::reorder_visual(&levels) {
            let Some(item) = parts.get(index) else {
                continue;
            };
            let mut previous_cluster = None;
            for g in item.glyphs_in(&range) {
                let text = if previous_cluster == Some(g.cluster) {
                    String::new()
                } else {
                    let end = self.cluster_end(g.cluster).min(range.end);
                    let chars = self
                        .text
                        .get(g.cluster..end)
                        .unwrap_or("")
                        .chars()
                        .filter(|&c| !is_bidi_mark(c));
                    // Text extractors (poppler, PDFium) read a line left to right and reverse
                    // its right-to-left runs character by character, the characters of one
                    // glyph included: a right-to-left ligature (لله in «الله») is mapped to its
                    // letters in visual order so that the reversal restores them. Arabic letters
                    // only ever stand in right-to-left runs, so the map is the same everywhere.
                    let text: String = if item.level.is_rtl() {
                        chars.rev().collect()
                    } else {
                        chars.collect()
                    };
                    // Arabic vowel marks sit over their letter, to the right of where the
                    // letter's glyph starts: an extractor that read them would cut the word
                    // there («مُحَمَّد» as «ُم َح َّمد»). Left out, the word reads «محمد», which is
                    // also what a search for the name types.
                    if text.chars().all(is_arabic_mark) {
                        String::new()
                    } else {
                        text
                    }
                };
                previous_cluster = Some(g.cluster);
                glyphs.push(Glyph {
                    font: g.font,
                    gid: g.gid,
                    x: x + g.dx,
                    dy: g.dy,
                    text,
                });
                x += g.advance;
            }
        }
        Line { glyphs, width: x }
    }
}

impl Item {
    /// The glyphs whose cluster starts in `range`, found by bisection: clusters grow along a
    /// left-to-right run and shrink along a right-to-left one.
    fn glyphs_in(&self, range: &Range<usize>) -> &[Shaped] {
        let g = &self.glyphs;
        let (a, b) = if self.level.is_rtl() {
            (
                g.partition_point(|s| s.cluster >= range.end),
                g.partition_point(|s| s.cluster >= range.start),
            )
        } else {
            (
                g.partition_point(|s| s.cluster < range.start),
                g.partition_point(|s| s.cluster < range.end),
            )
        };
        g.get(a..b).unwrap_or(&[])
    }
}

/// Shapes `text[range]` in one font at one bidi level.
fn shape(
    fonts: &Fonts,
    font: FontId,
    text: &str,
    range: Range<usize>,
    level: Level,
    size: f32,
) -> Item {
    let face = fonts.get(font);
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text.get(range.clone()).unwrap_or(""));
    buffer.set_direction(if level.is_rtl() {
        Direction::RightToLeft
    } else {
        Direction::LeftToRight
    });
    buffer.guess_segment_properties();
    // Marks keep their own clusters, so that each glyph maps back to its own characters.
    buffer.set_cluster_level(BufferClusterLevel::MonotoneCharacters);
    buffer.set_flags(BufferFlags::REMOVE_DEFAULT_IGNORABLES);
    let shaped = rustybuzz::shape(&face.face, &[], buffer);
    let scale = size / face.upem();
    let glyphs = shaped
        .glyph_infos()
        .iter()
        .zip(shaped.glyph_positions())
        .map(|(info, pos)| Shaped {
            font,
            gid: u16::try_from(info.glyph_id).unwrap_or(0),
            cluster: range.start + info.cluster as usize,
            advance: pos.x_advance as f32 * scale,
            dx: pos.x_offset as f32 * scale,
            dy: pos.y_offset as f32 * scale,
        })
        .collect();
    Item {
        range,
        level,
        glyphs,
    }
}

/// A piece of text of one size and direction, possibly of several paragraphs (hard line
/// breaks), that can be measured and broken into lines.
pub(crate) struct Text {
    paras: Vec<Para>,
}

impl Text {
    /// Cleans, shapes and measures `text`. `rtl` is the document's direction: it decides the
    /// order of runs of different directions on a line, not the alignment.
    pub(crate) fn new(fonts: &Fonts, text: &str, rtl: bool, size: f32) -> Self {
        let cleaned = clean(text);
        Self {
            paras: cleaned
                .split('\n')
                .map(|p| Para::new(fonts, p, rtl, size))
                .collect(),
        }
    }

    /// Width on one line per paragraph.
    pub(crate) fn natural_width(&self) -> f32 {
        self.paras
            .iter()
            .map(Para::natural_width)
            .fold(0.0, f32::max)
    }

    /// Width of the widest word.
    pub(crate) fn min_width(&self) -> f32 {
        self.paras.iter().map(Para::min_width).fold(0.0, f32::max)
    }

    /// The lines at a width of `max` points; an empty text gives one empty line.
    pub(crate) fn lines(&self, max: f32) -> Vec<Line> {
        self.paras
            .iter()
            .flat_map(|p| p.break_lines(max).into_iter().map(|r| p.line(r)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        Fonts::load().expect("the built-in fonts")
    }

    /// The characters of a line as they stand from left to right.
    fn visual(line: &Line) -> String {
        line.glyphs.iter().map(|g| g.text.as_str()).collect()
    }

    fn one_line(text: &str, rtl: bool) -> Line {
        let mut lines = Text::new(&fonts(), text, rtl, 10.0).lines(10_000.0);
        assert_eq!(lines.len(), 1);
        lines.remove(0)
    }

    #[test]
    fn a_number_in_arabic_keeps_its_order() {
        let line = one_line("الحالة 04441-2026-000123 في سلا", true);
        assert_eq!(visual(&line), "الس يف 04441-2026-000123 ةلاحلا");
        let line = one_line("بتاريخ 2026-01-03 على 14:30", true);
        assert_eq!(visual(&line), "14:30 ىلع 2026-01-03 خيراتب");
    }

    #[test]
    fn arabic_in_a_french_line_reads_right_to_left() {
        let line = one_line("Nom : محمد بن علي (12 ans)", false);
        assert_eq!(visual(&line), "Nom : يلع نب دمحم (12 ans)");
    }

    #[test]
    fn glyphs_advance_from_left_to_right() {
        let line = one_line("التقرير الإقليمي Rapport 2026", true);
        assert!(line.width > 0.0);
        let xs: Vec<f32> = line.glyphs.iter().map(|g| g.x).collect();
        // Offsets move marks a little; bases never go backwards by more than that.
        assert!(xs.windows(2).all(|w| w[1] >= w[0] - 1.0), "{xs:?}");
    }

    #[test]
    fn overrides_and_controls_are_dropped() {
        assert_eq!(
            clean("a\u{202E}b\u{2066}c\u{0007}d\te\r\nf\u{2029}g\u{200F}"),
            "abcd e\nf\ng\u{200F}"
        );
        let line = one_line("رقم \u{202E}123\u{202C}", true);
        assert_eq!(visual(&line), "123 مقر");
    }

    #[test]
    fn lines_fit_their_width() {
        let fonts = fonts();
        let text =
            "يتم تتبع مسار الطفل من الرصد إلى الإدماج، وتسجل كل مرحلة مع تاريخها. ".repeat(20);
        let lines = Text::new(&fonts, &text, true, 10.5).lines(200.0);
        assert!(lines.len() > 10);
        assert!(lines.iter().all(|l| l.width <= 200.01), "a line overflows");
        let words: usize = lines
            .iter()
            .map(|l| visual(l).split_whitespace().count())
            .sum();
        assert_eq!(words, text.split_whitespace().count());
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut() {
        let fonts = fonts();
        let lines = Text::new(&fonts, &"x".repeat(500), false, 10.0).lines(50.0);
        assert!(lines.len() > 10);
        assert!(
            lines
                .iter()
                .all(|l| l.width <= 50.01 && !l.glyphs.is_empty())
        );
        // Even a line narrower than one letter makes progress.
        assert_eq!(Text::new(&fonts, "abc", false, 10.0).lines(0.0).len(), 3);
        assert_eq!(
            Text::new(&fonts, "abc", false, 10.0).lines(f32::NAN).len(),
            3
        );
    }

    #[test]
    fn empty_text_is_one_empty_line() {
        let lines = Text::new(&fonts(), "", true, 10.0).lines(100.0);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].glyphs.is_empty());
        assert_eq!(
            Text::new(&fonts(), "a\n\nb", true, 10.0).lines(100.0).len(),
            3
        );
    }

    #[test]
    fn each_script_gets_its_font() {
        let fonts = fonts();
        let got = fonts::assign(&fonts, "سلا 12-3 abc");
        use fonts::{ARABIC, LATIN};
        assert_eq!(
            got,
            [
                ARABIC, ARABIC, ARABIC, ARABIC, LATIN, LATIN, LATIN, LATIN, LATIN, LATIN, LATIN,
                LATIN
            ]
        );
    }
}
