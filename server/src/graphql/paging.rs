//! Page sizes of list fields: `first` outside `1..=max` is a client mistake (VALIDATION naming
//! the field and the range), never silently clamped.

use async_graphql::SchemaBuilder;
use async_graphql::connection::{Connection, EmptyFields};

use super::{Mutation, Query, Subscription, accounts, audit, panelapp, saved};
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

/// Descriptions of the connection types, which async-graphql's `Connection` leaves empty.
pub fn describe_connections(
    builder: SchemaBuilder<Query, Mutation, Subscription>,
) -> SchemaBuilder<Query, Mutation, Subscription> {
    builder
        .override_output_type_description::<Connection<
            String,
            audit::AuditEntry,
            audit::TotalCount,
            EmptyFields,
        >>("A page of audit rows, newest first, with how many match the filter.")
        .override_output_type_description::<Connection<
            String,
            accounts::types::User,
            audit::TotalCount,
            EmptyFields,
        >>("A page of accounts, by id, with how many match the search.")
        .override_output_type_description::<Connection<
            String,
            panelapp::PanelSummary,
            panelapp::PanelPageInfo,
            EmptyFields,
        >>("A page of PanelApp panels (best match first; by instance and name without a search), with \
             how many match.")
        .override_output_type_description::<Connection<
            String,
            saved::types::SavedPanel,
            audit::TotalCount,
            EmptyFields,
        >>("A page of saved panels in the order asked for, with how many match the filter.")
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
