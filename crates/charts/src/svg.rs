//! The drawing's pieces: the canvas that writes elements, text measuring and cutting,
//! escaping, the title and the legend. Layout code thinks in the chart's inline direction
//! (distance from the inline start) or in plain x; this module turns both into SVG.

use std::fmt::{self, Display, Write};

use crate::{Chart, Direction};

/// The drawing's width in SVG units. A page column on a 360-px phone is about 300-330 px
/// wide, so a 400-unit drawing shows a 15-unit label at 11-12 px; wider drawings would need
/// larger text, which would crowd a desktop.
pub const WIDTH: f64 = 400.0;
pub(crate) const PAD: f64 = 8.0;
/// The width between the paddings.
pub(crate) const INNER: f64 = WIDTH - 2.0 * PAD;

// Text is dark grey on the page's white or off-white (over 15:1), secondary text a lighter
// grey (over 6:1): both pass WCAG AA. Marks use the Okabe-Ito colours, which stay apart for
// the common colour blindnesses, the purple darkened so that each keeps WCAG's 3:1 for
// graphics against the off-white; the second series is also dashed and square-dotted, so
// colour is never the only cue.
pub(crate) const INK: &str = "#1d2327";
pub(crate) const MUTED: &str = "#55606a";
pub(crate) const GRID: &str = "#d5d9dd";
const PALETTE: [&str; 4] = ["#0072b2", "#d55e00", "#009e73", "#b85a93"];

pub(crate) fn colour(series: usize) -> &'static str {
    PALETTE[series % PALETTE.len()]
}

/// How a kind of text is drawn.
pub(crate) struct Font {
    pub size: f64,
    fill: &'static str,
    class: &'static str,
    bold: bool,
}

pub(crate) const TITLE: Font = Font {
    size: 16.0,
    fill: INK,
    class: "chart-title",
    bold: true,
};
pub(crate) const LABEL: Font = Font {
    size: 15.0,
    fill: INK,
    class: "chart-label",
    bold: false,
};
pub(crate) const VALUE: Font = Font {
    size: 15.0,
    fill: INK,
    class: "chart-value",
    bold: true,
};
/// A column's value on its top: smaller, as columns are narrow.
pub(crate) const COLUMN_VALUE: Font = Font {
    size: 14.0,
    fill: INK,
    class: "chart-value",
    bold: false,
};
pub(crate) const TICK: Font = Font {
    size: 14.0,
    fill: MUTED,
    class: "chart-tick",
    bold: false,
};
pub(crate) const X_LABEL: Font = Font {
    size: 14.0,
    fill: MUTED,
    class: "chart-x-label",
    bold: false,
};
pub(crate) const MISSING: Font = Font {
    size: 14.0,
    fill: MUTED,
    class: "chart-missing",
    bold: false,
};

/// Where a text's anchor point is, in the text's own direction: `Start` is the right end of
/// a right-to-left text (SVG's `text-anchor` follows `direction`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    /// The anchor that puts the text's left end at x, whatever the direction.
    pub fn left(direction: Direction) -> Anchor {
        match direction {
            Direction::Ltr => Anchor::Start,
            Direction::Rtl => Anchor::End,
        }
    }

    /// The anchor that puts the text's right end at x.
    pub fn right(direction: Direction) -> Anchor {
        match direction {
            Direction::Ltr => Anchor::End,
            Direction::Rtl => Anchor::Start,
        }
    }

    fn attribute(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// What marks a series in the legend.
pub(crate) enum Key {
    /// A trend's line with its dot.
    Line(usize),
    /// A column's colour.
    Column(usize),
    /// The hollow marker of a trend's suppressed month.
    Missing,
}

/// A number written in an attribute: one decimal at most, and never `NaN` or `inf` (a
/// non-finite number, which the layout should never make, is written as 0).
pub(crate) struct N(pub f64);

impl Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = if self.0.is_finite() {
            (self.0 * 10.0).round() / 10.0
        } else {
            0.0
        };
        if v.fract() == 0.0 {
            write!(f, "{}", v as i64)
        } else {
            write!(f, "{v:.1}")
        }
    }
}

/// Text as XML character data or attribute value: escaped, and without the characters XML
/// forbids (which would make the page's SVG ill-formed) or the bidi embeddings and overrides
/// that could make a label read as another. Isolates stay: a page may wrap "<5" in one to
/// keep it left to right in Arabic.
pub(crate) struct Esc<'t>(pub &'t str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&#39;")?,
                '\t' | '\n' | '\r' => f.write_char(' ')?,
                c if dropped(c) => {}
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

fn dropped(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{fffe}' | '\u{ffff}')
}

/// A text's width, estimated without the font: 0.6 em a character (generous for Latin and
/// digits, so that a cut text fits), 0.6 em for Arabic letters (Noto Naskh's average is
/// nearer 0.45, but a phone may draw them in a wider system font: measured in Chromium), 0.3 em for a space, a full em for wide scripts, and nothing for combining
/// marks (Arabic vowels), invisible marks and the characters that [`Esc`] drops.
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(char_em).sum::<f64>() * size
}

fn char_em(c: char) -> f64 {
    match c {
        '\t' | '\n' | '\r' | ' ' | '\u{a0}' | '\u{202f}' => 0.3,
        c if dropped(c) => 0.0,
        '\u{300}'..='\u{36f}'
        | '\u{610}'..='\u{61a}'
        | '\u{64b}'..='\u{65f}'
        | '\u{670}'
        | '\u{6d6}'..='\u{6ed}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2066}'..='\u{2069}'
        | '\u{fe00}'..='\u{fe0f}' => 0.0,
        '\u{600}'..='\u{6ff}'
        | '\u{750}'..='\u{77f}'
        | '\u{fb50}'..='\u{fdff}'
        | '\u{fe70}'..='\u{fefc}' => 0.6,
        '\u{1100}'..='\u{115f}'
        | '\u{2e80}'..='\u{a4cf}'
        | '\u{ac00}'..='\u{d7a3}'
        | '\u{f900}'..='\u{faff}'
        | '\u{ff00}'..='\u{ff60}'
        | '\u{1f300}'..='\u{1faff}' => 1.0,
        _ => 0.6,
    }
}

/// The text cut to `max` units with an ellipsis at its end, or None when it fits whole.
pub(crate) fn fit(text: &str, size: f64, max: f64) -> Option<String> {
    if text_width(text, size) <= max {
        return None;
    }
    let room = max - text_width("…", size);
    let mut used = 0.0;
    let mut cut = String::new();
    for c in text.chars() {
        used += char_em(c) * size;
        if used > room {
            break;
        }
        cut.push(c);
    }
    let mut cut = cut.trim_end().to_string();
    cut.push('…');
    Some(cut)
}

/// An id's characters that are safe in an id and in the space-separated list of
/// `aria-labelledby`.
fn clean_id(id: &str) -> String {
    let id: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if id.is_empty() {
        "chart".to_string()
    } else {
        id
    }
}

/// The elements of one chart, written in order.
pub(crate) struct Canvas {
    pub direction: Direction,
    out: String,
}

impl Canvas {
    pub fn new(direction: Direction) -> Canvas {
        Canvas {
            direction,
            out: String::new(),
        }
    }

    /// Writes raw markup; callers format numbers with [`N`] and text with [`Esc`].
    pub fn put(&mut self, markup: fmt::Arguments) {
        // Writing into a String cannot fail.
        let _ = self.out.write_fmt(markup);
    }

    /// The x that is `distance` from the inline start (the right edge in RTL).
    pub fn along(&self, distance: f64) -> f64 {
        match self.direction {
            Direction::Ltr => PAD + distance,
            Direction::Rtl => WIDTH - PAD - distance,
        }
    }

    /// The left x of a mark that spans `from`..`from + length` from the inline start.
    pub fn span_left(&self, from: f64, length: f64) -> f64 {
        match self.direction {
            Direction::Ltr => self.along(from),
            Direction::Rtl => self.along(from + length),
        }
    }

    /// A text cut to `max` units; a cut text keeps its whole in a `<title>` child.
    pub fn text(&mut self, x: f64, y: f64, anchor: Anchor, font: &Font, text: &str, max: f64) {
        let dir = match self.direction {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        };
        self.put(format_args!(
            r#"<text x="{}" y="{}" font-size="{}" fill="{}" text-anchor="{}" direction="{dir}" class="{}"{}>"#,
            N(x),
            N(y),
            N(font.size),
            font.fill,
            anchor.attribute(),
            font.class,
            if font.bold { r#" font-weight="bold""# } else { "" },
        ));
        match fit(text, font.size, max) {
            Some(cut) => {
                self.put(format_args!("<title>{}</title>{}", Esc(text), Esc(&cut)));
            }
            None => self.put(format_args!("{}", Esc(text))),
        }
        self.out.push_str("</text>");
    }

    pub fn rect(&mut self, x: f64, y: f64, width: f64, height: f64, fill: &str, class: &str) {
        self.put(format_args!(
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}" class="{class}"/>"#,
            N(x),
            N(y),
            N(width.max(0.0)),
            N(height.max(0.0)),
        ));
    }

    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, class: &str) {
        self.put(format_args!(
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="1" class="{class}"/>"#,
            N(x1),
            N(y1),
            N(x2),
            N(y2),
        ));
    }

    /// A trend's dot: round for even series, square for odd ones; hollow for a suppressed
    /// month.
    pub fn marker(&mut self, x: f64, y: f64, series: usize, hollow: bool) {
        let (fill, stroke) = if hollow {
            ("#ffffff", colour(series))
        } else {
            (colour(series), "#ffffff")
        };
        let class = if hollow {
            "chart-dot chart-dot-missing"
        } else {
            "chart-dot"
        };
        if series.is_multiple_of(2) {
            self.put(format_args!(
                r#"<circle cx="{}" cy="{}" r="4.5" fill="{fill}" stroke="{stroke}" stroke-width="1.5" class="{class}"/>"#,
                N(x),
                N(y),
            ));
        } else {
            self.put(format_args!(
                r#"<rect x="{}" y="{}" width="8" height="8" fill="{fill}" stroke="{stroke}" stroke-width="1.5" class="{class}"/>"#,
                N(x - 4.0),
                N(y - 4.0),
            ));
        }
    }

    /// A trend's line through `points`; the second series is dashed.
    pub fn polyline(&mut self, points: &[(f64, f64)], series: usize) {
        let dash = if series % 2 == 1 {
            r#" stroke-dasharray="7 4""#
        } else {
            ""
        };
        self.put(format_args!(
            r#"<polyline fill="none" stroke="{}" stroke-width="2.5" stroke-linejoin="round"{dash} class="chart-line" points=""#,
            colour(series),
        ));
        for (i, (x, y)) in points.iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            self.put(format_args!("{sep}{},{}", N(*x), N(*y)));
        }
        self.out.push_str(r#""/>"#);
    }

    /// The title at the inline start of the top line; returns where the next line starts.
    pub fn title(&mut self, title: &str) -> f64 {
        self.text(
            self.along(0.0),
            PAD + TITLE.size,
            Anchor::Start,
            &TITLE,
            title,
            INNER,
        );
        PAD + TITLE.size + 12.0
    }

    /// The legend from `top`, flowing from the inline start and wrapping; returns where the
    /// next line starts.
    pub fn legend(&mut self, top: f64, keys: &[(Key, &str)]) -> f64 {
        const SWATCH: f64 = 22.0;
        const GAP: f64 = 6.0;
        const ROW: f64 = 22.0;
        let mut at = 0.0;
        let mut row = 0.0;
        for (key, name) in keys {
            let max = INNER - SWATCH - GAP;
            let width = SWATCH + GAP + text_width(name, LABEL.size).min(max);
            if at > 0.0 && at + width > INNER {
                at = 0.0;
                row += ROW;
            }
            let middle = top + row + ROW / 2.0;
            let left = self.span_left(at, SWATCH);
            match key {
                Key::Line(series) => {
                    self.polyline(&[(left, middle), (left + SWATCH, middle)], *series);
                    self.marker(left + SWATCH / 2.0, middle, *series, false);
                }
                Key::Column(series) => {
                    let (x, y) = (left + 4.0, middle - 7.0);
                    self.rect(x, y, 14.0, 14.0, colour(*series), "chart-key");
                }
                Key::Missing => {
                    self.put(format_args!(
                        r##"<circle cx="{}" cy="{}" r="4.5" fill="#ffffff" stroke="{MUTED}" stroke-width="1.5" class="chart-dot-missing"/>"##,
                        N(left + SWATCH / 2.0),
                        N(middle),
                    ));
                }
            }
            let x = self.along(at + SWATCH + GAP);
            self.text(
                x,
                middle + LABEL.size * 0.35,
                Anchor::Start,
                &LABEL,
                name,
                max,
            );
            at += width + 16.0;
        }
        if keys.is_empty() {
            top
        } else {
            top + row + ROW + 6.0
        }
    }

    /// The whole SVG, `height` units tall.
    pub fn finish(self, chart: &Chart, height: f64, desc: &str) -> String {
        let id = clean_id(chart.id);
        let dir = match self.direction {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        };
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" aria-labelledby="{id}-title" aria-describedby="{id}-desc" direction="{dir}" class="chart"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>{}</svg>"#,
            N(WIDTH),
            N(height.ceil()),
            Esc(chart.title),
            Esc(desc),
            self.out,
        )
    }
}
