//! One in-memory search index over both catalogues: name, disease group and sub-group,
//! relevant disorders (R-codes, HPO ids), the Australian description and panel types.
//! Ranked exact > prefix > substring > typo-tolerant; filtered by source, type, signed-off.

use std::collections::HashMap;
use std::sync::Arc;

use shared::Source;

use super::PanelSummary;

/// Filters of a search.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    pub source: Option<Source>,
    /// A panel type name or slug (case-insensitive).
    pub panel_type: Option<String>,
    pub signed_off: Option<bool>,
}

struct Doc {
    panel: Arc<PanelSummary>,
    name: String,
    /// Every other searchable text, lower-cased.
    fields: Vec<String>,
    /// Disorder entries (R-codes, HPO ids) and the id, lower-cased, for exact matches.
    exact: Vec<String>,
    types: Vec<String>,
}

/// The index. Built once per catalogue change; searching never allocates per document.
#[derive(Default)]
pub struct SearchIndex {
    docs: Vec<Doc>,
    /// token → documents containing it (for typo tolerance).
    vocabulary: HashMap<String, Vec<u32>>,
}

fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric() && c != ':')
        .filter(|t| !t.is_empty())
}

/// Whether a (lower-cased) query word is an identifier — an R-code (`r135`), an HPO or HGNC id
/// (`hp:0001250`, `hgnc:1100`) or a panel id (`402`) — which matches exactly, never by prefix,
/// substring or typo (`R135` is not `R13`, `R1350` or `R175`).
fn is_identifier(word: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(word)
        || word.strip_prefix('r').is_some_and(digits)
        || word.strip_prefix("hp:").is_some_and(digits)
        || word.strip_prefix("hgnc:").is_some_and(digits)
}

impl SearchIndex {
    pub fn build(panels: impl IntoIterator<Item = Arc<PanelSummary>>) -> Self {
        let mut docs: Vec<Doc> = Vec::new();
        let mut vocabulary: HashMap<String, Vec<u32>> = HashMap::new();
        for panel in panels {
            let name = panel.name.to_lowercase();
            let mut fields: Vec<String> = Vec::new();
            fields.extend(panel.disease_group.iter().map(|s| s.to_lowercase()));
            fields.extend(panel.disease_sub_group.iter().map(|s| s.to_lowercase()));
            fields.extend(panel.relevant_disorders.iter().map(|s| s.to_lowercase()));
            fields.extend(panel.description.iter().map(|s| s.to_lowercase()));
            fields.extend(panel.types.iter().map(|s| s.to_lowercase()));
            let mut exact: Vec<String> = panel
                .relevant_disorders
                .iter()
                .map(|s| s.trim().to_lowercase())
                .collect();
            exact.push(panel.id.to_string());
            let types = panel
                .types
                .iter()
                .chain(panel.type_slugs.iter())
                .map(|s| s.to_lowercase())
                .collect();
            let index = u32::try_from(docs.len()).unwrap_or(u32::MAX);
            for text in std::iter::once(&name).chain(fields.iter()) {
                for t in tokens(text) {
                    let postings = vocabulary.entry(t.to_owned()).or_default();
                    if postings.last() != Some(&index) {
                        postings.push(index);
                    }
                }
            }
            docs.push(Doc {
                panel,
                name,
                fields,
                exact,
                types,
            });
        }
        Self { docs, vocabulary }
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    fn passes(doc: &Doc, filter: &SearchFilter) -> bool {
        if let Some(source) = filter.source
            && doc.panel.source != source
        {
            return false;
        }
        if let Some(signed) = filter.signed_off
            && doc.panel.signed_off.is_some() != signed
        {
            return false;
        }
        if let Some(wanted) = &filter.panel_type {
            let wanted = wanted.trim().to_lowercase();
            if !doc.types.contains(&wanted) {
                return false;
            }
        }
        true
    }

    /// Matching panels, best first. Without a query: every panel passing the filter, by
    /// source then name.
    pub fn search(&self, query: Option<&str>, filter: &SearchFilter) -> Vec<Arc<PanelSummary>> {
        let query = query
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_lowercase);
        let Some(query) = query else {
            let mut all: Vec<&Doc> = self
                .docs
                .iter()
                .filter(|d| Self::passes(d, filter))
                .collect();
            all.sort_by(|a, b| (a.panel.source, &a.name).cmp(&(b.panel.source, &b.name)));
            return all.into_iter().map(|d| d.panel.clone()).collect();
        };
        let words: Vec<&str> = tokens(&query).collect();
        if !words.is_empty() && words.iter().all(|w| is_identifier(w)) {
            return self.identifiers(&words, filter);
        }
        // Typo-tolerant candidates: documents holding a token close to each query word
        // (identifiers only exactly).
        let fuzzy: Vec<Vec<u32>> = words
            .iter()
            .map(|w| {
                let max = match w.chars().count() {
                    _ if is_identifier(w) => 0,
                    0..=3 => 0,
                    4..=7 => 1,
                    _ => 2,
                };
                let mut docs: Vec<u32> = Vec::new();
                if max > 0 {
                    for (token, postings) in &self.vocabulary {
                        if token.len().abs_diff(w.len()) <= max && within(token, w, max) {
                            docs.extend(postings);
                        }
                    }
                }
                docs.sort_unstable();
                docs.dedup();
                docs
            })
            .collect();
        let mut scored: Vec<(u32, &Doc)> = Vec::new();
        for (i, doc) in self.docs.iter().enumerate() {
            if !Self::passes(doc, filter) {
                continue;
            }
            let score = if doc.name == query || doc.exact.contains(&query) {
                4000
            } else if doc.name.starts_with(&query) {
                3000
            } else if doc.name.contains(&query) {
                2500
            } else if doc.fields.iter().any(|f| f.starts_with(&query)) {
                2200
            } else if doc.fields.iter().any(|f| f.contains(&query)) {
                2000
            } else if !words.is_empty()
                && words.iter().enumerate().all(|(w, word)| {
                    if is_identifier(word) {
                        return self.holds(i as u32, doc, word);
                    }
                    doc.name.contains(word)
                        || doc.fields.iter().any(|f| f.contains(word))
                        || fuzzy[w].binary_search(&(i as u32)).is_ok()
                })
            {
                1000
            } else {
                0
            };
            if score > 0 {
                scored.push((score, doc));
            }
        }
        scored.sort_by(|(sa, a), (sb, b)| {
            sb.cmp(sa)
                .then(a.name.len().cmp(&b.name.len()))
                .then((a.panel.source, &a.name).cmp(&(b.panel.source, &b.name)))
        });
        scored.into_iter().map(|(_, d)| d.panel.clone()).collect()
    }
}

impl SearchIndex {
    /// Whether document `i` holds `word` as a whole token (from the index's vocabulary, whose
    /// postings are in document order), as its id or as a disorder entry.
    fn holds(&self, i: u32, doc: &Doc, word: &str) -> bool {
        self.vocabulary
            .get(word)
            .is_some_and(|postings| postings.binary_search(&i).is_ok())
            || doc.exact.iter().any(|e| e == word)
    }

    /// Panels holding every identifier of `words` exactly: the panel with that id first, then
    /// panels listing the R-code or HPO id, by source and name.
    fn identifiers(&self, words: &[&str], filter: &SearchFilter) -> Vec<Arc<PanelSummary>> {
        let mut hits: Vec<(bool, &Doc)> = self
            .docs
            .iter()
            .enumerate()
            .filter(|(i, d)| {
                Self::passes(d, filter) && words.iter().all(|w| self.holds(*i as u32, d, w))
            })
            .map(|(_, d)| (words.len() == 1 && d.panel.id.to_string() == words[0], d))
            .collect();
        hits.sort_by(|(ida, a), (idb, b)| {
            idb.cmp(ida)
                .then((a.panel.source, &a.name).cmp(&(b.panel.source, &b.name)))
        });
        hits.into_iter().map(|(_, d)| d.panel.clone()).collect()
    }
}

/// Whether the edit distance of `a` and `b` is at most `max` (both short).
fn within(a: &str, b: &str, max: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            row_min = row_min.min(cur[j]);
        }
        if row_min > max {
            return false;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()] <= max
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance() {
        assert!(within("epilepsy", "epilepsy", 0));
        assert!(within("epilepsy", "epilesy", 1));
        assert!(within("epilepsy", "epilespy", 2));
        assert!(!within("epilepsy", "kidney", 2));
    }

    #[test]
    fn ranks_and_filters_the_bundled_catalogue() {
        let snap = super::super::snapshot::Snapshot::bundled();
        let panels: Vec<_> = [Source::Uk, Source::Au]
            .into_iter()
            .flat_map(|s| {
                let signed = snap.signed_off(s);
                snap.panels(s)
                    .unwrap()
                    .into_iter()
                    .map(move |p| Arc::new(PanelSummary::from_raw(s, &p, &signed)))
            })
            .collect();
        let index = SearchIndex::build(panels);
        assert_eq!(index.len(), 442);
        let f = SearchFilter::default();
        let hits = index.search(Some("epilepsy"), &f);
        assert!(
            hits.iter().take(20).any(|p| p.id == 402),
            "402 on the first page"
        );
        let typo = index.search(Some("epilepsi"), &f);
        assert!(typo.iter().any(|p| p.id == 402), "typo tolerated");
        let r = index.search(Some("R59"), &f);
        assert_eq!(r[0].id, 402, "an R-code finds its panel first");
        for code in ["R135", "r59", "R13"] {
            let hits = index.search(Some(code), &f);
            let wanted = code.to_lowercase();
            assert!(
                hits.iter().all(|p| p
                    .relevant_disorders
                    .iter()
                    .any(|d| tokens(&d.to_lowercase()).any(|t| t == wanted))
                    || p.id.to_string() == wanted),
                "{code} matches only panels listing it: {:?}",
                hits.iter()
                    .map(|p| (p.id, &p.relevant_disorders))
                    .collect::<Vec<_>>()
            );
        }
        let by_id = index.search(Some("402"), &f);
        assert_eq!(by_id[0].id, 402, "a panel id finds that panel first");
        let au = index.search(
            Some("achromatopsia"),
            &SearchFilter {
                source: Some(Source::Au),
                ..f.clone()
            },
        );
        assert_eq!(au[0].id, 3149);
        assert!(au.iter().all(|p| p.source == Source::Au));
        assert!(index.search(None, &f).len() == 442);
    }
}
