//! Plain domain types. Nothing in here does I/O: no files, no network, no clock
//! reads except where a caller passes the time in.

mod application;
pub mod audit;
mod client_id;
mod order;
mod read_only;
mod region;
mod rotation;
mod scope;
mod secret;
pub mod wire;

pub(crate) use application::normalize_grants;
pub use application::{
    AppName, Application, DEFAULT_TRASH_DAYS, Lifecycle, NAME_MAX_CHARS, NameError, NewApplication,
    duplicate_key,
};
pub use audit::{
    Actor, AuditAction, AuditEvent, AuditQuery, ChainBreak, ChainHead, NewAuditEvent, Via,
};
pub use client_id::{ClientId, ClientIdError};
pub use order::{AppOrder, secret_made};
pub use read_only::ReadOnly;
pub use region::{Region, RegionError};
pub use rotation::{
    DEFAULT_ROTATION_GRACE, DurationError, MAX_ROTATION_GRACE, SECRET_ID_LEN, SecretInfo,
    SecretState, SecretUsage, check_grace, new_secret_id, parse_duration,
};
pub use scope::{
    ADMIN_READ_SCOPE, ADMIN_SCOPE, Access, AccessError, ConflictingGrants, Grant, INTROSPECT_SCOPE,
    ScopeId, ScopeIdError, check_no_conflicts, oauth_scopes,
};
pub use secret::{ClientSecret, SECRET_LEN, SecretReveal};

/// The alphabet of generated client IDs and secrets: `[A-Za-z0-9]`, so no client
/// disagrees on how to encode them (in a URL, a form body or HTTP Basic).
pub(crate) fn random_alphanumeric(len: usize) -> String {
    use rand::distr::Alphanumeric;
    use rand::rngs::{StdRng, SysRng};
    use rand::{RngExt, SeedableRng};
    // One read of the OS CSPRNG (SysRng) keys a ChaCha generator for this value
    // alone: drawing each character from the OS directly would cost a system
    // call per character on the token path. If the OS cannot give randomness
    // the process cannot issue credentials at all, so a panic is the right
    // outcome (it names no secret).
    let mut rng = StdRng::try_from_rng(&mut SysRng)
        .unwrap_or_else(|e| panic!("the OS random number generator failed: {e}"));
    (&mut rng)
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// A random `[A-Za-z0-9]` identifier that must be unique and unguessable but
/// guards nothing by itself, such as a token's `jti`: drawn from the thread's
/// CSPRNG (ChaCha, reseeded from the OS), without a system call per value.
/// Credentials use [`random_alphanumeric`], keyed from the OS every time.
pub(crate) fn random_identifier(len: usize) -> String {
    use rand::RngExt;
    use rand::distr::Alphanumeric;
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}
