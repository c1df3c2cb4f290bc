//! A French document: left to right, accents and an Arabic name inside.

use awladna_pdf::{Block, Document, Lang, render};

use crate::{assert_words_in_order, pdftotext, target_dir};

#[test]
fn a_french_card_reads_in_order() {
    let doc = Document {
        title: "Fiche de liaison".into(),
        lang: Lang::Fr,
        footer: String::new(),
        blocks: vec![
            Block::Facts(vec![
                ("Dossier".into(), "SAL-2026-000123".into()),
                (
                    "Service destinataire".into(),
                    "Hôpital provincial de Salé".into(),
                ),
                ("Nom".into(), "Yasmine بنت محمد".into()),
            ]),
            Block::Heading("Motif".into()),
            Block::Paragraph(
                "L'enfant a été orienté vers l'hôpital pour une évaluation médicale; \
                 le suivi reste à la cellule de prise en charge (délai : 24 h)."
                    .into(),
            ),
            Block::Table {
                headers: vec!["Étape".into(), "Date".into(), "Durée (jours)".into()],
                rows: vec![
                    vec!["Signalement".into(), "2026-01-03".into(), "0".into()],
                    vec!["Évaluation".into(), "2026-01-05".into(), "2".into()],
                ],
                numeric: vec![false, false, true],
            },
            Block::Notice(
                "Confidentiel : données partagées selon le besoin d'en connaître.".into(),
            ),
        ],
    };
    let pdf = render(&doc).expect("render");
    std::fs::write(target_dir().join("sample-fr.pdf"), &pdf).expect("write the sample");
    for layout in [false, true] {
        let Some(text) = pdftotext(&pdf, layout) else {
            return;
        };
        assert_words_in_order(&text, "Fiche de liaison");
        assert_words_in_order(&text, "Hôpital provincial de Salé");
        assert_words_in_order(&text, "Yasmine بنت محمد");
        assert_words_in_order(&text, "le suivi reste à la cellule");
        assert_words_in_order(
            &text,
            "Confidentiel : données partagées selon le besoin d'en connaître.",
        );
        assert!(text.contains("Page 1 sur 1"), "{text}");
    }
}
