//! Building one merged row from the entries that share its key.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::engine::{Entry, Item};
use super::types::{Conflict, ConflictKind, GeneKey, GeneSource, MergedGene, SourceKind};
use crate::upload::UPLOAD_LIST_TYPE;
use crate::{Confidence, GeneSymbol, HgncId, Locus};

/// Modes of inheritance seen in a merge, normalised once per distinct text (there are a few
/// dozen distinct values among tens of thousands of entities).
#[derive(Default)]
pub(super) struct MoiIndex<'a> {
    ids: HashMap<&'a str, Option<u32>>,
    /// Normalised text by id.
    normalised: Vec<String>,
}

impl<'a> MoiIndex<'a> {
    /// The id of a mode of inheritance, or `None` when it says nothing ("Unknown", empty).
    fn id(&mut self, raw: &'a str) -> Option<u32> {
        if let Some(id) = self.ids.get(raw) {
            return *id;
        }
        let words: Vec<&str> = raw.split_whitespace().collect();
        let lower = words.join(" ").to_ascii_lowercase();
        let id = match lower.as_str() {
            "" | "unknown" | "n/a" | "none" => None,
            _ => match self.normalised.iter().position(|n| *n == lower) {
                Some(existing) => u32::try_from(existing).ok(),
                None => {
                    self.normalised.push(lower);
                    u32::try_from(self.normalised.len() - 1).ok()
                }
            },
        };
        self.ids.insert(raw, id);
        id
    }

    fn text(&self, id: u32) -> &str {
        self.normalised
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// How often sources use a symbol, and its spelling: PanelApp's case (`C12orf57`) when a
/// panel writes it, else the upper-cased form.
#[derive(Default)]
struct Votes<'a> {
    panel: usize,
    upload: usize,
    display: Option<&'a str>,
}

/// A row being built.
#[derive(Default)]
pub(super) struct RowAcc<'a> {
    contributions: BTreeMap<usize, GeneSource<'a>>,
    /// Upper-cased symbol → votes and how to show it.
    symbols: BTreeMap<&'a str, Votes<'a>>,
    /// Distinct modes of inheritance: (id, as first written).
    inheritance: Vec<(u32, &'a str)>,
    hgnc_id: Option<HgncId>,
    grch37: Option<&'a Locus>,
    grch38: Option<&'a Locus>,
    /// The best verification among the sources (a panel's entity is verified).
    verification: Option<crate::Verification>,
}

fn trimmed(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// Adds to a borrowed list only what it lacks (copying it only then).
fn extend_unique(into: &mut Cow<'_, [String]>, from: &[String]) {
    if from.iter().all(|v| into.contains(v)) {
        return;
    }
    let list = into.to_mut();
    for value in from {
        if !list.contains(value) {
            list.push(value.clone());
        }
    }
}

impl<'a> RowAcc<'a> {
    /// Adds one entry; returns whether it repeated an entry of the same source.
    pub(super) fn add(
        &mut self,
        entry: &Entry<'a>,
        label: &Arc<str>,
        moi: &mut MoiIndex<'a>,
    ) -> bool {
        if self.hgnc_id.is_none() {
            self.hgnc_id = entry.hgnc_id();
        }
        let verification = match entry.item {
            Item::Panel(_) => crate::Verification::verified(),
            Item::Upload(g) => g.verification(),
        };
        self.verification = Some(match self.verification.take() {
            Some(v) => v.best(verification),
            None => verification,
        });
        match entry.item {
            Item::Panel(e) => {
                if let Some(symbol) = e.symbol.as_ref().map(GeneSymbol::as_str) {
                    let votes = self.symbols.entry(symbol).or_default();
                    votes.panel += 1;
                    let name = e.name.trim();
                    votes.display = Some(if name.eq_ignore_ascii_case(symbol) {
                        name
                    } else {
                        symbol
                    });
                }
                if self.grch37.is_none() {
                    self.grch37 = e.grch37.as_ref();
                }
                if self.grch38.is_none() {
                    self.grch38 = e.grch38.as_ref();
                }
                // The same text as one already seen (the usual case) needs no lookup.
                if let Some(raw) = trimmed(e.mode_of_inheritance.as_deref())
                    && !self.inheritance.iter().any(|(_, seen)| *seen == raw)
                    && let Some(id) = moi.id(raw)
                    && !self.inheritance.iter().any(|(seen, _)| *seen == id)
                {
                    self.inheritance.push((id, raw));
                }
            }
            Item::Upload(g) => {
                let votes = self.symbols.entry(g.symbol.as_str()).or_default();
                votes.upload += 1;
                votes.display.get_or_insert(g.symbol.as_str());
            }
        }
        match self.contributions.get_mut(&entry.source) {
            Some(existing) => {
                collapse(existing, entry);
                true
            }
            None => {
                self.contributions
                    .insert(entry.source, contribution(entry, label));
                false
            }
        }
    }

    /// The upper-cased symbols sources use for this row.
    pub(super) fn symbols(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.symbols.keys().copied()
    }

    pub(super) fn finish(
        self,
        key: GeneKey,
        ambiguous: &HashMap<&str, BTreeSet<HgncId>>,
        moi: &MoiIndex<'_>,
    ) -> MergedGene<'a> {
        let sources: Vec<GeneSource<'a>> = self.contributions.into_values().collect();
        let symbol = match &key {
            GeneKey::Symbol(s) => self
                .symbols
                .get(s.as_str())
                .and_then(|v| v.display)
                .unwrap_or(s.as_str())
                .to_owned(),
            GeneKey::Str(_) | GeneKey::Region(_) => sources
                .first()
                .map(|s| s.entity_name.trim().to_owned())
                .unwrap_or_default(),
            GeneKey::Hgnc(id) => best_symbol(&self.symbols).unwrap_or_else(|| id.to_string()),
        };
        let mut conflicts = Vec::new();
        if self.inheritance.len() > 1 {
            let mut found = self.inheritance;
            found.sort_by(|a, b| moi.text(a.0).cmp(moi.text(b.0)));
            let values: Vec<String> = found.iter().map(|(_, raw)| (*raw).to_owned()).collect();
            conflicts.push(Conflict {
                kind: ConflictKind::ModeOfInheritance,
                message: format!("sources give {} modes of inheritance", values.len()),
                values,
            });
        }
        if let Some(conflict) = rating_conflict(&sources) {
            conflicts.push(conflict);
        }
        if matches!(key, GeneKey::Hgnc(_)) && self.symbols.len() > 1 {
            let values: Vec<String> = self
                .symbols
                .iter()
                .map(|(s, v)| v.display.unwrap_or(s).to_owned())
                .collect();
            conflicts.push(Conflict {
                kind: ConflictKind::HgncSymbols,
                message: format!("sources name this gene {}", values.join(", ")),
                values,
            });
        }
        let shared_symbol = match &key {
            _ if ambiguous.is_empty() => None,
            GeneKey::Hgnc(_) => self
                .symbols
                .keys()
                .find(|s| ambiguous.contains_key(*s))
                .copied(),
            GeneKey::Symbol(s) => ambiguous.contains_key(s.as_str()).then_some(s.as_str()),
            _ => None,
        };
        if let Some(symbol) = shared_symbol
            && let Some(ids) = ambiguous.get(symbol)
        {
            let values: Vec<String> = ids.iter().map(ToString::to_string).collect();
            conflicts.push(Conflict {
                kind: ConflictKind::SymbolHgncIds,
                message: format!(
                    "{symbol} is the symbol of {} in the sources",
                    values.join(" and ")
                ),
                values,
            });
        }
        let entity_type = key.entity_type();
        let hgnc_id = match &key {
            GeneKey::Hgnc(id) => Some(*id),
            GeneKey::Str(_) => self.hgnc_id,
            GeneKey::Symbol(_) | GeneKey::Region(_) => None,
        };
        MergedGene {
            key,
            symbol,
            hgnc_id,
            entity_type,
            sources,
            conflicts,
            grch37: self.grch37.cloned(),
            grch38: self.grch38.cloned(),
            verification: self
                .verification
                .unwrap_or_else(crate::Verification::verified),
        }
    }
}

/// Panels rating the gene differently: the levels found (green first) and how many sources
/// gave each.
fn rating_conflict(sources: &[GeneSource<'_>]) -> Option<Conflict> {
    let mut counts = [0usize; 4];
    for s in sources {
        if let Some(c) = s.confidence {
            counts[usize::from(3 - c.panelapp_level())] += 1;
        }
    }
    let found: Vec<(Confidence, usize)> = Confidence::ALL
        .iter()
        .copied()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .collect();
    if found.len() < 2 {
        return None;
    }
    let parts: Vec<String> = found
        .iter()
        .map(|(c, n)| format!("{} by {n}", c.label()))
        .collect();
    Some(Conflict {
        kind: ConflictKind::Rating,
        message: format!("panels rate this gene differently: {}", parts.join(", ")),
        values: found.iter().map(|(c, _)| c.label().to_owned()).collect(),
    })
}

/// The symbol most panels use (panels know the current HGNC symbol); else the uploads'.
fn best_symbol(votes: &BTreeMap<&str, Votes<'_>>) -> Option<String> {
    let by = |pick: fn(&Votes<'_>) -> usize| {
        votes
            .iter()
            .filter(|(_, v)| pick(v) > 0)
            // Most votes; on a tie the alphabetically first (BTreeMap order, `max_by` keeps
            // the last maximum, so compare reversed names).
            .max_by(|a, b| pick(a.1).cmp(&pick(b.1)).then_with(|| b.0.cmp(a.0)))
            .map(|(s, v)| v.display.unwrap_or(s).to_owned())
    };
    by(|v| v.panel).or_else(|| by(|v| v.upload))
}

fn contribution<'a>(entry: &Entry<'a>, label: &Arc<str>) -> GeneSource<'a> {
    match entry.item {
        Item::Panel(e) => GeneSource {
            source_index: entry.source,
            label: Arc::clone(label),
            kind: SourceKind::Panel,
            entity_name: Cow::Borrowed(e.name.as_str()),
            confidence: Some(e.confidence),
            list_type: Cow::Borrowed(e.confidence.label()),
            mode_of_inheritance: trimmed(e.mode_of_inheritance.as_deref()).map(Cow::Borrowed),
            phenotypes: Cow::Borrowed(&e.phenotypes),
            evidence: Cow::Borrowed(&e.evidence),
            publications: Cow::Borrowed(&e.publications),
            upload_row: None,
        },
        Item::Upload(g) => GeneSource {
            source_index: entry.source,
            label: Arc::clone(label),
            kind: SourceKind::Upload,
            entity_name: Cow::Borrowed(g.symbol.as_str()),
            confidence: None,
            list_type: Cow::Borrowed(UPLOAD_LIST_TYPE),
            mode_of_inheritance: None,
            phenotypes: Cow::Borrowed(&[]),
            evidence: Cow::Borrowed(&[]),
            publications: Cow::Borrowed(&[]),
            upload_row: g.row,
        },
    }
}

/// A repeat inside one source: keep the highest rating and every annotation.
fn collapse<'a>(existing: &mut GeneSource<'a>, entry: &Entry<'a>) {
    let Item::Panel(e) = entry.item else {
        return;
    };
    if existing
        .confidence
        .is_none_or(|c| e.confidence.panelapp_level() > c.panelapp_level())
    {
        existing.confidence = Some(e.confidence);
        existing.list_type = Cow::Borrowed(e.confidence.label());
    }
    if existing.mode_of_inheritance.is_none() {
        existing.mode_of_inheritance = trimmed(e.mode_of_inheritance.as_deref()).map(Cow::Borrowed);
    }
    extend_unique(&mut existing.phenotypes, &e.phenotypes);
    extend_unique(&mut existing.evidence, &e.evidence);
    extend_unique(&mut existing.publications, &e.publications);
}
