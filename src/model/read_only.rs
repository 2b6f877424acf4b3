//! Why a region takes no changes: what the CLI's refusals and the UI's status
//! line and header say.

use std::fmt;

/// Why a region is read-only. Reading (lists, details, the audit log, token
/// tests, copying a secret still on show) works; every change is refused
/// before anything is touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadOnly {
    /// `keyward --read-only`: every region, for this run.
    Flag,
    /// `read_only = true` in the region's `[[region]]` table.
    Config,
    /// A remote region whose admin client's token carries
    /// `keyward:admin:read` but not `keyward:admin`.
    AdminScope,
}

impl fmt::Display for ReadOnly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReadOnly::Flag => "keyward runs with --read-only",
            ReadOnly::Config => "read_only = true in the config",
            ReadOnly::AdminScope => "its admin client's token holds only keyward:admin:read",
        })
    }
}
