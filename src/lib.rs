//! Keyward manages OAuth 2.0 client credentials: applications, their scopes and
//! their secrets, per region, from a terminal UI or the command line.
//!
//! - [`model`]: the domain types, no I/O.
//! - [`catalog`]: the scope catalog.
//! - [`config`]: directories and the config file.
//! - [`fs`]: private files and directories, and key files.
//! - [`registry`]: the `Registry` trait and the embedded SQLite store.
//! - [`oauth`]: access tokens, the signing key, token request parsing.
//! - [`server`]: `keyward serve`, the token service and admin API.
//! - [`cli`]: the `keyward` command line.
//! - [`tui`]: the full-screen terminal UI.

pub mod catalog;
pub mod cli;
pub mod clipboard;
pub mod config;
pub mod fs;
pub mod model;
pub mod oauth;
pub mod registry;
pub mod server;
pub mod text;
pub mod tui;
