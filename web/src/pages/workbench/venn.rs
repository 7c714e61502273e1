//! The overlap of two to five sources as a Venn diagram (SVG): circles for two or three,
//! the classic ellipses for four, and five congruent ellipses turned 72° apart for five (every
//! one of the 2^n − 1 regions is present). The shapes are the same size whatever the counts (an
//! area-proportional layout misleads more than it helps); each region shows how many merged
//! rows are listed by exactly those sources, at the point deepest inside it, and choosing a
//! region (click, or Enter / Space on it) narrows the merged list to its rows. The sources'
//! names are a legend beside the picture, so no label is ever drawn over another. The count
//! spots of four and five sources are the deepest points of their regions, found by a grid
//! search once and kept as constants; `no_two_labels_overlap` below re-checks that no two
//! count boxes (three digits) or letters overlap.

use leptos::prelude::*;
use shared::merge::OverlapSet;

/// A point of the drawing.
type Point = (f64, f64);
/// An ellipse: centre x, centre y, radius along its axis, radius across, rotation in degrees.
type Ellipse = (f64, f64, f64, f64, f64);

/// The most sources drawn as a Venn diagram; more get the UpSet bars.
pub const MOST_IN_VENN: usize = 5;

/// Source colours (legend swatch, outline and letter); dark enough to read on white.
const COLOURS: [&str; 5] = ["#1b6ec2", "#b45f06", "#2e7d4f", "#7b3fa0", "#a33b3b"];

/// Two sources (viewBox 300×270): circles, counts at the region centres, letters outside.
const ELLIPSES_2: [Ellipse; 2] = [
    (115.0, 135.0, 85.0, 85.0, 0.0),
    (185.0, 135.0, 85.0, 85.0, 0.0),
];
const SPOTS_2: [Point; 4] = [(0.0, 0.0), (75.0, 140.0), (225.0, 140.0), (150.0, 140.0)];
const LETTERS_2: [Point; 2] = [(38.0, 64.0), (262.0, 64.0)];
/// Three sources (viewBox 300×270).
const ELLIPSES_3: [Ellipse; 3] = [
    (120.0, 110.0, 72.0, 72.0, 0.0),
    (180.0, 110.0, 72.0, 72.0, 0.0),
    (150.0, 162.0, 72.0, 72.0, 0.0),
];
const SPOTS_3: [Point; 8] = [
    (0.0, 0.0),
    (92.0, 92.0),   // only 0
    (208.0, 92.0),  // only 1
    (150.0, 85.0),  // 0 ∩ 1
    (150.0, 212.0), // only 2
    (114.0, 156.0), // 0 ∩ 2
    (186.0, 156.0), // 1 ∩ 2
    (150.0, 128.0), // all three
];
const LETTERS_3: [Point; 3] = [(56.0, 52.0), (244.0, 52.0), (150.0, 250.0)];
/// Four sources (viewBox 300×246): two pairs of ellipses turned ±45°.
const ELLIPSES_4: [Ellipse; 4] = [
    (117.1, 128.3, 110.0, 44.0, -45.0),
    (150.1, 117.3, 110.0, 44.0, -45.0),
    (150.1, 117.3, 110.0, 44.0, 45.0),
    (183.1, 128.3, 110.0, 44.0, 45.0),
];
const SPOTS_4: [Point; 16] = [
    (0.0, 0.0),
    (51.6, 197.2),
    (215.9, 57.3),
    (96.9, 170.4),
    (84.3, 57.3),
    (93.5, 105.9),
    (149.7, 170.4),
    (106.1, 121.8),
    (248.6, 197.2),
    (149.7, 59.0),
    (206.6, 105.9),
    (185.7, 84.9),
    (203.3, 170.4),
    (114.5, 84.9),
    (194.1, 121.8),
    (149.7, 108.4),
];
const LETTERS_4: [Point; 4] = [(29.4, 221.0), (237.8, 34.6), (62.4, 34.6), (270.8, 221.0)];
/// Five sources (viewBox 495×496): five ellipses turned 72° apart.
const ELLIPSES_5: [Ellipse; 5] = [
    (240.3, 205.2, 190.0, 133.0, -54.0),
    (276.4, 231.4, 190.0, 133.0, 18.0),
    (262.6, 273.9, 190.0, 133.0, 90.0),
    (217.9, 273.9, 190.0, 133.0, 162.0),
    (204.1, 231.4, 190.0, 133.0, 234.0),
];
const SPOTS_5: [Point; 32] = [
    (0.0, 0.0),
    (328.4, 76.7),
    (429.7, 278.3),
    (380.0, 155.3),
    (269.2, 436.9),
    (267.1, 93.0),
    (369.8, 352.1),
    (312.4, 126.9),
    (68.7, 333.3),
    (128.0, 356.2),
    (395.9, 227.6),
    (384.3, 194.3),
    (178.8, 402.8),
    (148.4, 369.5),
    (376.9, 278.6),
    (359.7, 197.2),
    (105.4, 110.7),
    (196.0, 85.9),
    (101.9, 174.1),
    (148.2, 141.4),
    (309.2, 387.6),
    (238.1, 93.0),
    (335.1, 366.6),
    (229.7, 118.2),
    (73.2, 239.4),
    (111.2, 302.1),
    (96.2, 195.8),
    (114.3, 217.4),
    (252.6, 386.9),
    (173.0, 357.8),
    (323.5, 346.3),
    (239.6, 246.5),
];
const LETTERS_5: [Point; 5] = [
    (360.2, 45.1),
    (470.4, 299.5),
    (262.6, 482.9),
    (23.9, 342.0),
    (84.2, 71.4),
];

/// One layout: its shapes, count spots (by region mask), letters, viewBox, the count's font
/// size (px of the viewBox) and the size of a region's hit area.
struct Layout {
    shapes: &'static [Ellipse],
    spots: &'static [Point],
    letters: &'static [Point],
    view: (f64, f64),
    count_size: f64,
    hit: (f64, f64),
}

/// The layout for `sources` sources (2 to 5): shapes, spots, letters, viewBox, count size, hit area.
fn layout(sources: usize) -> Option<Layout> {
    let (shapes, spots, letters, view, count_size, hit): (&[Ellipse], &[Point], &[Point], _, _, _) =
        match sources {
            2 => (
                &ELLIPSES_2,
                &SPOTS_2,
                &LETTERS_2,
                (300.0, 270.0),
                16.0,
                (44.0, 28.0),
            ),
            3 => (
                &ELLIPSES_3,
                &SPOTS_3,
                &LETTERS_3,
                (300.0, 270.0),
                16.0,
                (44.0, 28.0),
            ),
            4 => (
                &ELLIPSES_4,
                &SPOTS_4,
                &LETTERS_4,
                (300.0, 246.0),
                13.0,
                (26.0, 17.0),
            ),
            5 => (
                &ELLIPSES_5,
                &SPOTS_5,
                &LETTERS_5,
                (495.0, 496.0),
                11.0,
                (22.0, 14.0),
            ),
            _ => return None,
        };
    Some(Layout {
        shapes,
        spots,
        letters,
        view,
        count_size,
        hit,
    })
}

/// The font size of a count: the layout's, smaller for four digits and more so the count
/// stays inside the box the layout was checked with (three digits).
fn count_font(base: f64, count: usize) -> f64 {
    let digits = count.to_string().len();
    if digits <= 3 {
        base
    } else {
        base * 3.0 / digits as f64
    }
}

/// Rows listed by exactly each combination of `sources` sources, indexed by bit mask
/// (bit i = source i); `None` unless there are 2 to [`MOST_IN_VENN`] sources.
pub fn region_counts(sources: usize, combinations: &[OverlapSet]) -> Option<Vec<usize>> {
    if !(2..=MOST_IN_VENN).contains(&sources) {
        return None;
    }
    let mut counts = vec![0; 1 << sources];
    for set in combinations {
        let mask = set
            .sources
            .iter()
            .filter(|i| **i < sources)
            .fold(0usize, |mask, i| mask | (1 << i));
        if mask != 0 {
            counts[mask] += set.count;
        }
    }
    Some(counts)
}

/// A sentence for screen readers: "A only 3, B only 1, A and B 5."
pub fn describe(labels: &[String], counts: &[usize]) -> String {
    let parts: Vec<String> = (1..counts.len())
        .map(|mask| {
            let names: Vec<&str> = (0..labels.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| labels[i].as_str())
                .collect();
            let name = if names.len() == 1 {
                format!("{} only", names[0])
            } else {
                names.join(" and ")
            };
            format!("{name} {}", counts[mask])
        })
        .collect();
    format!("{}.", parts.join(", "))
}

/// The sources of a region's bit mask, ascending.
pub fn mask_sources(mask: usize) -> Vec<usize> {
    (0..usize::BITS as usize)
        .filter(|i| mask & (1 << i) != 0)
        .collect()
}

/// The diagram for 2 to 5 sources (`labels` and `counts` from [`region_counts`]); `pick` is
/// called with the sources of a chosen region, `selected` is the chosen one.
#[component]
pub fn Venn(
    labels: Vec<String>,
    counts: Vec<usize>,
    pick: Callback<Vec<usize>>,
    selected: RwSignal<Option<Vec<usize>>>,
) -> impl IntoView {
    let Some(layout) = layout(labels.len()) else {
        return ().into_any();
    };
    let description = describe(&labels, &counts);
    let shapes = layout
        .shapes
        .iter()
        .zip(COLOURS)
        .map(|(&(cx, cy, rx, ry, turn), colour)| {
            if (rx - ry).abs() < f64::EPSILON {
                view! {
                    <circle
                        cx=cx
                        cy=cy
                        r=rx
                        fill=colour
                        fill-opacity="0.2"
                        stroke=colour
                        stroke-width="2"
                    />
                }
                .into_any()
            } else {
                view! {
                    <ellipse
                        cx=cx
                        cy=cy
                        rx=rx
                        ry=ry
                        transform=format!("rotate({turn} {cx} {cy})")
                        fill=colour
                        fill-opacity="0.14"
                        stroke=colour
                        stroke-width="2"
                    />
                }
                .into_any()
            }
        })
        .collect_view();
    let (hit_w, hit_h) = layout.hit;
    let numbers = (1..counts.len())
        .map(|mask| {
            let (x, y) = layout.spots[mask];
            let sources = mask_sources(mask);
            let chosen = sources.clone();
            let names: Vec<String> = sources.iter().map(|i| labels[*i].clone()).collect();
            let what = if names.len() == 1 {
                format!("only in {}", names[0])
            } else {
                format!("in {}", names.join(" and "))
            };
            let count = counts[mask];
            let noun = if count == 1 { "gene" } else { "genes" };
            let label = format!("Show the {count} {noun} {what}");
            let font = format!("font-size:{}px", count_font(layout.count_size, count));
            let on_key = {
                let sources = sources.clone();
                move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" || ev.key() == " " {
                        ev.prevent_default();
                        pick.run(sources.clone());
                    }
                }
            };
            view! {
                <g
                    class="venn-region"
                    class:venn-selected=move || selected.with(|s| s.as_ref() == Some(&chosen))
                    role="button"
                    tabindex="0"
                    data-mask=mask
                    aria-label=label
                    on:click=move |_| pick.run(sources.clone())
                    on:keydown=on_key
                >
                    <title>{format!("Show these genes ({what})")}</title>
                    <rect
                        x={x - hit_w / 2.0}
                        y={y - hit_h * 0.72}
                        width=hit_w
                        height=hit_h
                        rx="4"
                        class="venn-hit"
                    />
                    <text x=x y=y text-anchor="middle" class="venn-count" style=font data-mask=mask>
                        {count}
                    </text>
                </g>
            }
        })
        .collect_view();
    // The sources' names are a legend beside the picture (never drawn over each other however
    // long they are); each shape carries its legend's letter, outside the others.
    let letters = layout
        .letters
        .iter()
        .enumerate()
        .zip(COLOURS)
        .map(|((i, &(x, y)), colour)| {
            view! {
                <text x=x y=y text-anchor="middle" fill=colour class="venn-letter" aria-hidden="true">
                    {letter(i).to_string()}
                </text>
            }
        })
        .collect_view();
    let legend = labels
        .iter()
        .enumerate()
        .zip(COLOURS)
        .map(|((i, label), colour)| {
            view! {
                <li class="venn-label" data-source=i>
                    <span class="venn-swatch" style=format!("background:{colour}") aria-hidden="true"></span>
                    <strong aria-hidden="true">{format!("{} ", letter(i))}</strong>
                    {label.clone()}
                </li>
            }
        })
        .collect_view();
    let (width, height) = layout.view;
    view! {
        <figure class="venn-figure" data-sources=labels.len()>
            <svg
                class="venn"
                id="overlap-venn"
                viewBox=format!("0 0 {width} {height}")
                width=width
                height=height
                role="group"
                aria-label=description
            >
                {shapes}
                {numbers}
                {letters}
            </svg>
            <figcaption>
                <ul class="venn-legend" id="overlap-legend" aria-label="Sources">{legend}</ul>
            </figcaption>
        </figure>
    }
    .into_any()
}

/// "A", "B", "C": the letter of source `i` in the picture and its legend.
fn letter(i: usize) -> char {
    char::from(b'A' + u8::try_from(i % 26).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(sources: &[usize], count: usize) -> OverlapSet {
        OverlapSet {
            sources: sources.to_vec(),
            count,
        }
    }

    #[test]
    fn regions_are_indexed_by_their_sources() {
        let counts = region_counts(3, &[set(&[0], 4), set(&[0, 1], 2), set(&[0, 1, 2], 1)]);
        assert_eq!(counts, Some(vec![0, 4, 0, 2, 0, 0, 0, 1]));
        assert_eq!(region_counts(2, &[set(&[1], 3)]), Some(vec![0, 0, 3, 0]));
        assert_eq!(region_counts(1, &[]), None);
        assert_eq!(region_counts(5, &[]).map(|c| c.len()), Some(32));
        assert_eq!(region_counts(6, &[]), None);
    }

    #[test]
    fn masks_name_their_sources() {
        assert_eq!(mask_sources(1), [0]);
        assert_eq!(mask_sources(6), [1, 2]);
        assert_eq!(mask_sources(7), [0, 1, 2]);
    }

    #[test]
    fn the_diagram_is_described_in_words() {
        let labels = vec!["A".to_owned(), "B".to_owned()];
        assert_eq!(
            describe(&labels, &[0, 3, 1, 5]),
            "A only 3, B only 1, A and B 5."
        );
    }

    /// The layouts' count boxes (three digits at the layout's size) and letters never overlap,
    /// and all of them lie inside the viewBox.
    #[test]
    fn no_two_labels_overlap() {
        for sources in 2..=MOST_IN_VENN {
            let layout = layout(sources).unwrap();
            assert_eq!(layout.spots.len(), 1 << sources);
            assert_eq!(layout.shapes.len(), sources);
            let size = layout.count_size;
            // A count's box around its baseline point: three digits of ~0.62 em, cap height.
            let mut boxes: Vec<(String, [f64; 4])> = layout.spots[1..]
                .iter()
                .enumerate()
                .map(|(i, &(x, y))| {
                    let w = 3.0 * 0.62 * size;
                    (
                        format!("count {}", i + 1),
                        [x - w / 2.0, y - 0.8 * size, x + w / 2.0, y + 0.1 * size],
                    )
                })
                .collect();
            boxes.extend(layout.letters.iter().enumerate().map(|(i, &(x, y))| {
                (format!("letter {i}"), [x - 6.0, y - 14.0, x + 6.0, y + 2.0])
            }));
            let (width, height) = layout.view;
            for (name, b) in &boxes {
                assert!(
                    b[0] >= 0.0 && b[1] >= 0.0 && b[2] <= width && b[3] <= height,
                    "{sources} sources: {name} outside the picture"
                );
            }
            for (i, (a, ab)) in boxes.iter().enumerate() {
                for (b, bb) in &boxes[i + 1..] {
                    let apart =
                        ab[2] <= bb[0] || bb[2] <= ab[0] || ab[3] <= bb[1] || bb[3] <= ab[1];
                    assert!(apart, "{sources} sources: {a} overlaps {b}");
                }
            }
        }
    }

    /// Each count spot lies inside exactly the shapes of its region.
    #[test]
    fn every_count_sits_in_its_region() {
        for sources in 2..=MOST_IN_VENN {
            let layout = layout(sources).unwrap();
            for (mask, &(x, y)) in layout.spots.iter().enumerate().skip(1) {
                // The count's middle, a little above its baseline.
                let y = y - 0.35 * layout.count_size;
                let inside = layout
                    .shapes
                    .iter()
                    .enumerate()
                    .filter(|&(_, &(cx, cy, rx, ry, turn))| {
                        let (s, c) = turn.to_radians().sin_cos();
                        let (dx, dy) = (x - cx, y - cy);
                        let (u, v) = (dx * c + dy * s, -dx * s + dy * c);
                        (u / rx).powi(2) + (v / ry).powi(2) <= 1.0
                    })
                    .fold(0usize, |m, (i, _)| m | (1 << i));
                assert_eq!(
                    inside, mask,
                    "{sources} sources: the count of region {mask}"
                );
            }
        }
    }

    #[test]
    fn long_counts_get_smaller() {
        assert!((count_font(11.0, 999) - 11.0).abs() < 1e-9);
        assert!((count_font(12.0, 1234) - 9.0).abs() < 1e-9);
    }
}
