//! The UI's state: plain data, no I/O. `update` changes it, `view` draws it.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::catalog::Catalog;
use crate::model::{
    Access, AppOrder, Application, ClientId, Grant, ReadOnly, Region, ScopeId, SecretInfo,
    SecretReveal,
};

/// One region tab and what is known of its applications.
#[derive(Clone, Debug)]
pub struct RegionTab {
    pub region: Region,
    /// The tab label, e.g. `US`.
    pub name: String,
    /// Where it lives, e.g. `embedded` or a URL.
    pub location: String,
    /// Sorted by name, case-insensitively (the registry's order).
    pub apps: Vec<Application>,
    /// `false` until the first list call returned.
    pub loaded: bool,
    /// Where `t` gets a token: `local` (minted in-process on the data dir's
    /// key) or a token endpoint URL.
    pub token_via: String,
    /// The registry's fingerprint of `apps` when they were last listed by the
    /// quiet reload, to skip the list when nothing changed.
    pub fingerprint: Option<String>,
    /// Why the region only reads, if it does: every write key is refused.
    pub read_only: Option<ReadOnly>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

/// A one-line text field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Input {
    pub text: String,
}

impl Input {
    pub fn new(text: &str) -> Self {
        Input {
            text: text.to_owned(),
        }
    }
}

/// Scope access being edited: one row per catalog scope, in catalog order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeGrid {
    pub rows: Vec<GridRow>,
    pub cursor: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridRow {
    pub scope: ScopeId,
    pub offered: Vec<Access>,
    pub access: Access,
    /// What the application holds now, to tell what changed.
    pub original: Access,
}

impl ScopeGrid {
    pub fn new(catalog: &Catalog, app: Option<&Application>) -> Self {
        let rows = catalog
            .scopes()
            .map(|s| {
                let held = app.map_or(Access::None, |a| a.access_to(&s.id));
                GridRow {
                    scope: s.id.clone(),
                    offered: s.access.clone(),
                    access: held,
                    original: held,
                }
            })
            .collect();
        ScopeGrid { rows, cursor: 0 }
    }

    /// Steps the focused scope's access through the levels it offers.
    pub fn step(&mut self, forward: bool, wrap: bool) {
        let Some(row) = self.rows.get_mut(self.cursor) else {
            return;
        };
        let i = row
            .offered
            .iter()
            .position(|a| *a == row.access)
            .unwrap_or(0);
        let n = row.offered.len();
        let next = if forward {
            if i + 1 < n {
                i + 1
            } else if wrap {
                0
            } else {
                i
            }
        } else if i > 0 {
            i - 1
        } else {
            i
        };
        row.access = row.offered[next];
    }

    pub fn move_cursor(&mut self, delta: isize) {
        let max = self.rows.len().saturating_sub(1) as isize;
        self.cursor = (self.cursor as isize + delta).clamp(0, max) as usize;
    }

    /// The scopes whose access changed, `none` included so removals apply; the
    /// registry leaves every other scope as it is.
    pub fn changes(&self) -> Vec<Grant> {
        self.rows
            .iter()
            .filter(|r| r.access != r.original)
            .map(|r| Grant::new(r.scope.clone(), r.access))
            .collect()
    }

    pub fn grants(&self) -> Vec<Grant> {
        self.rows
            .iter()
            .filter(|r| r.access != Access::None)
            .map(|r| Grant::new(r.scope.clone(), r.access))
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddFocus {
    Name,
    Grid,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddForm {
    pub name: Input,
    pub grid: ScopeGrid,
    pub focus: AddFocus,
    /// Why the last Enter was refused.
    pub error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrowserFocus {
    Scopes,
    Apps,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Browser {
    /// The focused scope, an index into the catalog's scopes.
    pub scope: usize,
    /// The focused application among those holding the scope (list view), or
    /// the focused row of the matrix.
    pub app: usize,
    pub focus: BrowserFocus,
    pub matrix: bool,
    /// The first scope column the matrix shows, to scroll sideways.
    pub column: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Popup {
    Add(AddForm),
    Rename {
        id: ClientId,
        /// The name when the dialog opened, to tell a rename made elsewhere.
        name: String,
        input: Input,
        error: Option<String>,
    },
    Scopes {
        id: ClientId,
        name: String,
        grid: ScopeGrid,
    },
    /// `R`: rotate (the default), reset now, or cancel.
    NewSecret {
        id: ClientId,
        name: String,
        guard: Guard,
    },
    /// `x`: end the retiring secret now.
    RetireConfirm {
        id: ClientId,
        name: String,
        guard: Guard,
    },
    /// `z`: suspend the application (`suspend`), or resume it.
    SuspendConfirm {
        id: ClientId,
        name: String,
        suspend: bool,
        guard: Guard,
    },
    DeleteConfirm {
        id: ClientId,
        name: String,
        input: Input,
        error: Option<String>,
        guard: Guard,
    },
    /// Quitting would lose secrets made in this session that were neither
    /// shown nor copied: the names of their applications.
    QuitConfirm {
        names: Vec<String>,
        guard: Guard,
    },
    Help,
    Browser(Browser),
    Token(TokenPanel),
    Audit(AuditLog),
    /// `T`: the region's trash.
    Trash(TrashView),
    /// The command palette (`:`).
    Palette(Palette),
    /// `Y`: which format to copy the visible credentials in.
    CopyAs {
        id: ClientId,
        name: String,
    },
}

/// The trash of tab `region`: its applications once read, the chosen one,
/// and a restore or purge waiting for its `y`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrashView {
    pub region: usize,
    /// `None` while reading; `Err` with the reason it could not be read.
    pub apps: Option<Result<Vec<Application>, String>>,
    pub selected: usize,
    pub confirm: Option<TrashConfirm>,
}

/// A restore (`restore`) or a purge of the chosen application, asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrashConfirm {
    pub restore: bool,
    pub guard: Guard,
}

/// The command palette: the prompt, the chosen candidate, and why the last
/// Enter ran nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Palette {
    pub input: Input,
    /// Index into the prompt's candidates (`tui::palette::candidates`).
    pub selected: usize,
    pub error: Option<String>,
}

/// The audit log (`l`: the selected application's, `L`: the region's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLog {
    pub region: usize,
    /// `None`: the whole region's log.
    pub client_id: Option<ClientId>,
    /// What the title names: the application, or the region.
    pub about: String,
    /// Newest first; `None` while loading; `Err`: why it could not be read.
    pub events: Option<Result<Vec<crate::model::AuditEvent>, String>>,
    /// The first event shown.
    pub scroll: usize,
}

/// What every dangerous confirmation (a new secret, retire, delete, quit with
/// a fresh secret unseen) remembers so that a paste or a burst of keys never
/// confirms it: the input burst that opened it. Keys from that same burst
/// cancel it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Guard {
    pub opened_in: u64,
}

/// A secret made in this session, while its window is open: what tells that
/// it was replaced elsewhere, and whether the user has it yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fresh {
    pub region: usize,
    /// The application's `secret_issued_at` that came with it: a later one in
    /// a reload means the secret was reset elsewhere and this one is dead.
    /// What tells it from a registry that does not describe its secrets.
    pub issued_at: DateTime<Utc>,
    /// The new secret's own `secret_id` and `created_at`, when the registry
    /// describes its secrets: a reload whose current secret is another, newer
    /// one means it was rotated or reset elsewhere (a rotation does not move
    /// `secret_issued_at`).
    pub secret: Option<(String, DateTime<Utc>)>,
    /// The secrets the application had before this one (as this session
    /// knew them): a list taken before the change still shows one of them as
    /// current, which is no change made elsewhere.
    pub before: Vec<String>,
    /// Shown with `v` or copied with `y`: quitting no longer loses it.
    pub delivered: bool,
}

/// The token test (`t`): what was asked, and the answer once it came.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenPanel {
    pub id: ClientId,
    pub name: String,
    /// `local` or the token endpoint's URL.
    pub via: String,
    /// `None` while the request runs.
    pub result: Option<Result<TokenShown, TokenFailure>>,
}

/// A token that was issued, reduced to what is safe to show: the token itself
/// is never kept, only its first characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenShown {
    pub prefix: String,
    pub token_type: Option<String>,
    pub scope: Option<String>,
    /// Decoded claims in a fixed order (`iss`, `sub`, `aud`, `exp`, `iat`,
    /// `jti`, `scope`), values already made printable. Empty if not a JWT.
    pub claims: Vec<(String, String)>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Why no token came: the OAuth `error` and `error_description`, or what went
/// wrong before the endpoint answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenFailure {
    pub error: String,
    pub description: Option<String>,
}

/// The list filter: the query and whether keys currently go to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub query: String,
    pub editing: bool,
}

/// The list's cursor: which applications pass the filter, which one is
/// selected, and the first of the rows on screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListCursor {
    /// Indices into the active region's `apps` that pass the filter, in order.
    pub visible: Vec<usize>,
    /// Index into `visible`.
    pub selected: usize,
    /// The first visible row the list shows (kept so scrolling is stable).
    pub offset: usize,
}

impl ListCursor {
    /// Keeps the selection inside a window of `rows` rows, scrolling no more
    /// than needed.
    pub fn ensure_visible(&mut self, rows: usize) {
        let rows = rows.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
        self.offset = self.offset.min(self.visible.len().saturating_sub(rows));
    }

    /// Selects row `index`, clamped to the list, and scrolls to it; whether
    /// the selection moved.
    pub fn select(&mut self, index: isize, rows: usize) -> bool {
        let last = self.visible.len().saturating_sub(1) as isize;
        let new = index.clamp(0, last.max(0)) as usize;
        let moved = new != self.selected;
        self.selected = new;
        self.ensure_visible(rows);
        moved
    }

    /// Moves the selection `pages` windows of `rows` rows down (up when
    /// negative); whether it moved.
    pub fn page(&mut self, pages: isize, rows: usize) -> bool {
        let step = rows.max(1) as isize;
        self.select(self.selected as isize + pages * step, rows)
    }

    /// Back to the first row, scrolled to the top.
    pub fn top(&mut self) {
        self.selected = 0;
        self.offset = 0;
    }
}

pub struct State {
    pub regions: Vec<RegionTab>,
    pub active: usize,
    pub catalog: Arc<Catalog>,
    pub list: ListCursor,
    pub filter: Filter,
    /// The list's order (`o`); the filter keeps it for ties.
    pub order: AppOrder,
    /// Secrets still inside their window, by client ID. Dropping one wipes it.
    pub reveals: HashMap<ClientId, SecretReveal>,
    /// What is known of each secret in `reveals` that this session made.
    pub fresh: HashMap<ClientId, Fresh>,
    /// The applications whose secrets `y` is copying, oldest first: each is
    /// marked delivered once its copy succeeds.
    pub copying_secrets: VecDeque<ClientId>,
    /// Counts the terminal's input bursts (the events of one read): a key that
    /// comes on its own or first in a burst starts a new one.
    pub burst: u64,
    /// A burst whose remaining keys are dropped: it cancelled a dangerous
    /// confirmation it had opened.
    pub dropped_burst: Option<u64>,
    /// Whether the selected application's visible secret is unmasked (`v`).
    pub unmasked: bool,
    pub popup: Option<Popup>,
    /// The add or rename dialog as it was submitted, reopened if the call fails.
    pub retry: Option<Popup>,
    pub status: Option<Status>,
    /// Registry calls in flight; the spinner turns while this is above zero.
    pub pending: usize,
    pub spinner: usize,
    /// The clock, set by the event loop; `view` never reads the real clock.
    pub now: DateTime<Utc>,
    /// How long a new secret stays visible, for the gauge.
    pub window_secs: u64,
    /// How long a rotation lets the previous secret work (`rotation_grace`).
    pub rotation_grace: chrono::Duration,
    /// How many days a deleted application stays in the trash (`trash_days`).
    pub trash_days: u32,
    /// The local time zone's offset, set by the event loop with the clock:
    /// deadlines are shown in local time (`view` never reads the zone).
    pub utc_offset: chrono::FixedOffset,
    pub size: (u16, u16),
    pub no_color: bool,
    pub quit: bool,
    /// Set by `update` when the screen must be redrawn.
    pub dirty: bool,
    /// The last copy that will be cleared, for the status line's countdown.
    pub copied: Option<CopyNote>,
    /// A quiet reload is in flight: the next poll waits for it.
    pub refreshing: bool,
    /// The variable names of the environment-lines format (`[copy]`).
    pub copy_names: crate::config::CopySettings,
}

/// A copy whose clipboard clear is due at `clears_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyNote {
    /// `✓ Client secret sent to your terminal (OSC 52)`: the status text without the countdown.
    pub text: String,
    pub clears_at: DateTime<Utc>,
}

impl CopyNote {
    /// `✓ Client secret sent to your terminal (OSC 52) · clears in 0:42`.
    pub fn status(&self, now: DateTime<Utc>) -> String {
        let left = (self.clears_at - now).num_seconds().max(0).unsigned_abs();
        format!(
            "{} · clears in {}",
            self.text,
            crate::text::clock(left, false)
        )
    }
}

impl State {
    pub fn new(
        regions: Vec<RegionTab>,
        active: usize,
        catalog: Arc<Catalog>,
        now: DateTime<Utc>,
        window_secs: u64,
    ) -> Self {
        let mut s = State {
            regions,
            active,
            catalog,
            list: ListCursor::default(),
            filter: Filter::default(),
            order: AppOrder::Name,
            reveals: HashMap::new(),
            fresh: HashMap::new(),
            copying_secrets: VecDeque::new(),
            burst: 0,
            dropped_burst: None,
            unmasked: false,
            popup: None,
            retry: None,
            status: None,
            pending: 0,
            spinner: 0,
            now,
            window_secs,
            rotation_grace: crate::model::DEFAULT_ROTATION_GRACE,
            trash_days: crate::model::DEFAULT_TRASH_DAYS,
            utc_offset: chrono::Offset::fix(&Utc),
            size: (80, 24),
            no_color: false,
            quit: false,
            copied: None,
            refreshing: false,
            copy_names: crate::config::CopySettings::default(),
            dirty: true,
        };
        s.refilter(None);
        s
    }

    pub fn region(&self) -> Option<&RegionTab> {
        self.regions.get(self.active)
    }

    /// Why the active region only reads, if it does.
    pub fn read_only(&self) -> Option<ReadOnly> {
        self.region().and_then(|r| r.read_only)
    }

    pub fn apps(&self) -> &[Application] {
        self.region().map_or(&[], |r| r.apps.as_slice())
    }

    pub fn selected_app(&self) -> Option<&Application> {
        let i = *self.list.visible.get(self.list.selected)?;
        self.apps().get(i)
    }

    /// The selected application's secret, if its window is still open.
    pub fn reveal_of(&self, id: &ClientId) -> Option<&SecretReveal> {
        self.reveals.get(id).filter(|r| r.is_visible_at(self.now))
    }

    /// The names of applications whose secret, made in this session and
    /// still in its window, was neither shown nor copied: quitting loses it.
    pub fn undelivered(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .reveals
            .iter()
            .filter(|(id, r)| {
                r.is_visible_at(self.now) && self.fresh.get(*id).is_none_or(|f| !f.delivered)
            })
            .filter_map(|(id, _)| {
                self.regions
                    .iter()
                    .flat_map(|r| &r.apps)
                    .find(|a| &a.client_id == id)
                    .map(|a| a.client_name.to_string())
            })
            .collect();
        names.sort();
        names
    }

    /// Applications holding the catalog scope at `scope` (indices into
    /// `apps`), strongest access first.
    pub fn holders(&self, scope: usize) -> Vec<usize> {
        let Some(def) = self.catalog.scopes().nth(scope) else {
            return Vec::new();
        };
        let apps = self.apps();
        let mut out: Vec<usize> = apps
            .iter()
            .enumerate()
            .filter(|(_, a)| a.access_to(&def.id) != Access::None)
            .map(|(i, _)| i)
            .collect();
        out.sort_by_key(|&i| std::cmp::Reverse(apps[i].access_to(&def.id)));
        out
    }

    /// Whether the timer must run: a countdown is visible or a call is in flight.
    pub fn needs_tick(&self) -> bool {
        self.pending > 0
            || !self.reveals.is_empty()
            || self.copied.is_some()
            || matches!(self.popup, Some(Popup::Token(_)))
            || self
                .selected_app()
                .is_some_and(|a| self.retiring_of(a).is_some())
    }

    /// `app`'s retiring secret while it still works: once its deadline has
    /// passed it fails, whatever the last list said, so it is not shown.
    pub fn retiring_of<'a>(&self, app: &'a Application) -> Option<&'a SecretInfo> {
        app.retiring_secret()
            .filter(|s| s.expires_at.is_some_and(|until| until > self.now))
    }

    /// `at` in the local time zone: `2026-11-24 10:40`.
    pub fn local_time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.utc_offset)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// Recomputes `visible` from the filter, keeping `keep` selected if it is
    /// still there.
    pub fn refilter(&mut self, keep: Option<ClientId>) {
        let keep = keep.or_else(|| self.selected_app().map(|a| a.client_id.clone()));
        let apps = self.apps();
        self.list.visible = if self.filter.query.trim().is_empty() && self.order == AppOrder::Name {
            (0..apps.len()).collect()
        } else {
            super::filter::matching(
                apps,
                &self.filter.query,
                self.order,
                &self.catalog,
                self.now,
            )
        };
        self.list.selected = keep
            .and_then(|id| {
                self.list
                    .visible
                    .iter()
                    .position(|&i| self.apps()[i].client_id == id)
            })
            .unwrap_or(0)
            .min(self.list.visible.len().saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::ListCursor;

    fn cursor(len: usize) -> ListCursor {
        ListCursor {
            visible: (0..len).collect(),
            ..ListCursor::default()
        }
    }

    #[test]
    fn the_cursor_stays_in_the_list_and_its_window_follows() {
        let mut c = cursor(50);
        assert!(c.select(12, 10));
        assert_eq!((c.selected, c.offset), (12, 3), "scrolled just enough");
        assert!(!c.select(12, 10), "no move, no change");
        assert!(c.page(-1, 10));
        assert_eq!((c.selected, c.offset), (2, 2));
        c.page(9, 10);
        assert_eq!((c.selected, c.offset), (49, 40), "clamped at the end");
        c.select(-5, 10);
        assert_eq!((c.selected, c.offset), (0, 0));
        // A taller window never scrolls past the end of the list.
        c.offset = 45;
        c.ensure_visible(10);
        assert_eq!(c.offset, 0);
        c.select(49, 10);
        c.ensure_visible(20);
        assert_eq!(c.offset, 30);
        c.top();
        assert_eq!((c.selected, c.offset), (0, 0));
        let mut empty = cursor(0);
        assert!(!empty.page(1, 10));
        assert_eq!((empty.selected, empty.offset), (0, 0));
    }
}
