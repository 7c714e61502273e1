//! A read table (rows of cells) and the choice of its gene column.

use shared::GeneSymbol;
use shared::upload::{Diagnostic, UploadFormat, UploadRejection};

use super::{ParseOptions, UploadError};

/// Headers recognised as the gene column, compared case-insensitively and ignoring spaces,
/// underscores, hyphens and dots (so `Gene Symbol`, `gene_symbol` and `GeneSymbol` all match).
pub const GENE_HEADERS: &[&str] = &[
    "gene",
    "genes",
    "entity_name",
    "genesymbol",
    "gene symbol",
    "gene_symbol",
    "symbol",
    "hgnc_symbol",
];

/// One cell as the reader saw it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A real date cell of a workbook.
    Date {
        year: u16,
        month: u8,
        day: u8,
    },
    /// A workbook formula and its computed value.
    Formula {
        formula: String,
        value: Box<Cell>,
    },
}

impl Cell {
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            Self::Empty => true,
            Self::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// How the cell reads as text (headers, error messages).
    pub(crate) fn display(&self) -> String {
        match self {
            Self::Empty => String::new(),
            Self::Text(t) => t.trim().to_owned(),
            Self::Number(n) => format_number(*n),
            Self::Date { year, month, day } => format!("{year:04}-{month:02}-{day:02}"),
            Self::Formula { formula, .. } => format!("={}", formula.trim_start_matches('=')),
        }
    }
}

pub(crate) fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// One table: `(1-based row number in the file, cells)`.
#[derive(Debug, Default)]
pub(crate) struct Table {
    pub rows: Vec<(u32, Vec<Cell>)>,
}

/// What the reader hands to normalisation: the chosen column's values and facts about it.
#[derive(Debug)]
pub(crate) struct Picked {
    pub format: UploadFormat,
    pub sheet: Option<String>,
    pub sheets: Vec<String>,
    pub column: Option<String>,
    pub columns: Vec<String>,
    pub rows: usize,
    pub values: Vec<(u32, Cell)>,
    /// Empty lines of a text file below the header (the CSV reader skips them).
    pub blank_lines: usize,
    pub notes: Vec<Diagnostic>,
}

fn squash(header: &str) -> String {
    header
        .trim()
        .trim_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

pub(crate) fn is_gene_header(header: &str) -> bool {
    let h = squash(header);
    !h.is_empty() && GENE_HEADERS.iter().any(|g| squash(g) == h)
}

/// The chosen column: its index and whether the first row is a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Choice {
    pub index: usize,
    pub header: bool,
}

/// How many leading rows are searched for a header row (title rows may sit above it).
const HEADER_SEARCH_ROWS: usize = 20;

impl Table {
    fn non_blank(&self) -> impl Iterator<Item = usize> + '_ {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, (_, cells))| cells.iter().any(|c| !c.is_blank()))
            .map(|(i, _)| i)
    }

    /// Index of the header row: the first of the leading rows with a gene header, else the
    /// first non-blank row.
    pub fn header_index(&self) -> Option<usize> {
        let with_gene_header = self.non_blank().take(HEADER_SEARCH_ROWS).find(|&i| {
            self.rows[i]
                .1
                .iter()
                .any(|c| matches!(c, Cell::Text(t) if is_gene_header(t)))
        });
        with_gene_header.or_else(|| self.non_blank().next())
    }

    /// Non-blank rows above the header row (titles, notes), by row number.
    pub fn rows_above_header(&self) -> Vec<u32> {
        let Some(header) = self.header_index() else {
            return Vec::new();
        };
        self.non_blank()
            .take_while(|&i| i < header)
            .map(|i| self.rows[i].0)
            .collect()
    }

    /// Headers of the header row (blank headers named by their column number).
    pub fn headers(&self) -> Vec<String> {
        let Some(first) = self.header_index() else {
            return Vec::new();
        };
        let cells = &self.rows[first].1;
        let width = cells
            .iter()
            .rposition(|c| !c.is_blank())
            .map_or(0, |i| i + 1);
        cells[..width]
            .iter()
            .enumerate()
            .map(|(i, c)| match c.display() {
                d if d.is_empty() => format!("column {}", i + 1),
                d => d,
            })
            .collect()
    }

    /// Whether a one-column table starts with a header rather than a gene.
    fn lone_column_has_header(&self) -> bool {
        let Some(first) = self.header_index() else {
            return false;
        };
        match self.rows[first].1.first() {
            Some(Cell::Text(t)) => {
                let t = t.trim();
                is_gene_header(t)
                    || (GeneSymbol::parse(t).is_err()
                        && !t.starts_with(['=', '+', '-', '@'])
                        && t.chars().any(char::is_whitespace))
            }
            _ => false,
        }
    }

    /// Finds the gene column: by the caller's `column`, else by header name, else the only
    /// column of a one-column table (with or without a header).
    pub fn choose(&self, options: &ParseOptions) -> Result<Choice, UploadError> {
        let headers = self.headers();
        let with_columns = |mut e: UploadError| {
            e.columns = headers.clone();
            e
        };
        if let Some(wanted) = options.column.as_deref().map(str::trim) {
            let squashed = squash(wanted);
            if let Some(index) = headers.iter().position(|h| squash(h) == squashed) {
                return Ok(Choice {
                    index,
                    header: true,
                });
            }
            if let Ok(n) = wanted.parse::<usize>()
                && (1..=headers.len().max(1)).contains(&n)
            {
                let header = headers.get(n - 1).is_some_and(|h| is_gene_header(h));
                return Ok(Choice {
                    index: n - 1,
                    header: header || headers.len() > 1,
                });
            }
            return Err(with_columns(UploadError::new(
                UploadRejection::UnknownColumn,
                format!(
                    "there is no column {wanted:?}; the columns are: {}",
                    headers.join(", ")
                ),
            )));
        }
        let matches: Vec<usize> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| is_gene_header(h))
            .map(|(i, _)| i)
            .collect();
        match matches.as_slice() {
            [index] => Ok(Choice {
                index: *index,
                header: true,
            }),
            [] if headers.len() == 1 => Ok(Choice {
                index: 0,
                header: self.lone_column_has_header(),
            }),
            [] => Err(with_columns(UploadError::new(
                UploadRejection::NoGeneColumn,
                format!(
                    "no gene column found; name one with `column` (the columns are: {}). \
                     Recognised headers: {}",
                    headers.join(", "),
                    GENE_HEADERS.join(", ")
                ),
            ))),
            several => {
                let names: Vec<&str> = several.iter().map(|i| headers[*i].as_str()).collect();
                Err(with_columns(UploadError::new(
                    UploadRejection::AmbiguousGeneColumn,
                    format!(
                        "several columns could hold the genes ({}); name one with `column`",
                        names.join(", ")
                    ),
                )))
            }
        }
    }

    /// The chosen column's values with their row numbers (after the header, if any).
    pub fn column_values(&self, choice: &Choice) -> Vec<(u32, Cell)> {
        let skip = match (choice.header, self.header_index()) {
            (true, Some(first)) => first + 1,
            _ => 0,
        };
        self.rows
            .iter()
            .skip(skip)
            .map(|(row, cells)| {
                let cell = cells.get(choice.index).cloned().unwrap_or(Cell::Empty);
                (*row, cell)
            })
            .collect()
    }
}
