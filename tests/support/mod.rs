//! Shared test support. Each test binary includes what it needs with `mod support;`.
#![allow(dead_code)]

pub mod registry_suite;
pub mod server;
pub mod tmux;
pub mod xvfb;
