//! Keyward's integration and end-to-end tests, in one binary (as ripgrep does):
//! one link of the crate instead of one per file. Each module is one area; the
//! shared harnesses are in `support`.

// Test code: a failed unwrap is a failed test, and that is what it should be.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod cli_apps;
mod cli_audit;
mod cli_meta;
mod cli_output;
mod cli_rotation;
mod clipboard_cli;
mod clipboard_tui;
mod concurrency;
mod crash_safety;
mod doctor;
mod interop_python;
mod leak_scan;
mod lifecycle;
mod oauth_errors;
mod postgres_audit;
mod postgres_cli;
mod postgres_faults;
mod properties;
mod read_only;
mod read_only_tui;
mod region_copy;
mod registry_embedded;
mod registry_postgres;
mod secrets_at_rest;
mod serve_binary;
mod serve_logs;
mod server_admin;
mod server_audit;
mod server_connections;
mod server_metrics;
mod server_oauth;
mod server_proxy;
mod server_ready;
mod server_rotation;
mod server_throttle;
mod server_tls;
mod signing_keys;
mod systemd_unit;
mod token_cli;
mod tui_tmux;
