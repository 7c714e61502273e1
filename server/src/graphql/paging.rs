//! Page sizes of list fields: `first` outside `1..=max` is a client mistake (VALIDATION naming
//! the field and the range), never silently clamped.

use crate::error::{AppError, AppResult};

/// The page size for `first` (or `default` when not given).
pub fn page_size(first: Option<i32>, default: usize, max: usize) -> AppResult<usize> {
    match first {
        None => Ok(default.min(max)),
        Some(n) => usize::try_from(n)
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                AppError::invalid_field("first", format!("must be between 1 and {max}; got {n}"))
                    .with("max", max)
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_must_be_in_range() {
        assert_eq!(page_size(None, 20, 100).ok(), Some(20));
        assert_eq!(page_size(Some(100), 20, 100).ok(), Some(100));
        assert_eq!(page_size(Some(1), 20, 100).ok(), Some(1));
        for bad in [0, -1, 101, i32::MIN] {
            let error = page_size(Some(bad), 20, 100).err().map(|e| e.code);
            assert_eq!(error, Some(shared::ErrorCode::Validation), "{bad}");
        }
    }
}
