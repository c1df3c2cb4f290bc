//! The map of actors (خارطة الفاعلين), drawn on the server as SVG: no tile server, no
//! script, nothing fetched from outside, a few kilobytes on a slow link. Points are
//! placed by their position inside the box that holds the province's organisations,
//! numbered as in the list under the map (the accessible version, and the whole of it
//! when no organisation has a position), and named where a name fits.

use awladna_domain::directory::Position;

/// The drawing's width in SVG units: a phone's width, so that text drawn at 12 units
/// reads at 12 px on a 360-px screen (the SVG scales with the page).
pub const WIDTH: f64 = 360.0;
const MARGIN: f64 = 22.0;
const RADIUS: f64 = 10.0;
const FONT: f64 = 12.0;
/// Longer names are cut: the list under the map has them whole.
const LABEL_CHARS: usize = 22;
const KM_PER_DEGREE: f64 = 111.32;

/// One organisation on the map.
pub struct Place {
    pub name: String,
    pub href: String,
    pub position: Position,
}

pub struct Label {
    pub x: f64,
    pub y: f64,
    /// `start` or `end`: the SVG is drawn left to right whatever the page's direction.
    pub anchor: &'static str,
    pub text: String,
}

pub struct Point {
    pub number: usize,
    pub name: String,
    pub href: String,
    pub x: f64,
    pub y: f64,
    pub label: Option<Label>,
}

pub struct ScaleBar {
    pub x1: f64,
    pub x2: f64,
    pub y: f64,
    pub text: String,
}

pub struct Map {
    pub width: f64,
    pub height: f64,
    pub points: Vec<Point>,
    pub scale: ScaleBar,
}

impl Map {
    pub fn view_box(&self) -> String {
        format!("0 0 {:.0} {:.0}", self.width, self.height)
    }
}

/// Lays out the places; numbers follow `places`' order from 1. None when there is
/// nothing to draw.
pub fn layout(places: &[Place]) -> Option<Map> {
    if places.is_empty() {
        return None;
    }
    // Equirectangular around the middle latitude: within a province the distortion is
    // a few percent, and it needs no projection library.
    let mid_lat = places.iter().map(|p| p.position.lat()).sum::<f64>() / places.len() as f64;
    let shrink = mid_lat.to_radians().cos();
    let projected: Vec<(f64, f64)> = places
        .iter()
        .map(|p| (p.position.lon() * shrink, p.position.lat()))
        .collect();
    let (mut min_x, mut max_x, mut min_y, mut max_y) = projected.iter().fold(
        (f64::MAX, f64::MIN, f64::MAX, f64::MIN),
        |(a, b, c, d), (x, y)| (a.min(*x), b.max(*x), c.min(*y), d.max(*y)),
    );
    // At least about 2 km across, so that one place, or places in one street, sit in a
    // readable neighbourhood rather than on top of each other at the corners.
    let min_span = 0.02;
    for (low, high) in [(&mut min_x, &mut max_x), (&mut min_y, &mut max_y)] {
        let span = *high - *low;
        if span < min_span {
            let grow = (min_span - span) / 2.0;
            *low -= grow;
            *high += grow;
        }
    }
    let (span_x, span_y) = (max_x - min_x, max_y - min_y);
    let inner_width = WIDTH - 2.0 * MARGIN;
    let height = (inner_width * span_y / span_x).clamp(200.0, 480.0) + 2.0 * MARGIN + 20.0;
    let inner_height = height - 2.0 * MARGIN - 20.0;
    let scale = (inner_width / span_x).min(inner_height / span_y);
    let offset_x = MARGIN + (inner_width - span_x * scale) / 2.0;
    let offset_y = MARGIN + (inner_height - span_y * scale) / 2.0;

    let mut taken: Vec<Rect> = Vec::new();
    let mut points = Vec::with_capacity(places.len());
    for (i, (place, (x, y))) in places.iter().zip(&projected).enumerate() {
        let mut px = offset_x + (x - min_x) * scale;
        let py = offset_y + (max_y - y) * scale;
        // Two organisations in one building: set the second beside the first.
        while points
            .iter()
            .any(|p: &Point| (p.x - px).abs() < RADIUS && (p.y - py).abs() < RADIUS)
        {
            px += RADIUS * 2.2;
        }
        taken.push(Rect::around(px, py, RADIUS));
        points.push(Point {
            number: i + 1,
            name: place.name.clone(),
            href: place.href.clone(),
            x: px,
            y: py,
            label: None,
        });
    }
    // Names after every marker is placed, so that no name hides a marker; in order, so
    // that the first organisations of the list are the ones named when space runs out.
    for point in &mut points {
        let text = short(&point.name);
        let text_width = text.chars().count() as f64 * FONT * 0.6;
        let candidates = [
            (point.x + RADIUS + 3.0, point.y + FONT / 3.0, "start"),
            (point.x - RADIUS - 3.0, point.y + FONT / 3.0, "end"),
            (point.x, point.y - RADIUS - 4.0, "middle"),
            (point.x, point.y + RADIUS + FONT + 2.0, "middle"),
        ];
        for (x, y, anchor) in candidates {
            let left = match anchor {
                "start" => x,
                "end" => x - text_width,
                _ => x - text_width / 2.0,
            };
            let rect = Rect {
                left,
                right: left + text_width,
                top: y - FONT,
                bottom: y + 3.0,
            };
            let inside = rect.left >= 2.0 && rect.right <= WIDTH - 2.0 && rect.top >= 2.0;
            if inside && !taken.iter().any(|r| r.overlaps(&rect)) {
                taken.push(rect);
                point.label = Some(Label { x, y, anchor, text });
                break;
            }
        }
    }
    // A tenth of a unit is finer than any screen shows, and keeps the page short.
    let tenth = |v: f64| (v * 10.0).round() / 10.0;
    for point in &mut points {
        point.x = tenth(point.x);
        point.y = tenth(point.y);
        if let Some(label) = &mut point.label {
            label.x = tenth(label.x);
            label.y = tenth(label.y);
        }
    }
    let mut bar = scale_bar(scale, height);
    bar.x2 = tenth(bar.x2);
    Some(Map {
        width: WIDTH,
        height: tenth(height),
        points,
        scale: bar,
    })
}

/// A bar of a round length, about a quarter of the width, at the bottom left.
fn scale_bar(pixels_per_degree: f64, height: f64) -> ScaleBar {
    let km_per_pixel = KM_PER_DEGREE / pixels_per_degree;
    let target = WIDTH / 4.0 * km_per_pixel;
    let km = [
        0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0,
    ]
    .into_iter()
    .rev()
    .find(|k| *k <= target)
    .unwrap_or(0.1);
    let text = if km < 1.0 {
        format!("{:.0} m", km * 1000.0)
    } else {
        format!("{km:.0} km")
    };
    ScaleBar {
        x1: MARGIN,
        x2: MARGIN + km / km_per_pixel,
        y: height - 12.0,
        text,
    }
}

fn short(name: &str) -> String {
    if name.chars().count() <= LABEL_CHARS {
        name.to_owned()
    } else {
        let cut: String = name.chars().take(LABEL_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

struct Rect {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Rect {
    fn around(x: f64, y: f64, r: f64) -> Rect {
        Rect {
            left: x - r,
            right: x + r,
            top: y - r,
            bottom: y + r,
        }
    }

    fn overlaps(&self, other: &Rect) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(name: &str, lat: f64, lon: f64) -> Place {
        Place {
            name: name.to_owned(),
            href: format!("#{name}"),
            position: Position {
                lat_e6: (lat * 1e6) as i64,
                lon_e6: (lon * 1e6) as i64,
            },
        }
    }

    #[test]
    fn places_keep_their_geography_inside_the_drawing() {
        // Salé's centre, a hospital to its north-east, a school to its south-west.
        let map = layout(&[
            place("centre", 34.0531, -6.7985),
            place("hospital", 34.0700, -6.7700),
            place("school", 34.0300, -6.8200),
        ])
        .expect("a map");
        let [centre, hospital, school] = &map.points[..] else {
            panic!("three points");
        };
        assert!(hospital.x > centre.x && hospital.y < centre.y, "north-east");
        assert!(school.x < centre.x && school.y > centre.y, "south-west");
        for p in &map.points {
            assert!(p.x >= MARGIN - 0.01 && p.x <= WIDTH - MARGIN + 0.01);
            assert!(p.y >= MARGIN - 0.01 && p.y <= map.height - MARGIN);
            assert!(p.label.is_some(), "room for every name");
        }
        assert_eq!(
            map.points.iter().map(|p| p.number).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert!(map.scale.x2 > map.scale.x1 && map.scale.text.ends_with("km"));
    }

    #[test]
    fn one_place_or_one_building_still_draws() {
        let map = layout(&[place("a", 34.0, -6.8)]).expect("a map");
        let p = &map.points[0];
        assert!((p.x - WIDTH / 2.0).abs() < 1.0, "centred");
        let twins = layout(&[place("a", 34.0, -6.8), place("b", 34.0, -6.8)]).expect("map");
        assert!((twins.points[0].x - twins.points[1].x).abs() >= RADIUS);
        assert!(layout(&[]).is_none());
    }
}
