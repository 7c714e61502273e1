//! Overlap between sources: exclusive intersections (for UpSet bars) and a pairwise matrix
//! (for a Venn of up to three sources or a heat map).

use std::collections::HashMap;

use super::types::{MergedGene, Overlap, OverlapSet};

pub(crate) fn compute(genes: &[MergedGene], sources: usize) -> Overlap {
    let mut pairwise = vec![vec![0usize; sources]; sources];
    let mut sets: HashMap<Vec<usize>, usize> = HashMap::new();
    for gene in genes {
        let members = gene.source_indices();
        for (n, &i) in members.iter().enumerate() {
            for &j in &members[n..] {
                if let Some(cell) = pairwise.get_mut(i).and_then(|row| row.get_mut(j)) {
                    *cell += 1;
                }
                if i != j
                    && let Some(cell) = pairwise.get_mut(j).and_then(|row| row.get_mut(i))
                {
                    *cell += 1;
                }
            }
        }
        *sets.entry(members).or_default() += 1;
    }
    let mut combinations: Vec<OverlapSet> = sets
        .into_iter()
        .map(|(sources, count)| OverlapSet { sources, count })
        .collect();
    combinations.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.sources.len().cmp(&b.sources.len()))
            .then_with(|| a.sources.cmp(&b.sources))
    });
    Overlap {
        combinations,
        pairwise,
    }
}
