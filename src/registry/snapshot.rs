//! A whole region as its rows, for moving it from one store to another
//! (`keyward regions copy`: the embedded store's `export_region` to the
//! PostgreSQL store's `import_region`), audit log included.
//!
//! It holds secret hashes, never a plaintext secret: the plaintext of a
//! secret inside its reveal window lives only in the memory of the process
//! that made it, and is not part of a region. The hashes are keyed by the
//! data dir's `secret.key` (named by `key_fingerprint`), so they verify in
//! the target only where that key is the region's key. Hashes are still
//! credentials' verifiers: `Debug` never prints them. Times are milliseconds
//! since the epoch, as both stores keep them, so the copy is exact.

/// A stored secret hash (HMAC-SHA256 under `secret.key`). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHash(pub Vec<u8>);

impl std::fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHash(<redacted>)")
    }
}

/// One row of `applications`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppRow {
    pub client_id: String,
    pub client_name: String,
    pub name_key: String,
    pub secret_hash: SecretHash,
    pub secret_id: String,
    pub secret_issued_at: i64,
    pub secret_created_at: i64,
    pub admin: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// The lifecycle (see `registry::embedded::trash`): a suspended
    /// application stays suspended, a trashed one stays in the trash.
    pub suspended_at: Option<i64>,
    pub deleted_at: Option<i64>,
    pub purge_after: Option<i64>,
}

/// One grant: a scope and its access (`read` or `write`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantRow {
    pub client_id: String,
    pub scope: String,
    pub access: String,
}

/// A replaced secret's hash, kept so old pods are told "replaced".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviousSecretRow {
    pub client_id: String,
    pub secret_hash: SecretHash,
    pub replaced_at: i64,
}

/// A rotation's retiring secret and its deadline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetiringSecretRow {
    pub client_id: String,
    pub secret_id: String,
    pub secret_hash: SecretHash,
    pub created_at: i64,
    pub expires_at: i64,
}

/// When and from where a secret was last used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretUsageRow {
    pub client_id: String,
    pub secret_id: String,
    pub last_used_at: i64,
    pub last_used_from: Option<String>,
}

/// When an application last got a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppUsageRow {
    pub client_id: String,
    pub last_used_at: i64,
}

/// One audit event as stored: `body` is the canonical JSON its `hash`
/// covers (it names the region), so it is copied byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEventRow {
    pub seq: i64,
    pub at: i64,
    pub action: String,
    pub client_id: Option<String>,
    pub body: String,
    pub hash: String,
}

/// Where a pruned chain starts: the last removed event's seq and hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditCheckpointRow {
    pub seq: i64,
    pub hash: String,
    pub pruned_at: i64,
}

/// Every row of one region, read in one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionSnapshot {
    pub region: crate::model::Region,
    /// The fingerprint of the `secret.key` the hashes are keyed by.
    pub key_fingerprint: String,
    pub applications: Vec<AppRow>,
    pub grants: Vec<GrantRow>,
    /// In the order they were written (ties in `replaced_at` keep it).
    pub previous_secrets: Vec<PreviousSecretRow>,
    pub retiring_secrets: Vec<RetiringSecretRow>,
    pub secret_usage: Vec<SecretUsageRow>,
    pub app_usage: Vec<AppUsageRow>,
    /// The region's audit log, oldest first, and its prune checkpoint.
    pub audit_events: Vec<AuditEventRow>,
    pub audit_checkpoint: Option<AuditCheckpointRow>,
    /// The region's token-signing keys, sealed under a key derived from the
    /// same `secret.key` (and bound to the region and kid), so they open in
    /// the target as they did here: tokens signed before the move keep
    /// verifying, and the target signs with the same key.
    pub signing_keys: Vec<crate::registry::signing::StoredKey>,
}

/// How many rows of each kind a copy wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CopyReport {
    pub applications: usize,
    pub grants: usize,
    pub previous_secrets: usize,
    pub retiring_secrets: usize,
    pub secret_usage: usize,
    pub app_usage: usize,
    pub audit_events: usize,
    pub signing_keys: usize,
}

impl RegionSnapshot {
    /// What a copy of the whole snapshot writes.
    pub fn counts(&self) -> CopyReport {
        CopyReport {
            applications: self.applications.len(),
            grants: self.grants.len(),
            previous_secrets: self.previous_secrets.len(),
            retiring_secrets: self.retiring_secrets.len(),
            secret_usage: self.secret_usage.len(),
            app_usage: self.app_usage.len(),
            audit_events: self.audit_events.len(),
            signing_keys: self.signing_keys.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_hash() {
        let hash = SecretHash(vec![0xab; 32]);
        let snapshot = RegionSnapshot {
            region: crate::model::Region::builtin("us"),
            key_fingerprint: "f".into(),
            applications: vec![AppRow {
                client_id: "c".into(),
                client_name: "n".into(),
                name_key: "n".into(),
                secret_hash: hash.clone(),
                secret_id: "s".into(),
                secret_issued_at: 0,
                secret_created_at: 0,
                admin: false,
                created_at: 0,
                updated_at: 0,
                suspended_at: None,
                deleted_at: None,
                purge_after: None,
            }],
            grants: Vec::new(),
            previous_secrets: vec![PreviousSecretRow {
                client_id: "c".into(),
                secret_hash: hash.clone(),
                replaced_at: 0,
            }],
            retiring_secrets: vec![RetiringSecretRow {
                client_id: "c".into(),
                secret_id: "r".into(),
                secret_hash: hash,
                created_at: 0,
                expires_at: 0,
            }],
            secret_usage: Vec::new(),
            app_usage: Vec::new(),
            audit_events: Vec::new(),
            audit_checkpoint: None,
            signing_keys: vec![crate::registry::signing::StoredKey {
                info: crate::oauth::ring::KeyInfo::first("k".into(), chrono::Utc::now()),
                sealed: vec![0xab; 48],
            }],
        };
        let shown = format!("{snapshot:?}");
        assert!(shown.contains("SecretHash(<redacted>)"), "{shown}");
        for form in ["ab, ab", "171", "abab"] {
            assert!(!shown.contains(form), "{shown}");
        }
    }
}
