//! The overlap of two or three sources as a Venn diagram (SVG). The circles are the same size
//! whatever the counts (an area-proportional layout misleads more than it helps with three
//! sets); each region shows how many merged rows are listed by exactly those sources, and
//! choosing a region (click, or Enter / Space on it) narrows the merged list to its rows.

use leptos::prelude::*;
use shared::merge::OverlapSet;

/// A point of the drawing.
type Point = (f64, f64);

/// Circle centres, radius and the colour of each source, for 2 and 3 sources (viewBox 300×270).
const CIRCLES_2: [Point; 2] = [(115.0, 135.0), (185.0, 135.0)];
const CIRCLES_3: [Point; 3] = [(120.0, 110.0), (180.0, 110.0), (150.0, 162.0)];
const RADIUS_2: f64 = 85.0;
const RADIUS_3: f64 = 72.0;
const COLOURS: [&str; 3] = ["#1b6ec2", "#d9822b", "#2e8b57"];

/// Where each region's count goes, indexed by the bit mask of its sources (bit i = source i).
const SPOTS_2: [Point; 4] = [(0.0, 0.0), (75.0, 140.0), (225.0, 140.0), (150.0, 140.0)];
const SPOTS_3: [Point; 8] = [
    (0.0, 0.0),
    (92.0, 92.0),   // only 0
    (208.0, 92.0),  // only 1
    (150.0, 85.0),  // 0 ∩ 1
    (150.0, 212.0), // only 2
    (118.0, 152.0), // 0 ∩ 2
    (182.0, 152.0), // 1 ∩ 2
    (150.0, 128.0), // all three
];

/// Rows listed by exactly each combination of `sources` sources, indexed by bit mask
/// (bit i = source i); `None` unless there are 2 or 3 sources.
pub fn region_counts(sources: usize, combinations: &[OverlapSet]) -> Option<Vec<usize>> {
    if !(2..=3).contains(&sources) {
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

/// The diagram for 2 or 3 sources (`labels` and `counts` from [`region_counts`]); `pick` is
/// called with the sources of a chosen region, `selected` is the chosen one.
#[component]
pub fn Venn(
    labels: Vec<String>,
    counts: Vec<usize>,
    pick: Callback<Vec<usize>>,
    selected: RwSignal<Option<Vec<usize>>>,
) -> impl IntoView {
    let three = labels.len() == 3;
    let (centres, radius, spots): (&[Point], f64, &[Point]) = if three {
        (&CIRCLES_3, RADIUS_3, &SPOTS_3)
    } else {
        (&CIRCLES_2, RADIUS_2, &SPOTS_2)
    };
    let description = describe(&labels, &counts);
    let circles = centres
        .iter()
        .zip(COLOURS)
        .map(|(&(cx, cy), colour)| {
            view! {
                <circle
                    cx=cx
                    cy=cy
                    r=radius
                    fill=colour
                    fill-opacity="0.22"
                    stroke=colour
                    stroke-width="2"
                />
            }
        })
        .collect_view();
    let numbers = (1..counts.len())
        .map(|mask| {
            let (x, y) = spots[mask];
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
                        x={x - 22.0}
                        y={y - 20.0}
                        width="44"
                        height="28"
                        rx="6"
                        class="venn-hit"
                    />
                    <text x=x y=y text-anchor="middle" class="venn-count" data-mask=mask>
                        {count}
                    </text>
                </g>
            }
        })
        .collect_view();
    // The sources' names are a legend under the picture (never drawn over each other however
    // long they are); each circle carries its legend's letter.
    let letters = centres
        .iter()
        .enumerate()
        .zip(COLOURS)
        .map(|((i, &(cx, cy)), colour)| {
            // Outside each circle, away from the others: left, right, below.
            let (x, y) = match (three, i) {
                (_, 0) => (cx - radius + 8.0, cy - radius + 14.0),
                (_, 1) => (cx + radius - 8.0, cy - radius + 14.0),
                _ => (cx, cy + radius + 16.0),
            };
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
    view! {
        <figure class="venn-figure">
            <svg
                class="venn"
                id="overlap-venn"
                viewBox="0 0 300 270"
                width="300"
                height="270"
                role="group"
                aria-label=description
            >
                {circles}
                {numbers}
                {letters}
            </svg>
            <figcaption>
                <ul class="venn-legend" id="overlap-legend" aria-label="Sources">{legend}</ul>
            </figcaption>
        </figure>
    }
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
        assert_eq!(region_counts(4, &[]), None);
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
}
