//! Values of the gene column → genes, with a diagnostic for everything changed or refused.

use std::collections::HashMap;

use shared::upload::{Diagnostic, DiagnosticKind, ListGene};
use shared::{GeneSymbol, UnverifiedReason, Verification};

use super::SymbolResolver;
use super::excel_names::{MonthGene, month_gene, month_name, serial_date, text_date};
use super::table::{Cell, format_number};

pub(crate) struct Outcome {
    pub genes: Vec<ListGene>,
    pub diagnostics: Vec<Diagnostic>,
}

struct Collector<'r> {
    resolver: Option<&'r dyn SymbolResolver>,
    genes: Vec<ListGene>,
    seen: HashMap<String, u32>,
    diagnostics: Vec<Diagnostic>,
    max: usize,
    dropped: usize,
    blank: usize,
}

impl Collector<'_> {
    fn note(
        &mut self,
        row: u32,
        value: &str,
        kind: DiagnosticKind,
        message: String,
        suggestion: Option<String>,
    ) {
        self.note_why(row, value, kind, message, suggestion, None);
    }

    fn note_why(
        &mut self,
        row: u32,
        value: &str,
        kind: DiagnosticKind,
        message: String,
        suggestion: Option<String>,
        reason: Option<UnverifiedReason>,
    ) {
        if self.diagnostics.len() >= self.max {
            self.dropped += 1;
            return;
        }
        self.diagnostics.push(Diagnostic {
            row: Some(row),
            value: value.to_owned(),
            kind,
            message,
            suggestion,
            reason,
        });
    }

    /// Adds a parsed symbol: resolves it, then keeps it unless it repeats an earlier row.
    fn add(&mut self, row: u32, raw: &str, symbol: GeneSymbol) {
        let (symbol, hgnc_id, verification) = match self.resolver {
            None => (symbol, None, None),
            Some(resolver) => match resolver.resolve(symbol.as_str()) {
                Some((current, id)) if current == symbol => {
                    (current, Some(id), Some(Verification::verified()))
                }
                Some((current, id)) => {
                    let mapped = Verification::mapped(
                        symbol.as_str(),
                        current.as_str(),
                        resolver.is_previous(symbol.as_str()),
                    );
                    self.note(
                        row,
                        raw,
                        DiagnosticKind::Alias,
                        mapped.note.clone().unwrap_or_default(),
                        Some(current.to_string()),
                    );
                    (current, Some(id), Some(mapped))
                }
                None => {
                    let reason = if resolver.is_complete() {
                        UnverifiedReason::UnknownToHgnc
                    } else {
                        UnverifiedReason::DirectoryIncomplete
                    };
                    let unverified = Verification::unverified(symbol.as_str(), reason);
                    self.note_why(
                        row,
                        raw,
                        DiagnosticKind::Unverified,
                        format!(
                            "UNVERIFIED: {}; it was kept",
                            unverified.note.clone().unwrap_or_default()
                        ),
                        None,
                        Some(reason),
                    );
                    (symbol, None, Some(unverified))
                }
            },
        };
        let key = symbol.as_str().to_owned();
        if let Some(first) = self.seen.get(&key).copied() {
            self.note(
                row,
                raw,
                DiagnosticKind::Duplicate,
                format!("{symbol} is already listed on row {first}; kept once"),
                None,
            );
            return;
        }
        self.seen.insert(key, row);
        self.genes.push(ListGene {
            symbol,
            hgnc_id,
            row: Some(row),
            verification,
        });
    }

    fn excel_date(&mut self, row: u32, raw: &str, month: u8, day: u8, how: &str) {
        let date = format!("{day}-{}", month_name(month));
        match month_gene(month, day) {
            Some(gene) => {
                let MonthGene {
                    written, current, ..
                } = *gene;
                self.note(
                    row,
                    raw,
                    DiagnosticKind::ExcelDate,
                    format!(
                        "{how} the date {date}, which is what Excel makes of {written}; read as \
                         {current} (the current symbol of {written})"
                    ),
                    Some(current.to_owned()),
                );
                if let Ok(symbol) = GeneSymbol::parse(current) {
                    self.add(row, raw, symbol);
                }
            }
            None => self.note(
                row,
                raw,
                DiagnosticKind::ExcelDate,
                format!("{how} the date {date}; no gene symbol becomes this date, not used"),
                None,
            ),
        }
    }

    fn number(&mut self, row: u32, raw: &str, n: f64) {
        if n.fract() == 0.0
            && let Some((month, day)) = serial_date(n as i64)
            && month_gene(month, day).is_some()
        {
            return self.excel_date(row, raw, month, day, "the number is Excel's serial for");
        }
        let message = if n.abs() >= 1e11 || raw.to_ascii_lowercase().contains('e') {
            "Excel turned an identifier into a number in scientific notation; the original \
             can not be recovered, not used"
        } else {
            "a number, not a gene symbol; not used"
        };
        self.note(
            row,
            raw,
            DiagnosticKind::ExcelNumber,
            message.to_owned(),
            Some("format the column as Text in Excel before typing or pasting symbols".into()),
        );
    }

    fn cell(&mut self, row: u32, cell: &Cell) {
        match cell {
            Cell::Empty => self.blank += 1,
            Cell::Number(n) => self.number(row, &format_number(*n), *n),
            Cell::Date { month, day, .. } => {
                self.excel_date(row, &cell.display(), *month, *day, "the cell holds")
            }
            Cell::Formula { formula, value } => self.formula(row, formula, value),
            Cell::Text(text) => self.text(row, text),
        }
    }

    fn formula(&mut self, row: u32, formula: &str, value: &Cell) {
        let shown = format!("={}", formula.trim_start_matches('='));
        match value {
            Cell::Text(t) if GeneSymbol::parse(clean(t)).is_ok() => {
                self.note(
                    row,
                    &shown,
                    DiagnosticKind::Formula,
                    format!(
                        "the cell is a formula; its computed value {} was used",
                        t.trim()
                    ),
                    None,
                );
                self.text(row, t);
            }
            _ => self.note(
                row,
                &shown,
                DiagnosticKind::Formula,
                "the cell is a formula without a gene symbol as its value; not used".into(),
                Some("replace the formula by the symbol it should produce".into()),
            ),
        }
    }

    fn text(&mut self, row: u32, raw: &str) {
        let value = clean(raw);
        if value.is_empty() {
            self.blank += 1;
            return;
        }
        if value.starts_with(['=', '+', '-', '@']) {
            return self.note(
                row,
                raw,
                DiagnosticKind::Formula,
                "starts like a spreadsheet formula; never used as a gene".into(),
                None,
            );
        }
        if let Some((month, day)) = text_date(value) {
            return self.excel_date(row, raw, month, day, "the value is");
        }
        if looks_numeric(value) {
            let n = value.parse::<f64>().unwrap_or(f64::NAN);
            return self.number(row, raw, n);
        }
        match GeneSymbol::parse(value) {
            Ok(symbol) => {
                if symbol.as_str() != raw {
                    self.note(
                        row,
                        raw,
                        DiagnosticKind::Normalised,
                        format!("{raw:?} was read as {symbol}"),
                        None,
                    );
                }
                self.add(row, raw, symbol);
            }
            Err(error) => {
                let parts: Vec<&str> = value
                    .split(|c: char| matches!(c, ',' | ';' | '|') || c.is_whitespace())
                    .filter(|p| !p.is_empty())
                    .collect();
                let symbols: Vec<GeneSymbol> = parts
                    .iter()
                    .filter_map(|p| GeneSymbol::parse(p).ok())
                    .collect();
                if parts.len() > 1 && symbols.len() == parts.len() {
                    self.note(
                        row,
                        raw,
                        DiagnosticKind::Split,
                        format!("the cell holds {} symbols; each was used", symbols.len()),
                        None,
                    );
                    for symbol in symbols {
                        self.add(row, raw, symbol);
                    }
                } else {
                    self.note(
                        row,
                        raw,
                        DiagnosticKind::InvalidSymbol,
                        format!("{error}; not used"),
                        None,
                    );
                }
            }
        }
    }
}

/// Trims spaces (also non-breaking and zero-width ones), BOMs and wrapping quotes.
fn clean(raw: &str) -> &str {
    let is_space = |c: char| c.is_whitespace() || matches!(c, '\u{feff}' | '\u{200b}' | '\u{a0}');
    let trimmed = raw.trim_matches(is_space);
    trimmed
        .strip_prefix(['"', '\''])
        .and_then(|t| t.strip_suffix(['"', '\'']))
        .map(|t| t.trim_matches(is_space))
        .unwrap_or(trimmed)
}

fn looks_numeric(value: &str) -> bool {
    value.parse::<f64>().is_ok() && value.bytes().any(|b| b.is_ascii_digit())
}

/// `blank_lines`: empty lines the CSV reader skipped before they became rows.
pub(crate) fn normalise(
    values: &[(u32, Cell)],
    blank_lines: usize,
    resolver: Option<&dyn SymbolResolver>,
    max_diagnostics: usize,
) -> Outcome {
    let mut c = Collector {
        resolver,
        genes: Vec::new(),
        seen: HashMap::new(),
        diagnostics: Vec::new(),
        max: max_diagnostics,
        dropped: 0,
        blank: blank_lines,
    };
    for (row, cell) in values {
        c.cell(*row, cell);
    }
    let mut diagnostics = Vec::new();
    if resolver.is_none() && !c.genes.is_empty() {
        diagnostics.push(file_note(
            DiagnosticKind::Unchecked,
            "symbols were not checked against HGNC (no gene index was available); aliases were \
             not mapped"
                .to_owned(),
        ));
    }
    if c.blank > 0 {
        diagnostics.push(file_note(
            DiagnosticKind::BlankRows,
            format!("{} blank rows were skipped", c.blank),
        ));
    }
    diagnostics.append(&mut c.diagnostics);
    if c.dropped > 0 {
        diagnostics.push(file_note(
            DiagnosticKind::Truncated,
            format!(
                "{} more diagnostics were not kept (at most {max_diagnostics} are)",
                c.dropped
            ),
        ));
    }
    Outcome {
        genes: c.genes,
        diagnostics,
    }
}

fn file_note(kind: DiagnosticKind, message: String) -> Diagnostic {
    Diagnostic {
        row: None,
        value: String::new(),
        kind,
        message,
        suggestion: None,
        reason: None,
    }
}
