//! Shared test support: the harnesses every area of the tests uses.

pub mod pg_cluster;
pub mod pg_region;
pub mod postgres;
pub mod registry_suite;
pub mod server;
pub mod tmux;
pub mod xvfb;
