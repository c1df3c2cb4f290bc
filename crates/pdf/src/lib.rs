//! Awladna's PDF engine: the printable linking card and the provincial and national reports.
//!
//! A caller describes a [`Document`] as a list of [`Block`]s (headings, paragraphs, label/value
//! facts, tables, a boxed notice) and [`render`] lays it out on A4 pages and writes the PDF.
//! What the paper must get right, and why this crate exists rather than a template:
//!
//! - **Arabic is shaped**: letters joined and ligatures made by rustybuzz (a port of HarfBuzz),
//!   never the isolated forms a naive writer prints;
//! - **right to left**: an Arabic document is right-aligned and its tables start on the right,
//!   and each line is reordered by the Unicode bidi algorithm, so that a case number or a French
//!   name inside Arabic keeps its own order;
//! - **text can be copied and searched**: every glyph maps back to its characters (a ligature
//!   to both of its letters), so `pdftotext` and screen readers read the words in order;
//! - **it prints anywhere**: the two fonts (Noto Naskh Arabic, Noto Sans; SIL OFL) are built
//!   into the binary, and each PDF embeds only the glyphs it uses;
//! - **no input breaks it**: control characters and bidi overrides are dropped, long words are
//!   cut, rows taller than a page are split, and any text renders without a panic.
//!
//! The crate does no IO and keeps no state; it knows nothing of children or cases, only of
//! text. Nothing here logs or formats the document's text.

mod fonts;
mod layout;
mod text;
mod write;

/// The language of a document. It sets the direction (Arabic: right to left) and the words of
/// the page numbers, and is written in the PDF for screen readers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// Arabic: right to left, page numbers as «الصفحة 1 من 3».
    Ar,
    /// French: left to right, «Page 1 sur 3».
    Fr,
    /// English: left to right, "Page 1 of 3".
    En,
}

impl Lang {
    /// Whether lines start on the right.
    pub fn is_rtl(self) -> bool {
        self == Lang::Ar
    }

    fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

/// A document to print. It has no `Debug`: a linking card holds a child's data.
#[derive(Clone)]
pub struct Document {
    /// Printed at the top of the first page, and the PDF's title.
    pub title: String,
    /// The direction of every line and table, and the language written in the PDF.
    pub lang: Lang,
    /// The line at the foot of every page, beside "page n of N" (e.g. the issuing service and
    /// the date); the title when empty.
    pub footer: String,
    /// The content, top to bottom.
    pub blocks: Vec<Block>,
}

/// A part of a document, laid out one after the other down the pages. Every text may hold
/// line breaks (`\n`); long lines wrap.
#[derive(Clone)]
pub enum Block {
    /// A section heading, kept on the same page as the start of what follows it.
    Heading(String),
    /// Running text, wrapped at spaces (a word wider than the page is cut).
    Paragraph(String),
    /// Label/value pairs, as a form is printed: the label where lines start, the value beside.
    Facts(Vec<(String, String)>),
    /// A table whose header is repeated on every page it runs onto. Rows may have fewer cells
    /// than the widest row (they are left empty). `numeric[j]` right-aligns column `j`
    /// so that units line up, in every language (digits are written left to right).
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
        numeric: Vec<bool>,
    },
    /// A boxed line that must not be missed, e.g. "Confidential: shared under the child
    /// protection mechanism's rules".
    Notice(String),
}

/// Why a PDF could not be made. These concern the built-in fonts, so they point at a broken
/// build, never at the document.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the built-in font {0} could not be read")]
    Font(&'static str),
    #[error("the built-in font {0} could not be subset: {1}")]
    Subset(&'static str, String),
}

/// Lays out and writes `doc` as a PDF file (A4, fonts embedded as subsets, compressed).
///
/// The output is deterministic: the same document gives the same bytes (no date, no random
/// id), so a stored report can be compared with its re-rendering. It is CPU work (about 2 ms
/// for a one-page card and 60 ms for a thousand table rows in a release build): async callers
/// run it on a blocking thread.
pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    let fonts = fonts::Fonts::load()?;
    let pages = layout::layout(&fonts, doc);
    write::write(&fonts, doc, &pages)
}
