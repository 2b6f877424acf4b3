//! Keyward manages OAuth 2.0 client credentials: applications, their scopes and
//! their secrets, per region, from a terminal UI or the command line.
//!
//! - [`model`]: the domain types, no I/O.
//! - [`catalog`]: the scope catalog.
//! - [`config`]: directories and the config file.
//! - [`registry`]: the `Registry` trait and the embedded SQLite store.
//! - [`cli`]: the `keyward` command line.
//! - [`tui`]: the full-screen terminal UI.

pub mod catalog;
pub mod cli;
pub mod clipboard;
pub mod config;
pub mod model;
pub mod registry;
pub mod text;
pub mod tui;
