//! Which documents read only public PanelApp catalogue data: their answer is the same for
//! every caller, so the HTTP layer may cache it (`http::response_cache`) and give GETs of it an
//! `ETag`.

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};

/// Query root fields whose answer depends only on the PanelApp data this server holds: no
/// caller, no account, no upload, no saved panel. (`panels` and `panelsByGene` are audited for
/// logged-in callers only, which is why only anonymous answers are ever served from the cache.)
pub const PUBLIC_ROOT_FIELDS: &[&str] = &[
    "__typename",
    "panels",
    "panel",
    "panelsByGene",
    "geneSuggestions",
    "panelAppStatus",
];

/// Whether `query` parses and every operation in it is a query selecting only
/// [`PUBLIC_ROOT_FIELDS`] at its root (through fragments too). Nested fields are not checked:
/// the types below those roots hold catalogue data only.
pub fn is_public_catalogue_query(query: &str) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    let mut operations = doc.operations.iter().peekable();
    operations.peek().is_some()
        && operations.all(|(_, op)| {
            op.node.ty == OperationType::Query
                && root_is_public(&doc, &op.node.selection_set.node, 0)
        })
}

fn root_is_public(doc: &ExecutableDocument, set: &SelectionSet, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    set.items.iter().all(|item| match &item.node {
        Selection::Field(field) => PUBLIC_ROOT_FIELDS.contains(&field.node.name.node.as_str()),
        Selection::InlineFragment(fragment) => {
            root_is_public(doc, &fragment.node.selection_set.node, depth + 1)
        }
        Selection::FragmentSpread(spread) => doc
            .fragments
            .get(&spread.node.fragment_name.node)
            .is_some_and(|f| root_is_public(doc, &f.node.selection_set.node, depth + 1)),
    })
}

#[cfg(test)]
mod tests {
    use super::is_public_catalogue_query as public;

    #[test]
    fn only_catalogue_roots_are_public() {
        assert!(public("{ __typename }"));
        assert!(public(
            "query P($s: String) { panels(search: $s) { nodes { id name } } }"
        ));
        assert!(public(
            "query { ...F } fragment F on Query { panel(source: UK, id: 1) { name } }"
        ));
        assert!(!public("{ me { username } }"));
        assert!(!public("{ panels { totalCount } me { id } }"));
        assert!(!public("{ ... on Query { savedPanels { totalCount } } }"));
        assert!(!public("mutation { logout }"));
        assert!(!public("subscription { adminMessages { id } }"));
        assert!(!public(
            "query A { panels { totalCount } } query B { uploads { id } }"
        ));
        assert!(!public("{ panels { "));
        assert!(!public("fragment F on Query { panels { totalCount } }"));
    }
}
