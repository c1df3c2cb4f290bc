//! Pages to PDF bytes, with pdf-writer.
//!
//! Each font is embedded as a CID-keyed TrueType subset (subsetter): glyphs are addressed by
//! their id in the subset, and a ToUnicode map says which characters each glyph stands for, so
//! that text extraction gives back the words (a ligature maps to both of its letters). When one
//! glyph stands for different text in two places (a mirrored bracket, a presentation form), the
//! second place carries its text in an `/ActualText` span of that glyph alone.

use std::collections::HashMap;

use pdf_writer::types::{
    CidFontType, Direction, FontFlags, SystemInfo, TextRenderingMode, UnicodeCmap,
};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;

use crate::fonts::{Font, Fonts};
use crate::layout::{Op, PAGE_HEIGHT, PAGE_WIDTH, Page};
use crate::{Document, PdfError};

const FONT_NAMES: [&[u8]; 2] = [b"F0", b"F1"];
const SYSTEM_INFO: SystemInfo = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};
/// Stroke width of synthesised bold, as a fraction of the font size.
const BOLD_STROKE: f32 = 0.035;

/// The glyphs of one font that the document uses.
struct Used {
    /// Original glyph id to subset glyph id (which is also the CID).
    remapper: GlyphRemapper,
    /// Advance of each CID, in thousandths of an em.
    widths: Vec<f32>,
    /// The text of each CID, for the ToUnicode map.
    text: HashMap<u16, String>,
}

impl Used {
    fn new(font: &Font) -> Self {
        Self {
            remapper: GlyphRemapper::new(),
            widths: vec![font.advance_1000(0)],
            text: HashMap::new(),
        }
    }

    fn cid(&mut self, font: &Font, gid: u16) -> u16 {
        let cid = self.remapper.remap(gid);
        if usize::from(cid) == self.widths.len() {
            self.widths.push(font.advance_1000(gid));
        }
        cid
    }

    fn is_empty(&self) -> bool {
        self.widths.len() <= 1
    }
}

/// Pieces of a `TJ` array.
enum Piece {
    Glyphs(Vec<u8>),
    Adjust(f32),
}

fn flush(content: &mut Content, pieces: &mut Vec<Piece>) {
    if pieces.is_empty() {
        return;
    }
    {
        let mut show = content.show_positioned();
        let mut items = show.items();
        for piece in pieces.iter() {
            match piece {
                Piece::Glyphs(bytes) => {
                    items.show(Str(bytes));
                }
                Piece::Adjust(a) => {
                    items.adjust(*a);
                }
            }
        }
    }
    pieces.clear();
}

/// Writes one page's content stream.
fn content(page: &Page, fonts: &Fonts, used: &mut [Used; 2]) -> Vec<u8> {
    let mut content = Content::new();
    for op in &page.ops {
        match op {
            Op::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
            } => {
                content.save_state();
                content.rect(*x, PAGE_HEIGHT - y - h, *w, *h);
                match (fill, stroke) {
                    (Some(f), Some((s, width))) => {
                        content.set_fill_gray(*f).set_stroke_gray(*s);
                        content.set_line_width(*width).fill_nonzero_and_stroke();
                    }
                    (Some(f), None) => {
                        content.set_fill_gray(*f).fill_nonzero();
                    }
                    (None, Some((s, width))) => {
                        content.set_stroke_gray(*s).set_line_width(*width).stroke();
                    }
                    (None, None) => {
                        content.end_path();
                    }
                }
                content.restore_state();
            }
            Op::Rule {
                from,
                to,
                gray,
                width,
            } => {
                content.save_state();
                content.set_stroke_gray(*gray).set_line_width(*width);
                content.move_to(from.0, PAGE_HEIGHT - from.1);
                content.line_to(to.0, PAGE_HEIGHT - to.1).stroke();
                content.restore_state();
            }
            Op::Text {
                x,
                y,
                size,
                bold,
                gray,
                line,
            } => {
                let size = *size;
                content.begin_text();
                content.set_fill_gray(*gray);
                if *bold {
                    content.set_stroke_gray(*gray);
                    content.set_line_width(size * BOLD_STROKE);
                    content.set_text_rendering_mode(TextRenderingMode::FillStroke);
                } else {
                    content.set_text_rendering_mode(TextRenderingMode::Fill);
                }
                let mut pieces = Vec::new();
                let mut current_font = None;
                // Where the viewer's pen stands after the last glyph shown.
                let mut pen: Option<(f32, f32)> = None;
                for g in &line.glyphs {
                    let font = fonts.get(g.font);
                    let slot = &mut used[g.font.min(1)];
                    let cid = slot.cid(font, g.gid);
                    let gx = x + g.x;
                    let gy = PAGE_HEIGHT - y + g.dy;
                    if current_font != Some(g.font) {
                        flush(&mut content, &mut pieces);
                        content.set_font(Name(FONT_NAMES[g.font.min(1)]), size);
                        current_font = Some(g.font);
                        pen = None;
                    }
                    let conflict = !g.text.is_empty()
                        && match slot.text.get(&cid) {
                            Some(known) => *known != g.text,
                            None => {
                                slot.text.insert(cid, g.text.clone());
                                false
                            }
                        };
                    let advance = slot.widths.get(usize::from(cid)).copied().unwrap_or(0.0);
                    if conflict {
                        flush(&mut content, &mut pieces);
                        content.set_text_matrix([1.0, 0.0, 0.0, 1.0, gx, gy]);
                        content
                            .begin_marked_content_with_properties(Name(b"Span"))
                            .properties()
                            .actual_text(TextStr(&g.text));
                        content.show(Str(&cid.to_be_bytes()));
                        content.end_marked_content();
                        pen = None;
                        continue;
                    }
                    match pen {
                        Some((px, py)) if (py - gy).abs() < 0.001 => {
                            let d = gx - px;
                            if d.abs() > 0.0005 {
                                pieces.push(Piece::Adjust(-d * 1000.0 / size));
                            }
                        }
                        _ => {
                            flush(&mut content, &mut pieces);
                            content.set_text_matrix([1.0, 0.0, 0.0, 1.0, gx, gy]);
                        }
                    }
                    match pieces.last_mut() {
                        Some(Piece::Glyphs(bytes)) => bytes.extend(cid.to_be_bytes()),
                        _ => pieces.push(Piece::Glyphs(cid.to_be_bytes().to_vec())),
                    }
                    pen = Some((gx + advance * size / 1000.0, gy));
                }
                flush(&mut content, &mut pieces);
                content.end_text();
            }
        }
    }
    content.finish().to_vec()
}

/// Six capital letters from the used glyphs, as PDF wants before a subset font's name.
fn subset_tag(used: &Used) -> String {
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for gid in used.remapper.remapped_gids() {
        for byte in gid.to_be_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((hash >> (i * 8)) % 26) as u8))
        .collect()
}

fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// Writes one font: Type0 → CIDFontType2 → descriptor → subset file, and its ToUnicode map.
fn write_font(
    pdf: &mut Pdf,
    next: &mut impl FnMut() -> Ref,
    type0: Ref,
    font: &Font,
    used: &Used,
) -> Result<(), PdfError> {
    let cid_ref = next();
    let descriptor_ref = next();
    let cmap_ref = next();
    let file_ref = next();
    let name = format!("{}+{}", subset_tag(used), font.name);

    pdf.type0_font(type0)
        .base_font(Name(name.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_ref)
        .to_unicode(cmap_ref);

    let mut cid = pdf.cid_font(cid_ref);
    cid.subtype(CidFontType::Type2)
        .base_font(Name(name.as_bytes()))
        .system_info(SYSTEM_INFO)
        .font_descriptor(descriptor_ref)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    {
        let mut widths = cid.widths();
        widths.consecutive(0, used.widths.iter().copied());
    }
    cid.finish();

    let face = &font.face;
    let to_1000 = |v: i16| f32::from(v) * 1000.0 / font.upem();
    let bbox = face.global_bounding_box();
    pdf.font_descriptor(descriptor_ref)
        .name(Name(name.as_bytes()))
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            to_1000(bbox.x_min),
            to_1000(bbox.y_min),
            to_1000(bbox.x_max),
            to_1000(bbox.y_max),
        ))
        .italic_angle(0.0)
        .ascent(to_1000(face.ascender()))
        .descent(to_1000(face.descender()))
        .cap_height(to_1000(face.capital_height().unwrap_or(face.ascender())))
        .stem_v(80.0)
        .font_file2(file_ref);

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), SYSTEM_INFO);
    for cid in 1..used.remapper.num_gids() {
        if let Some(text) = used.text.get(&cid)
            && !text.is_empty()
        {
            cmap.pair_with_multiple(cid, text.chars());
        }
    }
    let cmap = deflate(&cmap.finish());
    pdf.cmap(cmap_ref, &cmap)
        .name(Name(b"Custom"))
        .system_info(SYSTEM_INFO)
        .filter(Filter::FlateDecode);

    let subset = subsetter::subset(font.data, 0, &used.remapper)
        .map_err(|e| PdfError::Subset(font.name, e.to_string()))?;
    let packed = deflate(&subset);
    pdf.stream(file_ref, &packed)
        .filter(Filter::FlateDecode)
        .pair(
            Name(b"Length1"),
            i32::try_from(subset.len()).unwrap_or(i32::MAX),
        );
    Ok(())
}

pub(crate) fn write(fonts: &Fonts, doc: &Document, pages: &[Page]) -> Result<Vec<u8>, PdfError> {
    let mut pdf = Pdf::new();
    let mut counter = 0;
    let mut next = move || {
        counter += 1;
        Ref::new(counter)
    };
    let catalog = next();
    let tree = next();
    let info = next();
    let font_refs = [next(), next()];
    let mut used = [Used::new(fonts.get(0)), Used::new(fonts.get(1))];

    let mut page_refs = Vec::with_capacity(pages.len());
    let mut contents = Vec::with_capacity(pages.len());
    for page in pages {
        page_refs.push((next(), next()));
        contents.push(deflate(&content(page, fonts, &mut used)));
    }

    let mut cat = pdf.catalog(catalog);
    cat.pages(tree).lang(TextStr(doc.lang.code()));
    if doc.lang.is_rtl() {
        // Viewers then show facing pages and scroll right to left.
        cat.viewer_preferences().direction(Direction::R2L);
    }
    cat.finish();
    pdf.document_info(info)
        .title(TextStr(&crate::text::clean(&doc.title).replace('\n', " ")))
        .producer(TextStr("Awladna"));

    pdf.pages(tree)
        .kids(page_refs.iter().map(|(page, _)| *page))
        .count(i32::try_from(page_refs.len()).unwrap_or(i32::MAX));
    for ((page_ref, content_ref), data) in page_refs.iter().zip(&contents) {
        let mut page = pdf.page(*page_ref);
        page.parent(tree)
            .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .contents(*content_ref);
        {
            let mut resources = page.resources();
            let mut font_dict = resources.fonts();
            for (i, slot) in used.iter().enumerate() {
                if !slot.is_empty() {
                    font_dict.pair(Name(FONT_NAMES[i]), font_refs[i]);
                }
            }
        }
        page.finish();
        pdf.stream(*content_ref, data).filter(Filter::FlateDecode);
    }

    for (i, slot) in used.iter().enumerate() {
        if !slot.is_empty() {
            write_font(&mut pdf, &mut next, font_refs[i], fonts.get(i), slot)?;
        }
    }
    Ok(pdf.finish())
}
