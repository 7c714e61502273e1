//! BED for one assembly: 0-based half-open (`start - 1`, `end`), sorted by chromosome in
//! natural order then start, optional `chr` prefix. Rows without coordinates on the assembly
//! are listed in `#` header lines (and returned), never silently dropped.

use std::fmt::Write;

use shared::Assembly;
use shared::merge::MergeResult;

use super::ExportRequest;

/// Natural chromosome order: 1–22, X, Y, MT, then anything else alphabetically.
fn chrom_rank(chrom: &str) -> (u8, u32, String) {
    let bare = chrom
        .strip_prefix("chr")
        .or_else(|| chrom.strip_prefix("CHR"))
        .unwrap_or(chrom);
    match bare.to_ascii_uppercase().as_str() {
        "X" => (1, 0, String::new()),
        "Y" => (2, 0, String::new()),
        "M" | "MT" => (3, 0, String::new()),
        other => match other.parse::<u32>() {
            Ok(n) => (0, n, String::new()),
            Err(_) => (4, 0, other.to_owned()),
        },
    }
}

fn chrom_name(chrom: &str, prefix: bool) -> String {
    let bare = chrom.strip_prefix("chr").unwrap_or(chrom);
    match (prefix, bare) {
        (true, "MT" | "M") => "chrM".to_owned(),
        (true, _) => format!("chr{bare}"),
        (false, _) => bare.to_owned(),
    }
}

/// The BED bytes and the rows left out for lack of coordinates.
pub(crate) fn write(request: &ExportRequest, assembly: Assembly) -> (Vec<u8>, Vec<String>) {
    let result = &request.merge;
    let mut lines = Vec::with_capacity(result.genes.len());
    let mut missing = Vec::new();
    for gene in &result.genes {
        match MergeResult::locus(gene, assembly) {
            Some(locus) => lines.push((
                chrom_rank(&locus.chrom),
                locus.start.saturating_sub(1),
                locus.end,
                chrom_name(&locus.chrom, request.chr_prefix),
                gene.symbol.as_str(),
            )),
            None => missing.push(gene.symbol.clone()),
        }
    }
    lines.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.cmp(&b.1))
            .then(a.2.cmp(&b.2))
            .then_with(|| a.4.cmp(b.4))
    });
    let mut out = String::with_capacity(lines.len() * 40 + 256);
    let _ = writeln!(
        out,
        "# PanelMerge {} {} export, generated {}",
        request.provenance.app_version,
        assembly.as_str(),
        request.provenance.generated_at_text()
    );
    if !missing.is_empty() {
        let _ = writeln!(
            out,
            "# {} entries without {} coordinates (not in this file): {}",
            missing.len(),
            assembly.as_str(),
            missing.join(", ")
        );
    }
    for (_, start, end, chrom, name) in lines {
        let _ = writeln!(out, "{chrom}\t{start}\t{end}\t{name}");
    }
    (out.into_bytes(), missing)
}
