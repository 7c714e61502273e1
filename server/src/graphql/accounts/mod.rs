//! Accounts: registration, login, sessions, profile, API tokens.

mod mutation;
mod query;
pub mod types;

pub use mutation::AccountsMutation;
pub use query::AccountsQuery;

use async_graphql::ID;

use crate::error::{AppError, AppResult};

/// Parses a numeric id argument.
pub fn int_id(id: &ID, what: &str) -> AppResult<i32> {
    id.parse::<i32>().map_err(|_| AppError::not_found(what))
}
