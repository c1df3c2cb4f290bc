//! Inputs that must not break the engine: nothing, far too much, hostile text.

use awladna_pdf::{Block, Document, Lang, render};

use crate::{assert_words_in_order, page_count, pdftotext, target_dir};

fn doc(lang: Lang, blocks: Vec<Block>) -> Document {
    Document {
        title: String::new(),
        lang,
        footer: String::new(),
        blocks,
    }
}

#[test]
fn an_empty_document_is_one_page() {
    for lang in [Lang::Ar, Lang::Fr, Lang::En] {
        let pdf = render(&doc(lang, vec![])).expect("render");
        assert!(pdf.starts_with(b"%PDF-"));
        if let Some(pages) = page_count(&pdf) {
            assert_eq!(pages, 1);
        }
        let empty = doc(
            lang,
            vec![
                Block::Heading(String::new()),
                Block::Paragraph(String::new()),
                Block::Facts(vec![]),
                Block::Facts(vec![(String::new(), String::new())]),
                Block::Table {
                    headers: vec![],
                    rows: vec![],
                    numeric: vec![],
                },
                Block::Table {
                    headers: vec![],
                    rows: vec![vec![], vec![String::new()]],
                    numeric: vec![true; 5],
                },
                Block::Notice(String::new()),
            ],
        );
        render(&empty).expect("render empty blocks");
    }
}

#[test]
fn huge_inputs_do_not_panic() {
    let word = "كلمةطويلةجدابدونمسافات".repeat(200);
    let long = "سطر طويل ".repeat(20_000);
    let wide_row: Vec<String> = (0..80).map(|i| format!("col{i}")).collect();
    let blocks = vec![
        Block::Heading(word.clone()),
        Block::Paragraph(long),
        Block::Paragraph("x".repeat(50_000)),
        Block::Facts(vec![(word.clone(), word.clone())]),
        Block::Table {
            headers: wide_row.clone(),
            rows: vec![wide_row.clone(); 3],
            numeric: vec![true; 80],
        },
        // A cell taller than a page, and a header too tall to repeat.
        Block::Table {
            headers: vec!["عنوان\n".repeat(40)],
            rows: vec![vec!["سطر\n".repeat(300)], vec!["1".into()]],
            numeric: vec![],
        },
        Block::Notice("تنبيه ".repeat(5_000)),
    ];
    let pdf = render(&doc(Lang::Ar, blocks.clone())).expect("render");
    assert!(pdf.starts_with(b"%PDF-"));
    render(&doc(Lang::En, blocks)).expect("render");
}

#[test]
fn hostile_text_is_dropped_or_drawn_without_reordering() {
    // U+202E would print "321" as the file number; U+2066..U+2069 and U+202A..U+202D likewise;
    // control characters, a BOM, zero-width spaces and unassigned or private characters too.
    let hostile = concat!(
        "الملف \u{202E}123\u{202C} رقم \u{2067}abc\u{2069} ",
        "\u{0000}\u{0007}\u{001B}[31m\u{FEFF}\u{200B}\u{E000}\u{10FFFF}😀 نهاية"
    );
    let doc = doc(
        Lang::Ar,
        vec![
            Block::Heading(hostile.into()),
            Block::Paragraph(hostile.into()),
            Block::Facts(vec![(hostile.into(), hostile.into())]),
            Block::Table {
                headers: vec![hostile.into()],
                rows: vec![vec![hostile.into(), "\u{202E}42".into()]],
                numeric: vec![false, true],
            },
            Block::Notice(hostile.into()),
        ],
    );
    let pdf = render(&doc).expect("render");
    std::fs::write(target_dir().join("sample-hostile.pdf"), &pdf).expect("write the sample");
    let Some(text) = pdftotext(&pdf, false) else {
        return;
    };
    assert!(!text.contains('\u{202E}') && !text.contains('\u{2067}'));
    assert!(!text.contains("321") && text.contains("123"), "{text}");
    assert!(text.contains("42") && !text.contains("24"), "{text}");
    assert_words_in_order(&text, "الملف 123 رقم abc");
}

#[test]
fn one_glyph_for_two_texts_reads_back_both() {
    // Right to left, "(" is drawn with the glyph of ")": in a French line with Arabic in
    // brackets, that glyph's ToUnicode entry can name only one of them, and the other bracket
    // gets an ActualText span.
    let doc = doc(
        Lang::Fr,
        vec![Block::Paragraph("voir (abc) puis نص (نص) نص".into())],
    );
    let pdf = render(&doc).expect("render");
    let Some(text) = pdftotext(&pdf, false) else {
        return;
    };
    assert_words_in_order(&text, "voir abc puis");
    assert_eq!(text.matches("نص").count(), 3, "{text}");
    assert_eq!(text.matches('(').count(), 2, "{text}");
    assert_eq!(text.matches(')').count(), 2, "{text}");
}
