//! The `Registry` trait: the only way the TUI, the CLI and the server touch
//! applications. One registry serves one region.

pub mod embedded;
pub mod postgres;
pub mod remote;
pub mod signing;
pub mod snapshot;

use async_trait::async_trait;

use crate::model::{
    Actor, AppName, Application, AuditEvent, AuditQuery, ChainBreak, ChainHead, ClientId,
    ClientSecret, Grant, NewApplication, NewAuditEvent, ReadOnly, Region, SecretReveal,
    SecretUsage,
};

/// An application together with its freshly generated secret.
#[derive(Clone, Debug)]
pub struct Issued {
    pub application: Application,
    pub reveal: SecretReveal,
}

/// What went wrong, said for whoever called: the CLI, the admin API and the
/// UI each add their own "what to do next" (a command, an endpoint, a key), so
/// these messages name none.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("no application with client ID '{client_id}' in region {region}")]
    NotFound { client_id: ClientId, region: Region },
    #[error("an application named '{name}' already exists in region {region}: choose another name")]
    DuplicateName { name: String, region: Region },
    #[error("{0}")]
    InvalidInput(String),
    #[error(
        "the application '{client_id}' is not in the trash of region {region}: only a deleted application can be restored or purged"
    )]
    NotInTrash { client_id: ClientId, region: Region },
    #[error(
        "an application named '{name}' already exists in region {region}, so the deleted application of that name cannot come back: rename the existing one first"
    )]
    RestoreNameTaken { name: String, region: Region },
    #[error(
        "the secret of '{client_id}' can no longer be shown: its window has closed, and only a reset makes a new one"
    )]
    RevealWindowClosed { client_id: ClientId },
    #[error(
        "the application '{client_id}' already has a retiring secret, which works until {until}: retire it first, or reset the secret (which ends every older secret at once)"
    )]
    AlreadyRetiring { client_id: ClientId, until: String },
    #[error("the application '{client_id}' has no retiring secret: there is nothing to retire")]
    NothingToRetire { client_id: ClientId },
    #[error(
        "region {region} keeps its token-signing keys where it is stored: on the server that serves it, not here"
    )]
    KeysElsewhere { region: Region },
    #[error(
        "region {region} already has a new signing key, {kid}, waiting to sign from {signs_from}: rotate again once it signs"
    )]
    KeyWaiting {
        region: Region,
        kid: String,
        signs_from: String,
    },
    /// Refused before anything was touched: the region only reads.
    #[error("region {region} is read-only ({why}): nothing was changed")]
    ReadOnly { region: Region, why: ReadOnly },
    #[error("storage error in {location}: {message}")]
    Storage { location: String, message: String },
    /// The store cannot be reached right now (a database restarting, a
    /// server away): worth trying again shortly, unlike [`RegistryError::Storage`].
    #[error("the store {location} is unavailable: {message}")]
    Unavailable { location: String, message: String },
}

pub type Result<T> = std::result::Result<T, RegistryError>;

/// Everything a region's token service does with applications.
///
/// Every write is atomic and durable once it returns. Secrets come back only as
/// a [`SecretReveal`] from `create`, `create_many`, `reset_secret` and `reveal`,
/// and only inside their window.
#[async_trait]
pub trait Registry: Send + Sync {
    /// The region this registry serves.
    fn region(&self) -> &Region;

    /// Where the applications live, for people: `embedded (…/keyward.db)` or a URL.
    fn location(&self) -> String;

    /// The scope catalog this registry checks grants against, if it holds one
    /// (an embedded region does; a remote one asks its server).
    fn catalog(&self) -> Option<std::sync::Arc<crate::catalog::Catalog>> {
        None
    }

    /// Why this registry takes no changes, if it does not: a remote region
    /// whose admin client's token carries only `keyward:admin:read` (a
    /// remote registry gets a token to tell). `--read-only` and the config's
    /// `read_only` are its callers' to add.
    async fn read_only_reason(&self) -> Result<Option<ReadOnly>> {
        Ok(None)
    }

    /// All applications of the region, sorted by name (case-insensitive).
    async fn list(&self) -> Result<Vec<Application>>;

    async fn get(&self, id: &ClientId) -> Result<Application>;

    /// Registers an application with a new client ID and secret.
    async fn create(&self, new: NewApplication) -> Result<Issued>;

    /// Registers several applications in one transaction: all or none.
    async fn create_many(&self, new: Vec<NewApplication>) -> Result<Vec<Issued>>;

    async fn rename(&self, id: &ClientId, name: AppName) -> Result<Application>;

    /// Applies scope changes: each grant sets that scope's access (`none` removes
    /// it); scopes not mentioned keep theirs.
    async fn set_access(&self, id: &ClientId, changes: Vec<Grant>) -> Result<Application>;

    /// Replaces the secret. The old one stops verifying at once; the ID stays.
    async fn reset_secret(&self, id: &ClientId) -> Result<Issued>;

    /// Makes a new current secret; the previous current one becomes
    /// `retiring` and works until now + `grace` (0 s to 30 days), then fails
    /// with no write needed. Refused with [`RegistryError::AlreadyRetiring`]
    /// while another secret is retiring and not yet expired.
    async fn rotate_secret(&self, id: &ClientId, grace: chrono::Duration) -> Result<Issued>;

    /// Ends the retiring secret now. [`RegistryError::NothingToRetire`] if
    /// there is none (or it has expired already).
    async fn retire_secret(&self, id: &ClientId) -> Result<Application>;

    /// Records uses of secrets (when, from where) in one write. Usage is not
    /// a change to credentials: it never moves what caches of credentials
    /// watch. Registries that keep no usage (a remote one: its server records
    /// its own) accept and drop it.
    async fn record_usage(&self, _batch: Vec<SecretUsage>) -> Result<()> {
        Ok(())
    }

    /// Moves the application to the trash until its `purge_after` (the
    /// store's trash period from now); returns it as it now is. From then on
    /// it gets no token, reads do not show it (but [`Registry::list_deleted`]
    /// does), and its name is free for another.
    async fn delete(&self, id: &ClientId) -> Result<Application>;

    /// Stops `id` getting tokens (its secrets stay as they are). Suspending
    /// a suspended application changes nothing and records nothing.
    async fn suspend(&self, id: &ClientId) -> Result<Application>;

    /// Undoes [`Registry::suspend`]; a no-op for one that is not suspended.
    async fn resume(&self, id: &ClientId) -> Result<Application>;

    /// The region's trashed applications whose period has not ended, sorted
    /// by name; each has `lifecycle.deleted_at` and `purge_after`.
    async fn list_deleted(&self) -> Result<Vec<Application>>;

    /// Brings a trashed application back, its secrets unchanged.
    /// [`RegistryError::RestoreNameTaken`] when a live application has a name
    /// that looks like its name; [`RegistryError::NotInTrash`] for a live one.
    async fn restore(&self, id: &ClientId) -> Result<Application>;

    /// Removes a trashed application for good. [`RegistryError::NotInTrash`]
    /// for a live one: it must be deleted first.
    async fn purge(&self, id: &ClientId) -> Result<()>;

    /// The secret, if its window is still open.
    async fn reveal(&self, id: &ClientId) -> Result<SecretReveal>;

    /// Whether `secret` is the application's current secret. `Ok(false)` for an
    /// unknown client ID too, so callers cannot tell the two apart.
    async fn verify_secret(&self, id: &ClientId, secret: &ClientSecret) -> Result<bool>;

    /// The application, if `secret` is its current secret and it may get
    /// tokens; `None` otherwise (an unknown client ID, a suspended or
    /// trashed application included). The token endpoint's hot path, so
    /// stores may answer it in one read; this default takes two.
    async fn authenticate(
        &self,
        id: &ClientId,
        secret: &ClientSecret,
    ) -> Result<Option<Application>> {
        if !self.verify_secret(id, secret).await? {
            return Ok(None);
        }
        match self.get(id).await {
            Ok(app) => Ok(Some(app)),
            // Deleted between the two reads.
            Err(RegistryError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Like [`Registry::authenticate`], with the ID of the secret that
    /// matched (the current or the retiring one), for usage records. `None`
    /// for the ID where the registry cannot tell.
    async fn authenticate_secret(
        &self,
        id: &ClientId,
        secret: &ClientSecret,
    ) -> Result<Option<(Application, Option<String>)>> {
        Ok(self.authenticate(id, secret).await?.map(|app| (app, None)))
    }

    /// When `secret`, which is not the current one, stopped being `id`'s
    /// secret, if it is one of its last few (a reset keeps a bounded number).
    /// The server uses it to tell old pods from noise: their failures must not
    /// throttle the current secret. `None` when unknown, or when this registry
    /// does not keep previous secrets.
    async fn replaced_at(
        &self,
        _id: &ClientId,
        _secret: &ClientSecret,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        Ok(None)
    }

    /// This registry, recording its changes as made by `actor` (the admin
    /// API makes one per request). `None`: this registry cannot record an
    /// actor of its own choosing (a remote one: its server records who called).
    fn acting_as(&self, _actor: Actor) -> Option<std::sync::Arc<dyn Registry>> {
        None
    }

    /// Events of the region's audit log (see `model::audit`), newest first
    /// unless `query.oldest_first`, at most `query.limit`.
    async fn audit(&self, _query: AuditQuery) -> Result<Vec<AuditEvent>> {
        Err(no_audit_log(self.region()))
    }

    /// Appends a security event of the token service (throttling, refused
    /// admin calls) to the log. It changes no application, so it moves no
    /// cache of credentials. Registries that keep no log drop it.
    async fn record_security_event(&self, _event: NewAuditEvent) -> Result<()> {
        Ok(())
    }

    /// The region's chain head: its newest event (or the prune checkpoint
    /// when none is left); `None` for an empty log.
    async fn audit_head(&self) -> Result<Option<ChainHead>> {
        Err(no_audit_log(self.region()))
    }

    /// Walks the region's chain: the number of events checked and the head
    /// reached, or the first event that does not match. With `expect`, the
    /// chain must still hold that head (kept elsewhere earlier).
    async fn verify_audit(
        &self,
        _expect: Option<ChainHead>,
    ) -> Result<std::result::Result<(u64, Option<ChainHead>), ChainBreak>> {
        Err(no_audit_log(self.region()))
    }

    /// Removes the events before `before`, leaving a checkpoint (the last
    /// removed event's seq and hash) so the rest still verifies. Returns how
    /// many were removed.
    async fn prune_audit(&self, _before: chrono::DateTime<chrono::Utc>) -> Result<u64> {
        Err(no_audit_log(self.region()))
    }

    /// The region's token-signing keys, private halves decrypted (see
    /// `oauth::ring`). A region with none gets its first key here, once
    /// however many processes ask together: the data dir's old key file
    /// (`oauth::keys::KEY_FILE`) when there is one, so tokens it signed keep
    /// verifying, else a new key. [`RegistryError::KeysElsewhere`] from
    /// registries that keep no keys (a remote one).
    async fn signing_keys(&self) -> Result<crate::oauth::KeyRing> {
        Err(RegistryError::KeysElsewhere {
            region: self.region().clone(),
        })
    }

    /// Adds a signing key: published at once, signing from now +
    /// `publish_delay`, when the key signing now retires; that one stays
    /// published until the tokens it signed have expired. Keys no longer
    /// published are deleted. [`RegistryError::KeyWaiting`] while a key
    /// waits to sign. Returns the new key and the ring after the rotation.
    async fn rotate_signing_key(
        &self,
        _publish_delay: std::time::Duration,
    ) -> Result<(crate::oauth::KeyInfo, crate::oauth::KeyRing)> {
        Err(RegistryError::KeysElsewhere {
            region: self.region().clone(),
        })
    }

    /// A cheap summary of the region's applications that changes whenever
    /// [`Registry::list`] would return something different, so a UI can poll
    /// for others' changes without listing 100,000 applications each time.
    /// `None` means this registry cannot tell cheaply: list to find out.
    async fn fingerprint(&self) -> Result<Option<String>> {
        Ok(None)
    }

    /// How often the token path's cache of credentials answered
    /// ([`Registry::authenticate`] and its kin) without reading the store,
    /// and how often it had to read, since the store was opened. Read at each
    /// scrape of `keyward serve --metrics-listen`, so it must be cheap: a
    /// store keeps two monotonic counters (atomics) and returns them. `None`:
    /// this registry has no such cache.
    fn auth_cache_counts(&self) -> Option<AuthCacheCounts> {
        None
    }
}

/// What [`Registry::auth_cache_counts`] returns: counts that only grow, for
/// the whole store behind the registry (every region it holds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuthCacheCounts {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that read the store (nothing cached, or the cache was stale).
    pub misses: u64,
}

/// The actor for a change made on this machine through `via`: the OS user
/// (`$USER`, `$LOGNAME`, else the uid) and the host name. Read once.
pub fn local_actor(via: crate::model::Via) -> Actor {
    static LOCAL: std::sync::OnceLock<(Option<String>, Option<String>)> =
        std::sync::OnceLock::new();
    let (user, host) = LOCAL.get_or_init(|| (os_user(), host_name()));
    Actor::local(via, user.clone(), host.clone())
}

fn os_user() -> Option<String> {
    use std::os::unix::fs::MetadataExt as _;
    ["USER", "LOGNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .map(|u| crate::text::printable_truncated(u.trim(), 64))
        .find(|u| !u.is_empty())
        .or_else(|| {
            std::fs::metadata("/proc/self")
                .ok()
                .map(|m| format!("uid {}", m.uid()))
        })
}

fn host_name() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| crate::text::printable_truncated(h.trim(), 64))
        .filter(|h| !h.is_empty())
}

fn no_audit_log(region: &Region) -> RegistryError {
    RegistryError::InvalidInput(format!(
        "region {region} keeps no audit log here: read it where its applications are stored"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A library error says what happened; the command to run is the CLI's
    /// to add (see `cli::advice`), and the admin API and the UI word theirs.
    #[test]
    fn errors_name_no_command() {
        let client_id = ClientId::generate();
        let region = Region::builtin("us");
        for e in [
            RegistryError::NotFound {
                client_id: client_id.clone(),
                region: region.clone(),
            },
            RegistryError::DuplicateName {
                name: "App".into(),
                region,
            },
            RegistryError::RevealWindowClosed { client_id },
        ] {
            let text = e.to_string();
            assert!(!text.contains("keyward ") && !text.contains('`'), "{text}");
        }
    }
}
