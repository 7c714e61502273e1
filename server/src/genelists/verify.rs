//! Checks a gene added by hand (a new saved panel's genes, `addGenes` of an edit) against the
//! gene directory, as uploads are checked: a current symbol is verified, an alias or previous
//! symbol becomes the current symbol with the reason kept, anything else is UNVERIFIED with
//! why (unknown to HGNC, or the directory is still incomplete).

use shared::saved::SavedGene;
use shared::{EntityType, UnverifiedReason, Verification};

use super::upload::SymbolResolver;

/// Records on `gene` how its symbol was checked; maps an alias or previous symbol to the
/// current symbol. STRs and regions are not gene symbols and are left alone.
pub fn verify_added(gene: &mut SavedGene, resolver: Option<&dyn SymbolResolver>) {
    if gene.entity_type != EntityType::Gene {
        return;
    }
    let written = gene.symbol.clone();
    let verification = match resolver.map(|r| (r, r.resolve(written.as_str()))) {
        Some((_, Some((current, id)))) if current == written => {
            gene.hgnc_id.get_or_insert(id);
            Verification::verified()
        }
        Some((r, Some((current, id)))) => {
            let mapped = Verification::mapped(
                written.as_str(),
                current.as_str(),
                r.is_previous(written.as_str()),
            );
            gene.symbol = current;
            gene.hgnc_id = Some(id);
            mapped
        }
        Some((r, None)) => {
            let reason = if r.is_complete() {
                UnverifiedReason::UnknownToHgnc
            } else {
                UnverifiedReason::DirectoryIncomplete
            };
            Verification::unverified(written.as_str(), reason)
        }
        None => Verification::unverified(written.as_str(), UnverifiedReason::DirectoryIncomplete),
    };
    gene.verification = Some(verification);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use shared::{GeneSymbol, HgncId, VerificationStatus};

    struct Dir {
        complete: bool,
    }

    impl SymbolResolver for Dir {
        fn resolve(&self, symbol: &str) -> Option<(GeneSymbol, HgncId)> {
            let kmt2d = || {
                Some((
                    GeneSymbol::parse("KMT2D").unwrap(),
                    HgncId::parse("HGNC:7133").unwrap(),
                ))
            };
            match symbol {
                "KMT2D" | "MLL2" | "ALR" => kmt2d(),
                _ => None,
            }
        }

        fn is_complete(&self) -> bool {
            self.complete
        }

        fn is_previous(&self, symbol: &str) -> bool {
            symbol == "MLL2"
        }
    }

    fn added(symbol: &str, dir: &Dir) -> SavedGene {
        let mut g = SavedGene::new(GeneSymbol::parse(symbol).unwrap());
        verify_added(&mut g, Some(dir as &dyn SymbolResolver));
        g
    }

    #[test]
    fn maps_previous_symbols_and_aliases_and_flags_the_rest() {
        let dir = Dir { complete: true };
        let g = added("mll2", &dir);
        assert_eq!(g.symbol.as_str(), "KMT2D");
        let v = g.verification.unwrap();
        assert_eq!(v.status, VerificationStatus::AliasMapped);
        assert_eq!(v.note.as_deref(), Some("MLL2 → KMT2D (previous symbol)"));
        let v = added("ALR", &dir).verification.unwrap();
        assert_eq!(v.note.as_deref(), Some("ALR → KMT2D (alias)"));
        let g = added("KMT2D", &dir);
        assert_eq!(g.verification.unwrap().status, VerificationStatus::Verified);
        assert_eq!(g.hgnc_id.unwrap().to_string(), "HGNC:7133");
        let v = added("NOTREAL99", &dir).verification.unwrap();
        assert_eq!(v.status, VerificationStatus::Unverified);
        assert_eq!(v.reason, Some(UnverifiedReason::UnknownToHgnc));
        let v = added("NOTREAL99", &Dir { complete: false })
            .verification
            .unwrap();
        assert_eq!(v.reason, Some(UnverifiedReason::DirectoryIncomplete));
    }
}
