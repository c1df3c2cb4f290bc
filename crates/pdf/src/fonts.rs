//! The two built-in fonts, and which one draws a given character.
//!
//! Noto Naskh Arabic draws Arabic script (it is the face of the web interface) but has no Latin
//! letters, no ASCII digits and no `-` or `%`; Noto Sans draws everything else. Both are compiled
//! into the binary so that a server without font packages prints the same PDFs.

use rustybuzz::Face;

use crate::PdfError;

static NASKH: &[u8] = include_bytes!("../fonts/NotoNaskhArabic-Regular.ttf");
static SANS: &[u8] = include_bytes!("../fonts/NotoSans-Regular.ttf");

/// Index of a font in [`Fonts::faces`].
pub(crate) type FontId = usize;
/// Noto Naskh Arabic.
pub(crate) const ARABIC: FontId = 0;
/// Noto Sans.
pub(crate) const LATIN: FontId = 1;

/// One parsed font.
pub(crate) struct Font {
    /// The PostScript name written in the PDF (after the subset tag).
    pub(crate) name: &'static str,
    /// The whole font file, which the writer subsets.
    pub(crate) data: &'static [u8],
    /// The parsed font, for shaping (rustybuzz) and metrics (its `ttf_parser` face).
    pub(crate) face: Face<'static>,
}

impl Font {
    fn load(name: &'static str, data: &'static [u8]) -> Result<Self, PdfError> {
        let face = Face::from_slice(data, 0).ok_or(PdfError::Font(name))?;
        Ok(Self { name, data, face })
    }

    /// Font units per em, as a float for scaling.
    pub(crate) fn upem(&self) -> f32 {
        self.face.units_per_em() as f32
    }

    /// Whether the font has a glyph for `c`.
    pub(crate) fn covers(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some()
    }

    /// The advance of a glyph in thousandths of an em, as PDF's `/W` arrays want it.
    pub(crate) fn advance_1000(&self, gid: u16) -> f32 {
        let adv = self
            .face
            .glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(gid))
            .unwrap_or(0);
        f32::from(adv) * 1000.0 / self.upem()
    }
}

/// Both fonts, parsed once per document.
pub(crate) struct Fonts {
    pub(crate) faces: [Font; 2],
}

impl Fonts {
    pub(crate) fn load() -> Result<Self, PdfError> {
        Ok(Self {
            faces: [
                Font::load("NotoNaskhArabic-Regular", NASKH)?,
                Font::load("NotoSans-Regular", SANS)?,
            ],
        })
    }

    pub(crate) fn get(&self, id: FontId) -> &Font {
        &self.faces[id.min(LATIN)]
    }

    /// Height above and below the baseline, as fractions of the font size, that a line needs
    /// for both fonts (Naskh's marks reach far above and below).
    pub(crate) fn extents(&self) -> (f32, f32) {
        let mut ascent: f32 = 0.0;
        let mut descent: f32 = 0.0;
        for font in &self.faces {
            ascent = ascent.max(f32::from(font.face.ascender()) / font.upem());
            descent = descent.max(-f32::from(font.face.descender()) / font.upem());
        }
        (ascent, descent)
    }
}

/// Whether `c` belongs to the Arabic script's blocks (letters, marks, Arabic-Indic digits,
/// Arabic punctuation, presentation forms).
pub(crate) fn is_arabic_script(c: char) -> bool {
    matches!(c,
        '\u{0600}'..='\u{06FF}'
        | '\u{0750}'..='\u{077F}'
        | '\u{0870}'..='\u{08FF}'
        | '\u{FB50}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFF}')
}

/// The font each character of `text` is drawn with, one entry per `char`.
///
/// Arabic script goes to Naskh, other letters and the digits 0-9 to Sans. Neutral characters
/// (spaces, punctuation) follow their neighbour when its font has them, so that the space
/// between two Arabic words is Naskh's and a shaping run is not cut at every space.
pub(crate) fn assign(fonts: &Fonts, text: &str) -> Vec<FontId> {
    let chars: Vec<char> = text.chars().collect();
    let strong: Vec<Option<FontId>> = chars
        .iter()
        .map(|&c| {
            if is_arabic_script(c) {
                Some(ARABIC)
            } else if c.is_ascii_digit() {
                // Naskh has the digits 0-9 too, but a number drawn in one font everywhere
                // (text, tables) reads the same everywhere.
                Some(LATIN)
            } else if c.is_alphabetic() {
                Some(
                    if fonts.get(LATIN).covers(c) || !fonts.get(ARABIC).covers(c) {
                        LATIN
                    } else {
                        ARABIC
                    },
                )
            } else {
                None
            }
        })
        .collect();
    // The next strong font after each position, computed backwards (linear on any input).
    let mut next_strong = vec![None; chars.len()];
    let mut seen = None;
    for i in (0..chars.len()).rev() {
        next_strong[i] = seen;
        if strong[i].is_some() {
            seen = strong[i];
        }
    }
    let mut out = Vec::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        if let Some(f) = strong[i] {
            out.push(f);
            continue;
        }
        let before = out.last().copied();
        let after = next_strong[i];
        let pick = [before, after, Some(LATIN), Some(ARABIC)]
            .into_iter()
            .flatten()
            .find(|&f| fonts.get(f).covers(c))
            .unwrap_or(LATIN);
        out.push(pick);
    }
    out
}
