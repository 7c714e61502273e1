//! Pieces the saved-panel pages share: badges, error wording, downloads and
//! the conversion of API genes into `shared::saved::SavedGene` for browser-side diffs.

use leptos::prelude::*;
use shared::saved::SavedGene;
use shared::{Confidence, EntityType, ErrorCode, GeneSymbol, HgncId, PanelStatus, Visibility};

use crate::api::ApiError;
use crate::words::counted_len as counted;

/// A readable message for a failed call; a stale edit gets its own explanation.
pub fn error_message(error: &ApiError) -> String {
    match error {
        ApiError::Graphql {
            code: Some(ErrorCode::Conflict),
            message,
        } => format!(
            "Someone else saved a new version of this panel while you were editing, so your \
             changes were not saved. Reload the panel to see their version, then make your \
             changes again. ({message})"
        ),
        ApiError::Graphql {
            code: Some(ErrorCode::Forbidden),
            message,
        } => format!("You are not allowed to do this. ({message})"),
        other => other.to_string(),
    }
}

/// A readable message for a failed call that is not an edit of the genes (status, labels):
/// a `CONFLICT` there is a rule of the panel (a protected label, a label given twice), said as
/// the server says it.
pub fn refusal_message(error: &ApiError) -> String {
    match error {
        ApiError::Graphql {
            code: Some(ErrorCode::Conflict),
            message,
        } => format!("Refused: {message}."),
        other => error_message(other),
    }
}

/// True when a failed call was refused as stale (`CONFLICT`): the page offers a reload.
pub fn is_conflict(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::Graphql {
            code: Some(ErrorCode::Conflict),
            ..
        }
    )
}

/// The error of a failed save, with "Reload the panel" when the save was stale.
#[component]
pub fn SaveError(
    /// Id of the alert element (browser tests find it by id).
    id: &'static str,
    error: RwSignal<Option<ApiError>>,
    reload: Callback<()>,
) -> impl IntoView {
    move || {
        error.get().map(|e| {
            let reload_button = is_conflict(&e).then(|| {
                view! {
                    <button type="button" class="button" on:click=move |_| reload.run(())>
                        "Reload the panel"
                    </button>
                }
            });
            view! {
                <div class="form-error" role="alert" id=id>
                    <p>{error_message(&e)}</p>
                    {reload_button}
                </div>
            }
        })
    }
}

/// One changed field in a [`DiffList`].
pub struct FieldLine {
    pub symbol: String,
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A compact diff: "+ GENE", "− GENE" and "GENE field: old → new" lines.
#[component]
pub fn DiffList(
    added: Vec<String>,
    removed: Vec<String>,
    changed: Vec<FieldLine>,
) -> impl IntoView {
    let added = added
        .into_iter()
        .map(|g| view! { <li class="diff-added">{format!("+ {g}")}</li> })
        .collect_view();
    let removed = removed
        .into_iter()
        .map(|g| view! { <li class="diff-removed">{format!("− {g}")}</li> })
        .collect_view();
    let changed = changed
        .into_iter()
        .map(|c| {
            view! { <li class="diff-changed">{change_line(&c)}</li> }
        })
        .collect_view();
    view! { <ul class="diff-list">{added}{removed}{changed}</ul> }
}

/// A field of a gene in words a geneticist uses.
fn field_words(field: &str) -> &str {
    match field {
        "entityType" => "type",
        "hgncId" => "HGNC id",
        "geneName" => "gene name",
        "confidence" => "PanelApp rating",
        "customConfidence" => "custom rating",
        "modeOfInheritance" => "mode of inheritance",
        "phenotypes" => "phenotypes",
        "evidence" => "evidence",
        "sources" => "sources",
        "notes" => "notes",
        "grch37" => "GRCh37 position",
        "grch38" => "GRCh38 position",
        other => other,
    }
}

/// A value as shown: ratings by their label ("GREEN" → "Green"), nothing as "none".
fn value_words(value: Option<&str>) -> String {
    match value {
        None => "none".to_owned(),
        Some(v) => v
            .parse::<Confidence>()
            .map_or_else(|_| v.to_owned(), |c| c.label().to_owned()),
    }
}

/// The pending-rating fields of [`FieldLine`]: the effective rating before and after, with a
/// custom rating set ([`RATING_CUSTOM`]) or cleared back to PanelApp's ([`RATING_PANELAPP`]).
pub const RATING_CUSTOM: &str = "rating:custom";
pub const RATING_PANELAPP: &str = "rating:panelapp";

/// One change in words: "ABCA2: Amber → Green (custom rating)", "ABCA2: notes none → "x"".
pub fn change_line(c: &FieldLine) -> String {
    let old = value_words(c.old.as_deref());
    let new = value_words(c.new.as_deref());
    match c.field.as_str() {
        RATING_CUSTOM => format!("{}: {old} → {new} (custom rating)", c.symbol),
        RATING_PANELAPP => format!("{}: {old} → {new} (back to PanelApp's rating)", c.symbol),
        field => format!("{}: {} {old} → {new}", c.symbol, field_words(field)),
    }
}

/// A version's change summary in words: "CONFIDENCE_CHANGED: 1, GENE_ADDED: 2" (as stored)
/// reads "2 genes added, 1 rating changed". Anything not in that form is shown as it is.
pub fn summary_in_words(summary: &str) -> String {
    const ORDER: [(&str, &str, &str); 7] = [
        ("PANEL_CREATED", "panel created", "panel created"),
        ("GENE_ADDED", "gene added", "genes added"),
        ("GENE_REMOVED", "gene removed", "genes removed"),
        ("CONFIDENCE_CHANGED", "rating changed", "ratings changed"),
        ("GENE_MODIFIED", "gene edited", "genes edited"),
        (
            "METADATA_CHANGED",
            "panel detail changed",
            "panel details changed",
        ),
        (
            "SOURCE_UPDATED",
            "PanelApp update taken",
            "PanelApp updates taken",
        ),
    ];
    let mut counts = Vec::new();
    for part in summary.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((kind, n)) = part.split_once(':') else {
            return summary.to_owned();
        };
        let Ok(n) = n.trim().parse::<usize>() else {
            return summary.to_owned();
        };
        counts.push((kind.trim(), n));
    }
    let mut words = Vec::new();
    for (kind, one, many) in ORDER {
        if let Some((_, n)) = counts.iter().find(|(k, _)| *k == kind) {
            if kind == "PANEL_CREATED" {
                words.push("panel created".to_owned());
            } else {
                words.push(counted(*n, one, many));
            }
        }
    }
    if words.len() != counts.len() {
        return summary.to_owned();
    }
    let mut text = words.join(", ");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + &text[1..];
    }
    text
}

pub fn status_label(status: PanelStatus) -> &'static str {
    match status {
        PanelStatus::Active => "Active",
        PanelStatus::Archived => "Archived",
        PanelStatus::Deleted => "Deleted",
        PanelStatus::Draft => "Draft",
    }
}

pub fn visibility_label(visibility: Visibility) -> &'static str {
    match visibility {
        Visibility::Private => "Private",
        Visibility::Shared => "Shared",
        Visibility::Public => "Public",
    }
}

/// Splits pasted text (lines, commas, tabs, semicolons, spaces) into gene symbols; returns the
/// parsed symbols and the pieces that are not valid symbols.
pub fn parse_symbols(text: &str) -> (Vec<GeneSymbol>, Vec<String>) {
    let mut symbols: Vec<GeneSymbol> = Vec::new();
    let mut invalid = Vec::new();
    for piece in text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|p| !p.trim().is_empty())
    {
        match GeneSymbol::parse(piece) {
            Ok(symbol) if !symbols.contains(&symbol) => symbols.push(symbol),
            Ok(_) => {}
            Err(_) => invalid.push(piece.to_owned()),
        }
    }
    (symbols, invalid)
}

/// The fields of an API gene the browser-side diff compares.
pub struct GeneParts {
    pub symbol: String,
    pub entity_type: EntityType,
    pub hgnc_id: Option<String>,
    pub gene_name: Option<String>,
    pub confidence: Option<Confidence>,
    pub custom_confidence: Option<Confidence>,
    pub mode_of_inheritance: Option<String>,
    pub phenotypes: Vec<String>,
    pub evidence: Vec<String>,
    pub sources: Vec<String>,
    pub notes: Option<String>,
}

/// An API gene as the shared diff's record; `None` when its symbol is not a valid symbol.
pub fn to_saved_gene(parts: GeneParts) -> Option<SavedGene> {
    let mut gene = SavedGene::new(GeneSymbol::parse(&parts.symbol).ok()?);
    gene.entity_type = parts.entity_type;
    gene.hgnc_id = parts.hgnc_id.as_deref().and_then(|h| HgncId::parse(h).ok());
    gene.gene_name = parts.gene_name;
    gene.confidence = parts.confidence;
    gene.custom_confidence = parts.custom_confidence;
    gene.mode_of_inheritance = parts.mode_of_inheritance;
    gene.phenotypes = parts.phenotypes;
    gene.evidence = parts.evidence;
    gene.sources = parts.sources;
    gene.notes = parts.notes;
    Some(gene)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_lists_are_split_normalised_and_deduplicated() {
        let (symbols, invalid) = parse_symbols("brca1, TP53\nTP53;\t myh7  -x");
        let names: Vec<&str> = symbols.iter().map(GeneSymbol::as_str).collect();
        assert_eq!(names, ["BRCA1", "TP53", "MYH7"]);
        assert_eq!(invalid, ["-x"]);
    }

    #[test]
    fn conflicts_are_explained() {
        let error = ApiError::Graphql {
            code: Some(ErrorCode::Conflict),
            message: "stale".into(),
        };
        assert!(error_message(&error).contains("Someone else saved"));
    }
}
