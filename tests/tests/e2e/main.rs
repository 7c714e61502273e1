//! The single end-to-end test binary: real servers on random ports, real databases, real
//! browsers. Each module covers one area.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod audit_trail;
mod authorization;
mod backends;
mod cli;
mod credentials;
mod flask_env;
mod flask_import;
mod flask_workbook;
mod foundation;
mod genelists;
mod live;
mod panelapp;
mod panelapp_shared;
mod provenance;
mod redis_outage;
mod saved;
mod security;
mod upload_limits;
mod web_accounts;
mod web_panelapp;
mod web_saved;
mod web_workbench;
mod websocket_auth;
