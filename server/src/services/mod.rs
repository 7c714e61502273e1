//! Services own transactions and audit writes; resolvers stay thin and call them.

pub mod accounts;
pub mod admin;
pub mod api_tokens;
pub mod audit;
pub mod audit_chain;
pub mod audit_log;
pub mod auth;
pub mod downloads;
pub mod email_address;
pub mod export_templates;
pub mod merge;
pub mod messages;
pub mod notices;
pub mod outbox;
pub mod passwords;
pub mod recovery;
pub mod rotation;
pub mod teams;
pub mod uploads;
pub mod werkzeug;
pub mod workbench;

/// Who a request acts for: a logged-in user, else an anonymous visitor (by cookie).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    pub user_id: Option<i32>,
    pub visitor_id: Option<String>,
}

impl Caller {
    pub fn user(user_id: i32) -> Self {
        Self {
            user_id: Some(user_id),
            visitor_id: None,
        }
    }

    pub fn visitor(visitor_id: impl Into<String>) -> Self {
        Self {
            user_id: None,
            visitor_id: Some(visitor_id.into()),
        }
    }

    /// Whether the caller can own anything.
    pub fn is_known(&self) -> bool {
        self.user_id.is_some() || self.visitor_id.is_some()
    }
}
