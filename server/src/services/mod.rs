//! Services own transactions and audit writes; resolvers stay thin and call them.

pub mod accounts;
pub mod admin;
pub mod api_tokens;
pub mod audit;
pub mod audit_chain;
pub mod audit_log;
pub mod auth;
pub mod catalogue;
pub mod downloads;
pub mod email_address;
pub mod export_templates;
pub mod mail_worker;
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
