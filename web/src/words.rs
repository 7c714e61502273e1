//! Counts in words: "1 panel", "2 panels" — never "1 panels" (issue 17.9).

/// `n` with the noun that fits it: `counted(1, "gene", "genes")` is "1 gene".
pub fn counted(n: impl Into<i128>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// [`counted`] for lengths and other `usize` counts.
pub fn counted_len(n: usize, one: &str, many: &str) -> String {
    counted(i128::try_from(n).unwrap_or(i128::MAX), one, many)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(counted(1, "panel", "panels"), "1 panel");
        assert_eq!(counted(0, "panel", "panels"), "0 panels");
        assert_eq!(counted(2_i64, "entry", "entries"), "2 entries");
        assert_eq!(counted_len(1, "gene", "genes"), "1 gene");
    }
}
