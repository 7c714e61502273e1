//! Gene symbols Excel turns into dates (`SEPT2` → `2-Sep`, `MARCH1` → `1-Mar`), and the
//! recognition of such dates in every form they reach us: `2-Sep`, `Sep-02`, `02-Sep-2019`,
//! `2019-09-02`, real date cells, and date serial numbers (`37136`).

/// A gene symbol that looks like a date to Excel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthGene {
    pub month: u8,
    pub day: u8,
    /// The symbol as it was typed (and mangled): a previous symbol or alias.
    pub written: &'static str,
    /// The current HGNC symbol.
    pub current: &'static str,
    /// `true` when `written` is an HGNC previous symbol, `false` when only an alias.
    pub previous_symbol: bool,
}

const fn g(month: u8, day: u8, written: &'static str, current: &'static str) -> MonthGene {
    MonthGene {
        month,
        day,
        written,
        current,
        previous_symbol: true,
    }
}

const fn alias(month: u8, day: u8, written: &'static str, current: &'static str) -> MonthGene {
    MonthGene {
        month,
        day,
        written,
        current,
        previous_symbol: false,
    }
}

/// The month-named genes. HGNC renamed the septins (SEPTIN*, 2019), the MARCH ligases
/// (MARCHF*, 2019), DEC1 (DELEC1, 2020) and SEP15 (SELENOF, 2016) because of exactly this.
pub const MONTH_GENES: &[MonthGene] = &[
    g(9, 1, "SEPT1", "SEPTIN1"),
    g(9, 2, "SEPT2", "SEPTIN2"),
    g(9, 3, "SEPT3", "SEPTIN3"),
    g(9, 4, "SEPT4", "SEPTIN4"),
    g(9, 5, "SEPT5", "SEPTIN5"),
    g(9, 6, "SEPT6", "SEPTIN6"),
    g(9, 7, "SEPT7", "SEPTIN7"),
    g(9, 8, "SEPT8", "SEPTIN8"),
    g(9, 9, "SEPT9", "SEPTIN9"),
    g(9, 10, "SEPT10", "SEPTIN10"),
    g(9, 11, "SEPT11", "SEPTIN11"),
    g(9, 12, "SEPT12", "SEPTIN12"),
    g(9, 14, "SEPT14", "SEPTIN14"),
    g(9, 15, "SEP15", "SELENOF"),
    g(3, 1, "MARCH1", "MARCHF1"),
    g(3, 2, "MARCH2", "MARCHF2"),
    g(3, 3, "MARCH3", "MARCHF3"),
    g(3, 4, "MARCH4", "MARCHF4"),
    g(3, 5, "MARCH5", "MARCHF5"),
    g(3, 6, "MARCH6", "MARCHF6"),
    g(3, 7, "MARCH7", "MARCHF7"),
    g(3, 8, "MARCH8", "MARCHF8"),
    g(3, 9, "MARCH9", "MARCHF9"),
    g(3, 10, "MARCH10", "MARCHF10"),
    g(3, 11, "MARCH11", "MARCHF11"),
    g(12, 1, "DEC1", "DELEC1"),
    alias(12, 2, "DEC2", "BHLHE41"),
    alias(10, 1, "OCT1", "POU2F1"),
    alias(10, 2, "OCT2", "POU2F2"),
    alias(10, 3, "OCT3", "POU5F1"),
    alias(10, 4, "OCT4", "POU5F1"),
    alias(10, 6, "OCT6", "POU3F1"),
    alias(10, 11, "OCT11", "POU2F3"),
];

/// The gene a month and day stand for, if any.
pub fn month_gene(month: u8, day: u8) -> Option<&'static MonthGene> {
    MONTH_GENES
        .iter()
        .find(|m| m.month == month && m.day == day)
}

fn month_number(name: &str) -> Option<u8> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let lower = name.to_ascii_lowercase();
    MONTHS
        .iter()
        .zip(FULL.iter())
        .position(|(short, full)| {
            lower == *short || lower == *full || lower == "sept" && *short == "sep"
        })
        .map(|i| i as u8 + 1)
}

fn day(part: &str) -> Option<u8> {
    if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok().filter(|d| (1..=31).contains(d))
}

fn year(part: &str) -> bool {
    matches!(part.len(), 2 | 4) && part.bytes().all(|b| b.is_ascii_digit())
}

/// Reads a date Excel wrote as text: `2-Sep`, `2 Sep`, `Sep-02`, `02-Sep-2019`, `2-Sep-19`,
/// `2019-09-02`. Returns `(month, day)`.
pub fn text_date(value: &str) -> Option<(u8, u8)> {
    let parts: Vec<&str> = value.trim().split(['-', ' ', '/']).collect();
    match parts.as_slice() {
        [d, m] | [d, m, _] if day(d).is_some() && month_number(m).is_some() => {
            if parts.len() == 3 && !year(parts[2]) {
                return None;
            }
            Some((month_number(m)?, day(d)?))
        }
        [m, d] if month_number(m).is_some() && day(d).is_some() => {
            Some((month_number(m)?, day(d)?))
        }
        [y, m, d] if y.len() == 4 && year(y) => {
            let month: u8 = m.parse().ok().filter(|m| (1..=12).contains(m))?;
            Some((month, day(d)?))
        }
        _ => None,
    }
}

/// The (month, day) of an Excel 1900-system date serial (1 = 1900-01-01; Excel's phantom
/// 1900-02-29 is serial 60).
pub fn serial_date(serial: i64) -> Option<(u8, u8)> {
    if !(1..=2_958_465).contains(&serial) {
        return None;
    }
    if serial == 60 {
        return Some((2, 29));
    }
    // Days since 1970-01-01: Excel's serial 25569 is 1970-01-01 (past the phantom day).
    let shifted = if serial < 60 { serial + 1 } else { serial };
    let days = shifted - 25_569;
    let (_, month, day) = civil_from_days(days);
    Some((month, day))
}

/// Howard Hinnant's days → (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub fn month_name(month: u8) -> &'static str {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    NAMES
        .get(usize::from(month.saturating_sub(1)))
        .copied()
        .unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_dates_in_every_excel_form() {
        assert_eq!(text_date("2-Sep"), Some((9, 2)));
        assert_eq!(text_date("1-Mar"), Some((3, 1)));
        assert_eq!(text_date("Sep-02"), Some((9, 2)));
        assert_eq!(text_date("02-Sep-2019"), Some((9, 2)));
        assert_eq!(text_date("2-sept-19"), Some((9, 2)));
        assert_eq!(text_date("2019-09-02"), Some((9, 2)));
        assert_eq!(text_date("1 December"), Some((12, 1)));
        for not_a_date in [
            "SEPT2", "NKX2-1", "HLA-A", "2-Sep-x", "40-Sep", "Sep", "C9ORF72",
        ] {
            assert_eq!(text_date(not_a_date), None, "{not_a_date}");
        }
    }

    #[test]
    fn serials_decode_like_excel() {
        assert_eq!(serial_date(37136), Some((9, 2)), "2001-09-02");
        assert_eq!(serial_date(1), Some((1, 1)));
        assert_eq!(serial_date(59), Some((2, 28)));
        assert_eq!(serial_date(60), Some((2, 29)));
        assert_eq!(serial_date(61), Some((3, 1)));
        assert_eq!(serial_date(45943), Some((10, 13)), "2025-10-13");
        assert_eq!(serial_date(0), None);
    }

    #[test]
    fn month_genes_have_current_symbols() {
        assert_eq!(month_gene(9, 2).unwrap().current, "SEPTIN2");
        assert_eq!(month_gene(3, 1).unwrap().current, "MARCHF1");
        assert_eq!(month_gene(12, 1).unwrap().current, "DELEC1");
        assert_eq!(month_gene(1, 5), None);
        for m in MONTH_GENES {
            assert!(shared::GeneSymbol::parse(m.current).is_ok());
            assert_eq!(
                text_date(&format!("{}-{}", m.day, month_name(m.month))),
                Some((m.month, m.day))
            );
        }
    }
}
