//! How genes and panels' entities are shown wherever they are listed: evidence and
//! verification badges, entity kinds and counts.

use leptos::prelude::*;
use shared::{Confidence, EntityType};

/// A coloured evidence badge ("Green", "Amber" …), or a dash.
pub fn confidence_badge(confidence: Option<Confidence>) -> AnyView {
    match confidence {
        Some(c) => {
            let class = format!("conf conf-{}", c.as_str().to_ascii_lowercase());
            view! { <span class=class>{c.label()}</span> }.into_any()
        }
        None => view! { <span class="muted">"—"</span> }.into_any(),
    }
}

/// How a gene symbol was checked, as a badge: `UNVERIFIED` (with why) and `ALIAS_MAPPED`
/// (with the mapping, e.g. "MLL2 → KMT2D (previous symbol)") are shown; verified symbols get
/// nothing.
pub fn verification_badge(
    status: shared::VerificationStatus,
    note: Option<String>,
) -> Option<AnyView> {
    match status {
        shared::VerificationStatus::Verified => None,
        shared::VerificationStatus::AliasMapped => Some(
            view! {
                <span class="verification verification-mapped" data-status=status.as_str()>
                    {note.unwrap_or_else(|| "alias mapped".to_owned())}
                </span>
            }
            .into_any(),
        ),
        shared::VerificationStatus::Unverified => Some(
            view! {
                <span
                    class="verification verification-unverified"
                    data-status=status.as_str()
                    title=note.clone().unwrap_or_default()
                >
                    "UNVERIFIED"
                </span>
                {note.map(|n| view! { <small class="verification-note">{n}</small> })}
            }
            .into_any(),
        ),
    }
}

pub fn entity_label(kind: EntityType) -> &'static str {
    match kind {
        EntityType::Gene => "Gene",
        EntityType::Str => "STR",
        EntityType::Region => "Region",
    }
}

/// "12 genes", or "12 genes, 2 STRs, 1 region" when there are more kinds.
pub fn entity_counts(genes: i64, strs: i64, regions: i64) -> String {
    let plural = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = vec![plural(genes, "gene", "genes")];
    if strs > 0 {
        parts.push(plural(strs, "STR", "STRs"));
    }
    if regions > 0 {
        parts.push(plural(regions, "region", "regions"));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::entity_counts;

    #[test]
    fn entity_counts_name_only_the_kinds_present() {
        assert_eq!(entity_counts(12, 0, 0), "12 genes");
        assert_eq!(entity_counts(1, 2, 1), "1 gene, 2 STRs, 1 region");
    }
}
