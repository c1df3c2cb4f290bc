//! An Arabic report: shaped, right to left, extractable in reading order, over several pages.

use awladna_pdf::{Block, Document, Lang, render};

use crate::{assert_words_in_order, page_count, pdftotext, target_dir};

const MIXED: &str = "الحالة 04441-2026-000123 في سلا";

pub fn sample() -> Document {
    let provinces = [
        "سلا",
        "الرباط",
        "الدار البيضاء",
        "طنجة - أصيلة",
        "فاس",
        "مراكش",
        "وجدة - أنجاد",
        "العيون",
    ];
    let rows = (1..=60)
        .map(|i| {
            vec![
                format!("{}", 1000 + i),
                format!("{} {}", provinces[i % provinces.len()], i),
                format!("{}", i * 7),
                format!("{},{} %", i % 10, i % 7),
            ]
        })
        .collect();
    Document {
        title: "التقرير الإقليمي لحماية الطفولة".into(),
        lang: Lang::Ar,
        footer: "أولادنا — الجهاز الترابي المندمج لحماية الطفولة، عمالة سلا".into(),
        blocks: vec![
            Block::Notice("سري: لا يطلع على هذه الوثيقة إلا المعنيون بحماية الطفل".into()),
            Block::Heading("بطاقة الربط".into()),
            Block::Facts(vec![
                ("رقم الملف".into(), MIXED.into()),
                (
                    "المصلحة المستقبلة".into(),
                    "المستشفى الإقليمي مولاي عبد الله بسلا".into(),
                ),
                ("درجة الاستعجال".into(), "مرتفعة".into()),
                (
                    "الموافقة".into(),
                    "موافقة ولي الأمر (Consentement du tuteur)".into(),
                ),
            ]),
            Block::Paragraph(format!(
                "{MIXED}. يتم تتبع مسار الطفل من الرصد إلى الإدماج، وتسجل كل مرحلة مع تاريخها. \
                 بلغ عدد الحالات المسجلة 1234 حالة خلال سنة 2026، أي بمعدل 5,6 لكل 1000 طفل."
            )),
            Block::Heading("الحالات حسب الجماعة".into()),
            Block::Table {
                headers: vec![
                    "الرمز".into(),
                    "الجماعة".into(),
                    "عدد الحالات".into(),
                    "المعدل".into(),
                ],
                rows,
                numeric: vec![true, false, true, true],
            },
            Block::Paragraph("انتهى التقرير.".into()),
        ],
    }
}

#[test]
fn an_arabic_report_reads_in_order() {
    let pdf = render(&sample()).expect("render");
    assert!(pdf.starts_with(b"%PDF-"));
    std::fs::write(target_dir().join("sample-ar.pdf"), &pdf).expect("write the sample");
    if let Some(pages) = page_count(&pdf) {
        assert!(
            pages >= 2,
            "60 rows should need more than one page, got {pages}"
        );
    }
    for layout in [false, true] {
        let Some(text) = pdftotext(&pdf, layout) else {
            return;
        };
        assert_words_in_order(&text, "التقرير الإقليمي لحماية الطفولة");
        assert_words_in_order(&text, MIXED);
        assert_words_in_order(
            &text,
            "سري: لا يطلع على هذه الوثيقة إلا المعنيون بحماية الطفل",
        );
        assert_words_in_order(&text, "بلغ عدد الحالات المسجلة 1234 حالة خلال سنة 2026،");
        assert_words_in_order(&text, "موافقة ولي الأمر (Consentement du tuteur)");
        assert_words_in_order(&text, "المستشفى الإقليمي مولاي عبد الله بسلا");
        // Every row, on whatever page, with its numbers intact.
        for i in 1..=60 {
            assert!(text.contains(&format!("{}", 1000 + i)), "row {i} missing");
        }
        // The header is repeated on the pages the table runs onto.
        assert!(text.matches("عدد الحالات").count() >= 2, "{text}");
        assert_words_in_order(&text, "الصفحة 1 من");
    }
}

#[test]
fn every_letter_comes_back() {
    let letters = "ا ب ت ث ج ح خ د ذ ر ز س ش ص ض ط ظ ع غ ف ق ك ل م ن ه و ي ء آ أ ؤ إ ئ ى ة";
    let words = "ابتثجحخ دذرزسشصضطظعغفقكلمنهوي لا لأ لإ لآ الله مستشفى بنت يوسف";
    let marks = "مُحَمَّد";
    let latin = "àâçéèêëîïôùûüÿœæ ÀÂÇÉÈÊËÎÏÔÙÛÜŸŒÆ fi fl ffi";
    let doc = Document {
        title: String::new(),
        lang: Lang::Ar,
        footer: String::new(),
        blocks: [letters, words, marks, latin]
            .iter()
            .map(|s| Block::Paragraph((*s).into()))
            .collect(),
    };
    let pdf = render(&doc).expect("render");
    std::fs::write(target_dir().join("sample-letters.pdf"), &pdf).expect("write the sample");
    let Some(text) = pdftotext(&pdf, false) else {
        return;
    };
    assert_words_in_order(&text, words);
    assert_words_in_order(&text, latin);
    // Vowel marks are drawn but not extracted: the name reads as it is searched.
    assert_words_in_order(&text, "محمد");
    // Letters alone, one space apart, are drawn; pdftotext runs them together.
    assert!(
        text.contains("ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئىة"),
        "{text}"
    );
}

#[test]
fn rendering_is_deterministic() {
    assert!(render(&sample()).expect("render") == render(&sample()).expect("render"));
}
