//! The charts as a page gets them: well-formed, accessible, inert whatever the labels say,
//! finite whatever the data, and laid out in the page's direction.

use awladna_charts::{Chart, Direction, Point, Series, WIDTH, bars, columns, trend};
use roxmltree::{Document, Node};

fn plain(v: f64) -> String {
    format!("{v}")
}

fn chart(direction: Direction) -> Chart<'static> {
    Chart {
        id: "c1",
        title: "أشكال العنف",
        direction,
        missing: "<5",
        format: &plain,
    }
}

fn point(label: &str, value: Option<f64>) -> Point {
    Point {
        label: label.to_string(),
        value,
    }
}

fn series(name: &str, values: &[Option<f64>]) -> Series {
    let points = values
        .iter()
        .enumerate()
        .map(|(i, v)| point(&format!("m{}", i + 1), *v))
        .collect();
    Series {
        name: name.to_string(),
        points,
    }
}

const NUMERIC: [&str; 14] = [
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "width",
    "height",
    "font-size",
    "stroke-width",
    "points",
];

/// Parses the SVG and checks what every chart must be; returns the document.
fn check(svg: &str) -> Document<'_> {
    let doc = Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    assert_eq!(root.attribute("role"), Some("img"));
    assert_eq!(root.attribute("width"), Some("100%"));
    assert!(
        root.attribute("viewBox")
            .unwrap()
            .starts_with(&format!("0 0 {WIDTH} "))
    );
    for (aria, tag) in [("aria-labelledby", "title"), ("aria-describedby", "desc")] {
        let id = root.attribute(aria).unwrap();
        let target = doc
            .descendants()
            .find(|n| n.attribute("id") == Some(id))
            .unwrap();
        assert_eq!(target.tag_name().name(), tag);
        assert_eq!(target.parent(), Some(root));
    }
    for node in doc.descendants().filter(Node::is_element) {
        let name = node.tag_name().name();
        assert!(
            !["script", "foreignObject", "style", "a", "image"].contains(&name),
            "{name} in {svg}"
        );
        for attr in node.attributes() {
            assert!(
                attr.name() != "style" && !attr.name().starts_with("on"),
                "{} in {svg}",
                attr.name()
            );
            let value = attr.value();
            assert!(
                !value.contains("NaN") && !value.contains("inf"),
                "{}={value}",
                attr.name()
            );
            let numeric = NUMERIC.contains(&attr.name()) && node != root;
            if numeric || attr.name() == "viewBox" {
                for number in value.split([' ', ',']) {
                    let n: f64 = number
                        .parse()
                        .unwrap_or_else(|_| panic!("{}={value}", attr.name()));
                    assert!(n.is_finite());
                }
            }
        }
    }
    // What is drawn stays inside the drawing.
    for node in doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") || n.has_tag_name("text"))
    {
        if let Some(x) = node.attribute("x") {
            let x: f64 = x.parse().unwrap();
            assert!((0.0..=WIDTH).contains(&x), "x={x} in {svg}");
        }
    }
    doc
}

fn texts<'a>(doc: &'a Document, class: &str) -> Vec<Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("class") == Some(class))
        .collect()
}

fn shown(text: Node) -> String {
    text.children()
        .filter(Node::is_text)
        .filter_map(|n| n.text())
        .collect()
}

fn rects<'a>(doc: &'a Document, class: &str) -> Vec<Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("class") == Some(class))
        .collect()
}

fn num(node: Node, attr: &str) -> f64 {
    node.attribute(attr).unwrap().parse().unwrap()
}

#[test]
fn hostile_labels_come_out_as_text() {
    let hostile = "</svg><script>alert(1)</script>\"' onload=x &amp; \u{0}\u{1b}\u{202e}";
    let c = Chart {
        id: "x\" onload=\"y",
        title: hostile,
        missing: hostile,
        ..chart(Direction::Rtl)
    };
    let evil = |_: f64| "<script>".to_string();
    let c = Chart { format: &evil, ..c };
    let points = vec![point(hostile, Some(3.0)), point(hostile, None)];
    let two = vec![
        Series {
            name: hostile.to_string(),
            points: points.clone(),
        },
        Series {
            name: hostile.to_string(),
            points: points.clone(),
        },
    ];
    for svg in [bars(&c, &points), trend(&c, &two), columns(&c, &two)] {
        assert!(!svg.contains("<script"), "{svg}");
        assert!(!svg.contains("onload=\""), "{svg}");
        let doc = check(&svg);
        let title = doc.root_element().first_element_child().unwrap();
        assert_eq!(
            title.text(),
            Some("</svg><script>alert(1)</script>\"' onload=x &amp; ")
        );
        assert_eq!(
            doc.root_element().attribute("aria-labelledby"),
            Some("x--onload--y-title")
        );
    }
    let doc_svg = bars(&c, &points);
    let doc = check(&doc_svg);
    let label = &texts(&doc, "chart-label")[0];
    // The label is cut to fit, its whole kept in a title child.
    assert!(shown(*label).ends_with('…'));
    let whole = label.children().find(|n| n.has_tag_name("title")).unwrap();
    assert_eq!(
        whole.text(),
        Some("</svg><script>alert(1)</script>\"' onload=x &amp; ")
    );
}

#[test]
fn edge_cases_draw_finite_frames() {
    let big = |v: f64| format!("{v:.0}");
    let datasets: Vec<Vec<Option<f64>>> = vec![
        vec![],
        vec![Some(0.0); 12],
        vec![None; 12],
        vec![Some(7.0)],
        vec![None],
        vec![
            Some(f64::NAN),
            Some(f64::INFINITY),
            Some(-3.0),
            Some(f64::MAX),
            Some(f64::MIN_POSITIVE),
        ],
        vec![Some(1_234_567.0), Some(250.0), None, Some(0.0)],
        vec![Some(0.3), Some(0.1)],
    ];
    for direction in [Direction::Rtl, Direction::Ltr] {
        let c = Chart {
            format: &big,
            ..chart(direction)
        };
        for values in &datasets {
            let one = series("جديد", values);
            let points = one.points.clone();
            let two = vec![
                one.clone(),
                series("قضايا", &values.iter().rev().copied().collect::<Vec<_>>()),
            ];
            for svg in [
                bars(&c, &points),
                trend(&c, std::slice::from_ref(&one)),
                trend(&c, &two),
                columns(&c, &two),
                trend(&c, &[]),
                columns(&c, &[]),
            ] {
                assert!(
                    !svg.contains("NaN") && !svg.contains("inf"),
                    "{values:?}: {svg}"
                );
                check(&svg);
            }
        }
    }
}

#[test]
fn no_points_draws_an_empty_frame() {
    let doc_svg = bars(&chart(Direction::Rtl), &[]);
    let doc = check(&doc_svg);
    assert_eq!(rects(&doc, "chart-frame").len(), 1);
    assert!(rects(&doc, "chart-bar").is_empty());
    let doc_svg = trend(&chart(Direction::Rtl), &[]);
    let doc = check(&doc_svg);
    let ticks: Vec<String> = texts(&doc, "chart-tick").into_iter().map(shown).collect();
    assert_eq!(ticks, ["0", "1", "2", "3"]);
}

#[test]
fn rtl_bars_grow_from_the_right_and_ltr_from_the_left() {
    let points = vec![
        point("جسدي", Some(120.0)),
        point("جنسي", Some(30.0)),
        point("إهمال", Some(0.0)),
    ];
    for (direction, anchor) in [(Direction::Rtl, "start"), (Direction::Ltr, "start")] {
        let svg = bars(&chart(direction), &points);
        let doc = check(&svg);
        let bars = rects(&doc, "chart-bar");
        assert_eq!(bars.len(), 2, "a zero draws no bar");
        for bar in &bars {
            let (x, w) = (num(*bar, "x"), num(*bar, "width"));
            match direction {
                Direction::Rtl => assert!((x + w - (WIDTH - 8.0)).abs() < 0.11, "{x}+{w}"),
                Direction::Ltr => assert_eq!(x, 8.0),
            }
        }
        assert!(num(bars[0], "width") > 3.0 * num(bars[1], "width") * 0.99);
        for label in texts(&doc, "chart-label") {
            assert_eq!(label.attribute("text-anchor"), Some(anchor));
            let expected = if direction == Direction::Rtl {
                "rtl"
            } else {
                "ltr"
            };
            assert_eq!(label.attribute("direction"), Some(expected));
            let x = num(label, "x");
            assert_eq!(
                x,
                if direction == Direction::Rtl {
                    WIDTH - 8.0
                } else {
                    8.0
                }
            );
        }
        // The value is past the bar's end.
        let values = texts(&doc, "chart-value");
        assert_eq!(shown(values[0]), "120");
        let (bar, value) = (bars[0], values[0]);
        match direction {
            Direction::Rtl => assert!(num(value, "x") < num(bar, "x")),
            Direction::Ltr => assert!(num(value, "x") > num(bar, "x") + num(bar, "width")),
        }
    }
}

#[test]
fn a_missing_value_writes_the_missing_label_and_no_bar() {
    let points = vec![
        point("ذكر", Some(40.0)),
        point("أنثى", None),
        point("غير محدد", None),
    ];
    let svg = bars(&chart(Direction::Rtl), &points);
    let doc = check(&svg);
    assert_eq!(rects(&doc, "chart-bar").len(), 1);
    let missing: Vec<String> = texts(&doc, "chart-missing")
        .into_iter()
        .map(shown)
        .collect();
    assert_eq!(missing, ["<5", "<5"]);
    assert!(svg.contains("&lt;5"));
    let desc = doc.descendants().find(|n| n.has_tag_name("desc")).unwrap();
    assert_eq!(desc.text(), Some("ذكر: 40; أنثى: <5; غير محدد: <5"));

    let two = vec![
        series("a", &[Some(4.0), None]),
        series("b", &[None, Some(9.0)]),
    ];
    let doc_svg = columns(&chart(Direction::Rtl), &two);
    let doc = check(&doc_svg);
    assert_eq!(rects(&doc, "chart-column").len(), 2);
    assert_eq!(texts(&doc, "chart-missing").len(), 2);

    let doc_svg = trend(&chart(Direction::Ltr), &two);
    let doc = check(&doc_svg);
    let hollow = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("chart-dot chart-dot-missing"));
    assert_eq!(hollow.count(), 2);
    // The legend explains the hollow marker with the missing label.
    assert!(texts(&doc, "chart-label").iter().any(|t| shown(*t) == "<5"));
    // Each series has one month between suppressed ones: no line but the legend's.
    let lines = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("chart-line"));
    assert_eq!(lines.count(), 2);
}

#[test]
fn axis_ticks_are_nice_and_start_at_zero() {
    let svg = trend(
        &chart(Direction::Ltr),
        &[series("n", &[Some(120.0), Some(987.0), Some(40.0)])],
    );
    let doc = check(&svg);
    let ticks: Vec<String> = texts(&doc, "chart-tick").into_iter().map(shown).collect();
    assert_eq!(ticks, ["0", "250", "500", "750", "1000"]);

    let svg = columns(
        &chart(Direction::Rtl),
        &[series("n", &[Some(0.3), Some(0.05)])],
    );
    let doc = check(&svg);
    let ticks: Vec<String> = texts(&doc, "chart-tick").into_iter().map(shown).collect();
    assert_eq!(ticks, ["0", "0.1", "0.2", "0.3"]);
}

#[test]
fn month_labels_are_thinned_and_the_latest_is_labelled() {
    let months = |n: usize| {
        let values: Vec<Option<f64>> = (0..n).map(|i| Some(i as f64)).collect();
        series("بلاغات", &values)
    };
    for (n, most) in [(24, 8), (12, 8), (1, 1)] {
        let svg = trend(&chart(Direction::Rtl), &[months(n)]);
        let doc = check(&svg);
        let labels: Vec<String> = texts(&doc, "chart-x-label")
            .into_iter()
            .map(shown)
            .collect();
        assert!(
            !labels.is_empty() && labels.len() <= most,
            "{n}: {labels:?}"
        );
        assert_eq!(
            labels[0],
            format!("m{n}"),
            "the latest month first, as drawn from it"
        );
        // Time runs left to right even in Arabic.
        let xs: Vec<f64> = texts(&doc, "chart-x-label")
            .into_iter()
            .map(|t| num(t, "x"))
            .collect();
        assert_eq!(xs.len(), labels.len(), "a position for each label");
        assert!(xs.windows(2).all(|w| w[0] > w[1]), "{xs:?}");
    }
    // Long labels thin further, so that they never overlap.
    let long: Vec<Point> = (1..=24)
        .map(|i| point(&format!("janvier {i} 2024"), Some(1.0)))
        .collect();
    let svg = trend(
        &chart(Direction::Ltr),
        &[Series {
            name: "n".into(),
            points: long,
        }],
    );
    let doc = check(&svg);
    let labels = texts(&doc, "chart-x-label");
    assert!(labels.len() < 8 && labels.len() >= 2, "{labels:?}");
    let xs: Vec<f64> = labels.iter().map(|t| num(*t, "x")).collect();
    // Labels are cut to 100 units, and 8 units apart at least.
    assert!(xs.windows(2).all(|w| w[0] - w[1] >= 107.9), "{xs:?}");
}

#[test]
fn columns_start_at_the_inline_start() {
    let two = vec![
        series("بلاغات", &[Some(10.0), Some(20.0)]),
        series("قضايا", &[Some(5.0), Some(8.0)]),
    ];
    for direction in [Direction::Rtl, Direction::Ltr] {
        let svg = columns(&chart(direction), &two);
        let doc = check(&svg);
        let cols = rects(&doc, "chart-column");
        assert_eq!(cols.len(), 4);
        // Series by series: the first series' first group, then its second.
        let (first, second) = (num(cols[0], "x"), num(cols[1], "x"));
        match direction {
            Direction::Rtl => assert!(first > second),
            Direction::Ltr => assert!(first < second),
        }
        // Within a group the first series is nearer the inline start.
        let (a, b) = (num(cols[0], "x"), num(cols[2], "x"));
        match direction {
            Direction::Rtl => assert!(a > b),
            Direction::Ltr => assert!(a < b),
        }
    }
}

#[test]
fn long_category_labels_are_cut_and_kept_whole_in_a_title() {
    let names = [
        "الدار البيضاء أنفا",
        "مراكش",
        "سيدي بنور",
        "العرائش",
        "شفشاون",
        "طنجة أصيلة",
    ];
    let points: Vec<Point> = names.iter().map(|n| point(n, Some(12.0))).collect();
    let svg = columns(
        &chart(Direction::Rtl),
        &[Series {
            name: "n".into(),
            points,
        }],
    );
    let doc = check(&svg);
    let labels = texts(&doc, "chart-x-label");
    assert_eq!(labels.len(), 6);
    // Six groups at this width need two lines.
    let lines: std::collections::BTreeSet<i64> =
        labels.iter().map(|t| num(*t, "y") as i64).collect();
    assert_eq!(lines.len(), 2);
    let long = "الأطفال ضحايا الاستغلال الاقتصادي والعمل في ظروف خطرة داخل الورشات والمزارع";
    let svg = bars(&chart(Direction::Rtl), &[point(long, Some(3.0))]);
    let doc = check(&svg);
    let label = texts(&doc, "chart-label")[0];
    assert!(shown(label).ends_with('…'));
    assert!(shown(label).chars().count() < long.chars().count());
    assert_eq!(label.first_element_child().unwrap().text(), Some(long));
}
