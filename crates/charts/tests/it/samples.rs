//! Writes sample charts, mostly Arabic, to `charts-samples/` in the target directory, each
//! also wrapped in an HTML page with the page's fonts, for a browser's screenshot at a
//! phone's width:
//!
//! ```sh
//! chromium --headless --allow-file-access-from-files --window-size=360,640 \
//!   --screenshot=bars.png "file://$CARGO_TARGET_DIR/charts-samples/bars-ar.html"
//! ```

use std::path::PathBuf;

use awladna_charts::{Chart, Direction, Point, Series, bars, columns, trend};

const MONTHS: [&str; 12] = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "ماي",
    "يونيو",
    "يوليوز",
    "غشت",
    "شتنبر",
    "أكتوبر",
    "نونبر",
    "دجنبر",
];
const MOIS: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];

/// Groups thousands with a narrow no-break space, as both French and Moroccan Arabic do.
fn grouped(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

fn p(label: &str, value: Option<f64>) -> Point {
    Point {
        label: label.to_string(),
        value,
    }
}

fn monthly(names: &[&str; 12], months: usize, year: u32, values: &[Option<f64>]) -> Vec<Point> {
    (0..months)
        .map(|i| {
            let y = year + (i / 12) as u32;
            p(
                &format!("{} {}", names[i % 12], y % 100),
                values.get(i).copied().flatten(),
            )
        })
        .collect()
}

#[test]
fn write_samples() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("charts-samples");
    std::fs::create_dir_all(&dir).unwrap();
    let fonts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../pdf/fonts");
    let fonts = fonts.canonicalize().unwrap();
    let fonts = fonts.display();
    let ar = |id: &'static str, title: &'static str| Chart {
        id,
        title,
        direction: Direction::Rtl,
        // An isolate keeps "<5" left to right in Arabic, where it would show as "5>".
        missing: "\u{2066}<5\u{2069}",
        format: &grouped,
    };
    let fr = |id: &'static str, title: &'static str| Chart {
        direction: Direction::Ltr,
        missing: "<5",
        ..ar(id, title)
    };

    let violence = [
        p("العنف الجسدي", Some(412.0)),
        p("العنف الجنسي", Some(137.0)),
        p("الإهمال", Some(1_268.0)),
        p("العنف النفسي", Some(96.0)),
        p(
            "الاستغلال الاقتصادي والعمل في ظروف خطرة داخل الورشات والمزارع",
            Some(23.0),
        ),
        p("الزواج المبكر", None),
        p("أخرى", Some(0.0)),
    ];
    let reports: Vec<Option<f64>> = [
        31.0, 28.0, 35.0, 40.0, 38.0, 44.0, 29.0, 22.0, 47.0, 52.0, 49.0, 58.0, 61.0, 55.0, 64.0,
        70.0, 66.0, 72.0, 51.0, 45.0, 77.0, 81.0, 79.0, 88.0,
    ]
    .into_iter()
    .map(Some)
    .collect();
    let mut cases: Vec<Option<f64>> = reports
        .iter()
        .map(|r| r.map(|r| (r * 0.6).round()))
        .collect();
    cases[7] = None;
    let provinces = [
        "الدار البيضاء أنفا",
        "مراكش",
        "سيدي بنور",
        "العرائش",
        "شفشاون",
    ];
    let per_province = |values: &[Option<f64>]| -> Vec<Point> {
        provinces
            .iter()
            .zip(values)
            .map(|(n, v)| p(n, *v))
            .collect()
    };

    let samples = [
        (
            "bars-ar",
            "ar",
            bars(&ar("violence", "أشكال العنف المبلغ عنها"), &violence),
        ),
        (
            "trend-ar",
            "ar",
            trend(
                &ar("monthly", "البلاغات والقضايا الجديدة شهريا"),
                &[
                    Series {
                        name: "بلاغات جديدة".into(),
                        points: monthly(&MONTHS, 24, 2024, &reports),
                    },
                    Series {
                        name: "قضايا جديدة".into(),
                        points: monthly(&MONTHS, 24, 2024, &cases),
                    },
                ],
            ),
        ),
        (
            "columns-ar",
            "ar",
            columns(
                &ar("provinces", "البلاغات والقضايا حسب الإقليم"),
                &[
                    Series {
                        name: "بلاغات".into(),
                        points: per_province(&[
                            Some(412.0),
                            Some(288.0),
                            Some(97.0),
                            None,
                            Some(41.0),
                        ]),
                    },
                    Series {
                        name: "قضايا".into(),
                        points: per_province(&[
                            Some(250.0),
                            Some(170.0),
                            Some(60.0),
                            None,
                            Some(22.0),
                        ]),
                    },
                ],
            ),
        ),
        (
            "trend-fr",
            "fr",
            trend(
                &fr("mensuel", "Signalements par mois"),
                &[Series {
                    name: "Signalements".into(),
                    points: monthly(&MOIS, 12, 2025, &reports),
                }],
            ),
        ),
        (
            "bars-fr",
            "fr",
            bars(
                &fr("age", "Âge des enfants"),
                &[
                    p("0-5 ans", Some(120.0)),
                    p("6-11 ans", Some(340.0)),
                    p("12-17 ans", Some(512.0)),
                    p("Inconnu", None),
                ],
            ),
        ),
        ("empty-ar", "ar", trend(&ar("empty", "لا توجد بيانات"), &[])),
    ];
    let titles = [
        "أشكال العنف المبلغ عنها",
        "البلاغات والقضايا الجديدة شهريا",
        "البلاغات والقضايا حسب الإقليم",
        "Signalements par mois",
        "Âge des enfants",
        "لا توجد بيانات",
    ];
    // Samples with a hidden value show it as the marker, in the page's direction.
    let with_hidden = ["bars-ar", "trend-ar", "columns-ar", "bars-fr"];
    for ((name, lang, svg), title) in samples.iter().zip(titles) {
        let doc = roxmltree::Document::parse(svg).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{name}");
        let direction = if *lang == "ar" { "rtl" } else { "ltr" };
        assert_eq!(root.attribute("direction"), Some(direction), "{name}");
        let said = |tag: &str| -> String {
            doc.descendants()
                .find(|n| n.has_tag_name(tag))
                .and_then(|n| n.text())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(said("title"), title, "{name}: its title");
        // A chart with data describes it (the empty one has nothing to describe).
        assert_eq!(
            said("desc").is_empty(),
            *name == "empty-ar",
            "{name}: its description"
        );
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(
            texts.iter().any(|t| t.contains("<5")),
            with_hidden.contains(name),
            "{name}: the hidden value's marker: {texts:?}"
        );
        let path = dir.join(format!("{name}.svg"));
        std::fs::write(&path, svg).unwrap();
        assert_eq!(&std::fs::read_to_string(&path).unwrap(), svg, "{name}");
        let dir_attr = if *lang == "ar" { "rtl" } else { "ltr" };
        // What a page gives the chart: a column of a 360-px phone, 16 px from each edge.
        // The page's fonts: the PDF crate's copies, so the screenshot measures real text.
        let html = format!(
            "<!doctype html><html lang=\"{lang}\" dir=\"{dir_attr}\"><meta charset=\"utf-8\"><style>\
             @font-face {{ font-family: 'Noto Naskh Arabic'; src: url('file://{fonts}/NotoNaskhArabic-Regular.ttf'); }}\
             @font-face {{ font-family: 'Noto Sans'; src: url('file://{fonts}/NotoSans-Regular.ttf'); }}\
             body {{ margin: 0; padding: 16px; background: #fbfaf7; color: #1d2327;\
             font-family: 'Noto Naskh Arabic', 'Noto Sans', sans-serif; }}\
             :lang(fr) {{ font-family: 'Noto Sans', sans-serif; }}</style><body>{svg}</body></html>"
        );
        std::fs::write(dir.join(format!("{name}.html")), html).unwrap();
    }
    // The pages' fonts are there for the screenshot to measure real text.
    for font in ["NotoNaskhArabic-Regular.ttf", "NotoSans-Regular.ttf"] {
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../pdf/fonts")
            .join(font);
        assert!(file.is_file(), "{}", file.display());
    }
}
