//! The audit log's plain types: who made a change ([`Actor`]), what it was
//! ([`AuditEvent`]), and how events chain by hash.
//!
//! An event's `hash` is SHA-256 (lowercase hex) over its body: the event's
//! JSON without `hash`, fields in the order of [`AuditBody`] (and `changes`'
//! keys sorted). The body commits to the previous event's hash
//! (`prev_hash`), so editing, deleting, inserting or reordering a past event
//! breaks the chain at that event. One chain per region; its first event's
//! `prev_hash` is [`GENESIS_HASH`] (or, after a prune, the checkpoint's).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The `prev_hash` of a region's first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Through which interface a change was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Cli,
    Tui,
    Api,
    /// The token service itself (security events).
    Serve,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Cli => "cli",
            Via::Tui => "tui",
            Via::Api => "api",
            Via::Serve => "serve",
        }
    }
}

/// Who made a change: the interface, and the OS user and host for local
/// changes, or the admin client and remote address for admin API calls.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub via: Via,
    pub user: Option<String>,
    pub host: Option<String>,
    pub admin_client_id: Option<String>,
    pub address: Option<String>,
}

impl Actor {
    /// A local user of this machine.
    pub fn local(via: Via, user: Option<String>, host: Option<String>) -> Self {
        Actor {
            via,
            user,
            host,
            admin_client_id: None,
            address: None,
        }
    }

    /// An admin API caller.
    pub fn api(admin_client_id: &str, address: Option<String>) -> Self {
        Actor {
            via: Via::Api,
            user: None,
            host: None,
            admin_client_id: Some(admin_client_id.to_owned()),
            address,
        }
    }

    /// `alice@ops-1`, `<admin client ID>@10.0.0.5`: who, for one line of text.
    pub fn who(&self) -> String {
        let name = self
            .admin_client_id
            .as_deref()
            .or(self.user.as_deref())
            .unwrap_or("unknown");
        match self.address.as_deref().or(self.host.as_deref()) {
            Some(place) => format!("{name}@{place}"),
            None => name.to_owned(),
        }
    }
}

/// What an event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Create,
    Rename,
    SetScopes,
    ResetSecret,
    RotateSecret,
    RetireSecret,
    Delete,
    Throttled,
    AdminDenied,
    /// A region's token-signing key rotation (`keyward keys rotate`): no
    /// application, so no client ID.
    RotateSigningKey,
    Suspend,
    Resume,
    /// Back from the trash, its secret unchanged.
    Restore,
    /// Gone from the trash for good: asked for, or its period ended.
    Purge,
}

impl AuditAction {
    pub const ALL: [AuditAction; 14] = [
        AuditAction::Create,
        AuditAction::Rename,
        AuditAction::SetScopes,
        AuditAction::ResetSecret,
        AuditAction::RotateSecret,
        AuditAction::RetireSecret,
        AuditAction::Delete,
        AuditAction::Throttled,
        AuditAction::AdminDenied,
        AuditAction::RotateSigningKey,
        AuditAction::Suspend,
        AuditAction::Resume,
        AuditAction::Restore,
        AuditAction::Purge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Rename => "rename",
            AuditAction::SetScopes => "set_scopes",
            AuditAction::ResetSecret => "reset_secret",
            AuditAction::RotateSecret => "rotate_secret",
            AuditAction::RetireSecret => "retire_secret",
            AuditAction::Delete => "delete",
            AuditAction::Throttled => "throttled",
            AuditAction::AdminDenied => "admin_denied",
            AuditAction::RotateSigningKey => "rotate_signing_key",
            AuditAction::Suspend => "suspend",
            AuditAction::Resume => "resume",
            AuditAction::Restore => "restore",
            AuditAction::Purge => "purge",
        }
    }
}

impl std::str::FromStr for AuditAction {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        AuditAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                let all: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
                format!(
                    "unknown audit action '{}': one of {}",
                    crate::text::printable_truncated(s, 40),
                    all.join(", ")
                )
            })
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The hashed part of an event: everything but `hash`, in this order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditBody {
    pub seq: u64,
    pub at: String,
    pub region: String,
    pub action: AuditAction,
    pub client_id: Option<String>,
    pub client_name: Option<String>,
    pub actor: Actor,
    /// Field -> `{"before": …, "after": …}` (names, scope access, secret
    /// IDs), or for security events what was counted. Never a secret, a
    /// hash of one, a token or a password.
    pub changes: serde_json::Value,
    pub prev_hash: String,
}

/// One event of the log, as stored and as `--json` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    #[serde(flatten)]
    pub body: AuditBody,
    pub hash: String,
}

/// An event before it has a place in the chain.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAuditEvent {
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    pub client_id: Option<String>,
    pub client_name: Option<String>,
    pub changes: serde_json::Value,
}

/// `{"before": before, "after": after}`.
pub fn change(before: impl Serialize, after: impl Serialize) -> serde_json::Value {
    serde_json::json!({ "before": before, "after": after })
}

/// The events of changes to applications, built from the application before
/// and after, so every store records the same thing.
pub mod events {
    use super::{AuditAction, NewAuditEvent, change};
    use crate::model::{Access, Application, Grant};
    use chrono::{DateTime, Utc};

    fn about(app: &Application, at: DateTime<Utc>, action: AuditAction) -> NewAuditEvent {
        NewAuditEvent {
            at,
            action,
            client_id: Some(app.client_id.to_string()),
            client_name: Some(app.client_name.to_string()),
            changes: serde_json::json!({}),
        }
    }

    fn current_id(app: &Application) -> Option<String> {
        app.current_secret().map(|s| s.secret_id.clone())
    }

    /// `{scope: {"before", "after"}}` for each scope whose access differs.
    pub fn scope_diff(
        before: &[Grant],
        after: &[Grant],
    ) -> serde_json::Map<String, serde_json::Value> {
        let access = |gs: &[Grant], scope: &str| {
            gs.iter()
                .find(|g| g.scope.as_str() == scope)
                .map_or(Access::None, |g| g.access)
        };
        let mut out = serde_json::Map::new();
        for g in before.iter().chain(after) {
            let scope = g.scope.as_str();
            let (b, a) = (access(before, scope), access(after, scope));
            if b != a {
                let side = |x: Access| (x != Access::None).then(|| x.as_str().to_owned());
                out.insert(scope.to_owned(), change(side(b), side(a)));
            }
        }
        out
    }

    pub fn created(app: &Application, at: DateTime<Utc>) -> NewAuditEvent {
        let mut e = about(app, at, AuditAction::Create);
        e.changes = serde_json::json!({
            "client_name": change(None::<String>, app.client_name.as_str()),
            "scopes": scope_diff(&[], &app.grants),
            "secret_id": change(None::<String>, current_id(app)),
        });
        if app.admin {
            e.changes["admin"] = serde_json::Value::Bool(true);
        }
        e
    }

    pub fn renamed(before: &str, app: &Application, at: DateTime<Utc>) -> NewAuditEvent {
        let mut e = about(app, at, AuditAction::Rename);
        e.changes = serde_json::json!({ "client_name": change(before, app.client_name.as_str()) });
        e
    }

    /// `None` when no scope's access changed: no change, no event.
    pub fn scopes_set(
        before: &[Grant],
        app: &Application,
        at: DateTime<Utc>,
    ) -> Option<NewAuditEvent> {
        let diff = scope_diff(before, &app.grants);
        if diff.is_empty() {
            return None;
        }
        let mut e = about(app, at, AuditAction::SetScopes);
        e.changes = serde_json::json!({ "scopes": diff });
        Some(e)
    }

    pub fn secret_reset(
        before: &Application,
        app: &Application,
        at: DateTime<Utc>,
    ) -> NewAuditEvent {
        let mut e = about(app, at, AuditAction::ResetSecret);
        e.changes = serde_json::json!({
            "secret_id": change(current_id(before), current_id(app)),
            "retiring_secret_id": change(before.retiring_secret().map(|s| s.secret_id.clone()), None::<String>),
        });
        e
    }

    pub fn secret_rotated(
        before: &Application,
        app: &Application,
        grace: chrono::Duration,
        at: DateTime<Utc>,
    ) -> NewAuditEvent {
        let mut e = about(app, at, AuditAction::RotateSecret);
        let until = (at + grace).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        e.changes = serde_json::json!({
            "secret_id": change(current_id(before), current_id(app)),
            "retiring_secret_id": change(None::<String>, current_id(before)),
            "retiring_until": change(None::<String>, until),
            "grace_seconds": grace.num_seconds(),
        });
        e
    }

    pub fn secret_retired(before: &Application, at: DateTime<Utc>) -> NewAuditEvent {
        let mut e = about(before, at, AuditAction::RetireSecret);
        e.changes = serde_json::json!({
            "retiring_secret_id": change(before.retiring_secret().map(|s| s.secret_id.clone()), None::<String>),
        });
        e
    }

    fn time(t: Option<DateTime<Utc>>) -> Option<String> {
        t.map(crate::model::wire::rfc3339)
    }

    /// Moved to the trash until `purge_after`.
    pub fn deleted(
        before: &Application,
        purge_after: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> NewAuditEvent {
        let mut e = about(before, at, AuditAction::Delete);
        e.changes = serde_json::json!({
            "deleted_at": change(None::<String>, time(Some(at))),
            "purge_after": change(None::<String>, time(Some(purge_after))),
        });
        e
    }

    pub fn suspended(before: &Application, at: DateTime<Utc>) -> NewAuditEvent {
        let mut e = about(before, at, AuditAction::Suspend);
        e.changes = serde_json::json!({ "suspended_at": change(None::<String>, time(Some(at))) });
        e
    }

    pub fn resumed(before: &Application, at: DateTime<Utc>) -> NewAuditEvent {
        let mut e = about(before, at, AuditAction::Resume);
        e.changes = serde_json::json!({
            "suspended_at": change(time(before.lifecycle.suspended_at), None::<String>),
        });
        e
    }

    /// `before` is the trashed application.
    pub fn restored(before: &Application, at: DateTime<Utc>) -> NewAuditEvent {
        let mut e = about(before, at, AuditAction::Restore);
        e.changes = serde_json::json!({
            "deleted_at": change(time(before.lifecycle.deleted_at), None::<String>),
            "purge_after": change(time(before.lifecycle.purge_after), None::<String>),
        });
        e
    }

    /// Gone for good; `expired`: its trash period ended (else a purge was asked for).
    pub fn purged(before: &Application, expired: bool, at: DateTime<Utc>) -> NewAuditEvent {
        let mut e = about(before, at, AuditAction::Purge);
        e.changes = serde_json::json!({
            "client_name": change(before.client_name.as_str(), None::<String>),
            "scopes": scope_diff(&before.grants, &[]),
            "reason": if expired { "trash_period_ended" } else { "requested" },
        });
        e
    }
}

impl AuditBody {
    /// The body's canonical bytes: its JSON, fields in declaration order and
    /// object keys sorted (serde_json's map is ordered).
    pub fn canonical(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

/// SHA-256 of `canonical`, lowercase hex.
pub fn chain_hash(canonical: &str) -> String {
    use sha2::Digest as _;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = sha2::Sha256::digest(canonical.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

impl AuditEvent {
    /// The event `new` as the next link after (`prev_seq`, `prev_hash`).
    pub fn chain(
        new: NewAuditEvent,
        region: &str,
        actor: &Actor,
        prev_seq: u64,
        prev_hash: &str,
    ) -> Result<(AuditEvent, String), serde_json::Error> {
        let body = AuditBody {
            seq: prev_seq + 1,
            at: new.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            region: region.to_owned(),
            action: new.action,
            client_id: new.client_id,
            client_name: new.client_name,
            actor: actor.clone(),
            changes: new.changes,
            prev_hash: prev_hash.to_owned(),
        };
        let canonical = body.canonical()?;
        let hash = chain_hash(&canonical);
        Ok((AuditEvent { body, hash }, canonical))
    }

    pub fn at(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(&self.body.at)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// One readable line: `2026-11-25 14:02 alice@ops-1 (tui) reset secret of Payroll sync`
    /// (the time in UTC).
    pub fn line(&self) -> String {
        let at = self
            .at()
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| self.body.at.clone());
        format!(
            "{at} {} ({}) {}",
            self.body.actor.who(),
            self.body.actor.via.as_str(),
            self.summary()
        )
    }

    /// What happened, in words.
    pub fn summary(&self) -> String {
        let b = &self.body;
        let name = b
            .client_name
            .clone()
            .or_else(|| b.client_id.clone())
            .unwrap_or_default();
        let field = |key: &str, side: &str| -> String {
            match b.changes.get(key).and_then(|c| c.get(side)) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            }
        };
        match b.action {
            AuditAction::Create
                if b.changes.get("admin") == Some(&serde_json::Value::Bool(true)) =>
            {
                format!("created admin client {name}")
            }
            AuditAction::Create => format!("created {name}{}", granted_words(&b.changes)),
            AuditAction::Rename => format!(
                "renamed {} to {}",
                field("client_name", "before"),
                field("client_name", "after")
            ),
            AuditAction::SetScopes => {
                format!("changed scopes of {name}{}", scope_words(&b.changes))
            }
            AuditAction::ResetSecret => format!("reset secret of {name}"),
            AuditAction::RotateSecret => {
                let until = field("retiring_until", "after");
                format!("rotated secret of {name} (the old one works until {until})")
            }
            AuditAction::RetireSecret => format!("retired the old secret of {name}"),
            AuditAction::Delete => format!(
                "deleted {name} (in the trash until {})",
                field("purge_after", "after")
            ),
            AuditAction::Suspend => format!("suspended {name}"),
            AuditAction::Resume => format!("resumed {name}"),
            AuditAction::Restore => format!("restored {name} from the trash"),
            AuditAction::Purge
                if b.changes.get("reason").and_then(|r| r.as_str())
                    == Some("trash_period_ended") =>
            {
                format!("purged {name} (its trash period ended)")
            }
            AuditAction::Purge => format!("purged {name}"),
            AuditAction::Throttled => match b.changes.get("address").and_then(|a| a.as_str()) {
                Some(addr) => format!("throttled address {addr}"),
                None => format!("throttled client {name}"),
            },
            AuditAction::AdminDenied => {
                let status = b
                    .changes
                    .get("status")
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                format!("refused an admin API call ({status})")
            }
            AuditAction::RotateSigningKey => format!(
                "rotated the token-signing key: {} signs from {}",
                field("signing_kid", "after"),
                field("signs_from", "after")
            ),
        }
    }
}

/// ` with ess:account=read, …` from a new application's scopes, or nothing.
fn granted_words(changes: &serde_json::Value) -> String {
    let Some(scopes) = changes.get("scopes").and_then(|s| s.as_object()) else {
        return String::new();
    };
    let parts: Vec<String> = scopes
        .iter()
        .filter_map(|(scope, c)| Some(format!("{scope}={}", c.get("after")?.as_str()?)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" with {}", parts.join(", "))
    }
}

/// `: ess:account none→read, …` from a `scopes` change, or nothing.
fn scope_words(changes: &serde_json::Value) -> String {
    let Some(scopes) = changes.get("scopes").and_then(|s| s.as_object()) else {
        return String::new();
    };
    if scopes.is_empty() {
        return String::new();
    }
    let side = |c: &serde_json::Value, k: &str| {
        c.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("none")
            .to_owned()
    };
    let parts: Vec<String> = scopes
        .iter()
        .map(|(scope, c)| format!("{scope} {}→{}", side(c, "before"), side(c, "after")))
        .collect();
    format!(": {}", parts.join(", "))
}

/// Which events to read. Newest first unless `oldest_first`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub client_id: Option<String>,
    pub action: Option<AuditAction>,
    pub since: Option<DateTime<Utc>>,
    /// Only events with a smaller `seq` (the cursor of newest-first pages).
    pub before_seq: Option<u64>,
    /// Only events with a larger `seq` (for following the log).
    pub after_seq: Option<u64>,
    pub oldest_first: bool,
    pub limit: usize,
}

/// A region chain's head: its last event, for keeping elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: String,
}

impl std::fmt::Display for ChainHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl std::str::FromStr for ChainHead {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || "a chain head is SEQ:HASH, as `keyward audit head` prints it".to_owned();
        let (seq, hash) = s.trim().split_once(':').ok_or_else(bad)?;
        let seq = seq.parse().map_err(|_| bad())?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(ChainHead {
            seq,
            hash: hash.to_ascii_lowercase(),
        })
    }
}

/// Why a chain does not verify: the first event that does not match.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("event {seq}: its content does not match its hash (edited)")]
    Content { seq: u64 },
    #[error(
        "event {seq}: it does not link to the event before it (an event was deleted, inserted or moved before it)"
    )]
    Link { seq: u64 },
    #[error("event {seq}: its sequence number is out of place (expected {expected})")]
    Sequence { seq: u64, expected: u64 },
    #[error("the expected head {expected} is not in the chain (events were rewritten or removed)")]
    HeadMissing { expected: ChainHead },
}

/// Walks `events` (oldest first, as stored: body text and hash) from
/// `start` (the checkpoint, or seq 0 and [`GENESIS_HASH`]). Returns the
/// head reached.
pub fn verify_chain<'a>(
    start: ChainHead,
    events: impl IntoIterator<Item = (u64, &'a str, &'a str)>,
) -> Result<ChainHead, ChainBreak> {
    let mut head = start;
    for (seq, canonical, hash) in events {
        let expected = head.seq + 1;
        let Ok(body) = serde_json::from_str::<AuditBody>(canonical) else {
            return Err(ChainBreak::Content { seq });
        };
        if chain_hash(canonical) != hash {
            return Err(ChainBreak::Content { seq });
        }
        if body.prev_hash != head.hash {
            return Err(ChainBreak::Link { seq });
        }
        if body.seq != seq || seq != expected {
            return Err(ChainBreak::Sequence { seq, expected });
        }
        head = ChainHead {
            seq,
            hash: hash.to_owned(),
        };
    }
    Ok(head)
}

/// What a store's `verify_audit` answers: the number of events walked and
/// the head reached, or the first event that does not match.
pub type Verified = Result<(u64, Option<ChainHead>), ChainBreak>;

/// Walks a region's stored chain: `start` is its prune checkpoint (if any),
/// `rows` its events oldest first (seq, body, hash). With `expect` (a head
/// kept elsewhere earlier), the chain must still hold that head, unless it
/// is at or before the checkpoint (pruned: it can no longer be checked).
/// Both stores read their rows and call this, so they judge alike.
pub fn verify_stored(
    start: Option<ChainHead>,
    rows: &[(u64, String, String)],
    expect: Option<&ChainHead>,
) -> Verified {
    let mut found_expected = expect
        .is_none_or(|e| e.seq == 0 || start.as_ref().is_some_and(|s| s == e || e.seq < s.seq));
    let genesis = ChainHead {
        seq: 0,
        hash: GENESIS_HASH.to_owned(),
    };
    let head = verify_chain(
        start.unwrap_or(genesis),
        rows.iter().map(|(seq, body, hash)| {
            if let Some(e) = expect
                && e.seq == *seq
                && e.hash == *hash
            {
                found_expected = true;
            }
            (*seq, body.as_str(), hash.as_str())
        }),
    )?;
    if let Some(e) = expect
        && !found_expected
    {
        return Err(ChainBreak::HeadMissing {
            expected: e.clone(),
        });
    }
    Ok((rows.len() as u64, (head.seq > 0).then_some(head)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(prev: &ChainHead, action: AuditAction) -> (AuditEvent, String) {
        AuditEvent::chain(
            NewAuditEvent {
                at: Utc::now(),
                action,
                client_id: Some("abc".into()),
                client_name: Some("Payroll sync".into()),
                changes: serde_json::json!({}),
            },
            "us",
            &Actor::local(Via::Tui, Some("alice".into()), Some("ops-1".into())),
            prev.seq,
            &prev.hash,
        )
        .unwrap()
    }

    fn chain(n: usize) -> Vec<(u64, String, String)> {
        let mut head = ChainHead {
            seq: 0,
            hash: GENESIS_HASH.into(),
        };
        let mut out = Vec::new();
        for _ in 0..n {
            let (e, text) = event(&head, AuditAction::ResetSecret);
            head = ChainHead {
                seq: e.body.seq,
                hash: e.hash.clone(),
            };
            out.push((e.body.seq, text, e.hash));
        }
        out
    }

    fn walk(events: &[(u64, String, String)]) -> Result<ChainHead, ChainBreak> {
        let start = ChainHead {
            seq: 0,
            hash: GENESIS_HASH.into(),
        };
        verify_chain(
            start,
            events.iter().map(|(s, t, h)| (*s, t.as_str(), h.as_str())),
        )
    }

    #[test]
    fn a_chain_verifies_and_its_edits_do_not() {
        let events = chain(4);
        assert_eq!(walk(&events).unwrap().seq, 4);

        let mut edited = events.clone();
        edited[1].1 = edited[1].1.replace("Payroll", "Payrol");
        assert_eq!(walk(&edited), Err(ChainBreak::Content { seq: 2 }));

        let mut deleted = events.clone();
        deleted.remove(1);
        assert_eq!(walk(&deleted), Err(ChainBreak::Link { seq: 3 }));

        let mut swapped = events.clone();
        swapped.swap(1, 2);
        assert!(matches!(walk(&swapped), Err(ChainBreak::Link { seq: 3 })));
    }

    #[test]
    fn the_line_says_who_did_what() {
        let (e, _) = event(
            &ChainHead {
                seq: 0,
                hash: GENESIS_HASH.into(),
            },
            AuditAction::ResetSecret,
        );
        assert!(
            e.line()
                .ends_with(" alice@ops-1 (tui) reset secret of Payroll sync"),
            "{}",
            e.line()
        );
    }

    #[test]
    fn a_head_reads_back() {
        let head = ChainHead {
            seq: 7,
            hash: GENESIS_HASH.replace('0', "a"),
        };
        assert_eq!(head.to_string().parse::<ChainHead>(), Ok(head));
        assert!("7:xyz".parse::<ChainHead>().is_err());
    }
}
