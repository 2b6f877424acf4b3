//! What `update` asks the event loop to do. Effects are data so `update` stays
//! pure and its tests can assert on exactly what would happen.

use crate::clipboard::Kind;
use crate::model::{AppName, ClientId, ClientSecret, Grant, NewApplication};

#[derive(Debug, PartialEq, Eq)]
pub enum Effect {
    Load {
        region: usize,
    },
    /// Look for changes made by other processes: list again unless the
    /// registry's fingerprint is still `known`. Quiet: no spinner.
    Refresh {
        region: usize,
        known: Option<String>,
    },
    Create {
        region: usize,
        new: NewApplication,
    },
    Rename {
        region: usize,
        id: ClientId,
        name: AppName,
    },
    SetAccess {
        region: usize,
        id: ClientId,
        changes: Vec<Grant>,
    },
    ResetSecret {
        region: usize,
        id: ClientId,
    },
    /// A new current secret; the previous one works for `grace` more.
    RotateSecret {
        region: usize,
        id: ClientId,
        grace: chrono::Duration,
    },
    /// End the retiring secret now.
    RetireSecret {
        region: usize,
        id: ClientId,
    },
    /// Suspend the application (`suspend`), or resume it.
    SetSuspended {
        region: usize,
        id: ClientId,
        suspend: bool,
    },
    Delete {
        region: usize,
        id: ClientId,
        name: String,
    },
    /// Put `text` on the clipboard. `ClientSecret` is used for any copied text
    /// (client IDs too) because it redacts itself in Debug and wipes on drop.
    Copy {
        what: Kind,
        text: ClientSecret,
    },
    /// Ask for an access token with the client credentials, as a platform
    /// would, to show that they work. `secret` is a copy of the visible one.
    TestToken {
        region: usize,
        id: ClientId,
        secret: ClientSecret,
        scopes: Vec<String>,
    },
    /// The copied text's time is up: clear the clipboard if it still holds it.
    ClearClipboard,
    /// Read the trash of tab `region`.
    LoadTrash {
        region: usize,
    },
    /// Bring an application back from the trash of tab `region`.
    Restore {
        region: usize,
        id: ClientId,
    },
    /// Remove an application from the trash of tab `region` for good.
    Purge {
        region: usize,
        id: ClientId,
        name: String,
    },
    /// Read the audit log of tab `region`: one application's, or all of it.
    LoadAudit {
        region: usize,
        client_id: Option<ClientId>,
    },
}
