//! The single end-to-end test binary: real servers on random ports, real databases, real
//! browsers. Each module covers one area.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod api_contract;
mod api_docs;
mod audit_trail;
mod authorization;
mod backends;
mod backup;
mod cli;
mod credentials;
mod deploy;
mod export_templates;
mod flask_env;
mod flask_import;
mod flask_workbook;
mod foundation;
mod gene_directory;
mod genelists;
mod library;
mod live;
mod mail;
mod migrating;
mod panelapp;
mod panelapp_shared;
mod perf_cache;
mod provenance;
mod redis_outage;
mod relay;
mod saved;
mod security;
mod upload_limits;
mod web_accounts;
mod web_gene_directory;
mod web_layout;
mod web_mail;
mod web_panelapp;
mod web_saved;
mod web_size;
mod web_workbench;
mod websocket_auth;
