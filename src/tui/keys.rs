//! Every key the UI answers to, in one table: which key, what it does
//! ([`Action`]), where it applies ([`Place`]: the main screen, the filter, or
//! a popup), how the footer names it and what `?` help says of it. Dispatch
//! (`update`), the footer and the help screen all read [`BINDINGS`], so a key
//! changes in one place; the tests below check that every action has a key
//! and every key a help text. Rebinding from the config would replace the
//! `keys` of some rows before the UI starts.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::state::{AddFocus, BrowserFocus, Popup, State};

/// Declares [`Action`] and [`Action::ALL`] together, so no action can be left
/// out of the list the tests go through.
macro_rules! actions {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// Everything a key can do.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action {
            $($(#[$doc])* $name,)*
        }

        impl Action {
            /// Every action, in declaration order.
            pub const ALL: &'static [Action] = &[$(Action::$name,)*];
        }
    };
}

actions! {
    /// Ctrl-C: quit from anywhere (asking first if a new secret is unseen;
    /// a second Ctrl-C then quits).
    ForceQuit,
    /// Quit, asking first if a new secret is unseen.
    Quit,
    /// Esc on the main screen: dismiss the status message, else clear the filter.
    Dismiss,
    NextRegion,
    PrevRegion,
    /// A digit: the region of that tab.
    GoToRegion,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Start typing a filter.
    Filter,
    Add,
    Rename,
    EditScopes,
    /// `R`: a new secret, rotated or reset (the dialog asks which).
    NewSecret,
    /// `x`: end the retiring secret now (asks first).
    Retire,
    /// `z`: suspend the application, or resume a suspended one (asks first).
    Suspend,
    Browse,
    Delete,
    CopyId,
    CopySecret,
    /// `Y`: the copy formats (environment lines, a curl command).
    CopyAs,
    /// In the copy formats: environment lines.
    CopyEnv,
    /// In the copy formats: a curl command with `-u id:secret`.
    CopyCurlBasic,
    /// In the copy formats: a curl command with the credentials in the body.
    CopyCurlForm,
    ShowSecret,
    TestToken,
    Reload,
    Help,
    /// Type the character into the focused text.
    Type,
    DeleteChar,
    ClearText,
    /// Enter in the filter: keep it and go back to the list.
    KeepFilter,
    /// Esc in the filter: clear it.
    ClearFilter,
    /// Tab in the add dialog: between the name and the scopes.
    SwitchFocus,
    /// Enter in the add, rename and scope dialogs.
    Save,
    /// Leave a dialog without doing anything.
    Cancel,
    /// `y`: the one answer that confirms retiring a secret or quitting.
    Yes,
    /// In the new-secret dialog: rotate, the default (Enter).
    Rotate,
    /// In the new-secret dialog: reset now, on a key of its own (`!`).
    ResetNow,
    /// Enter in the delete confirmation.
    ConfirmDelete,
    /// In the scope grid: less access, more access, round the levels.
    LessAccess,
    MoreAccess,
    CycleAccess,
    /// Close a panel (help, the token test, the scope browser).
    Close,
    /// `t` in the token panel: ask again.
    TestAgain,
    /// `m` in the scope browser: the matrix or the list.
    ToggleMatrix,
    /// The scope browser's list: between the scopes and their holders.
    SwitchPane,
    /// Enter on a scope: to its holders.
    OpenScope,
    /// Enter on an application in the browser: select it in the list.
    GoToApp,
    /// The matrix's columns.
    ScrollLeft,
    ScrollRight,
    /// `l`: the selected application's audit log.
    AppLog,
    /// `L`: the whole region's audit log.
    RegionLog,
    /// `T`: the region's trash.
    Trash,
    /// In the trash: bring the chosen application back (asks first).
    Restore,
    /// In the trash: remove the chosen application for good (asks first).
    Purge,
    /// `o`: the list's next order (name, created, updated, secret age, last used).
    CycleOrder,
    /// `:`: the command palette.
    Palette,
    /// Tab in the palette: complete the chosen candidate.
    Complete,
    /// Enter in the palette: run the chosen command.
    RunCommand,
}

impl Action {
    /// Whether the action changes applications (it opens a dialog that
    /// does). In a region that only reads (`--read-only`, `read_only` in the
    /// config, a remote admin client that only reads) the main screen
    /// refuses these, saying why, wherever they come from (a key, the
    /// palette, a click), and the footer leaves them out.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Action::Add
                | Action::Rename
                | Action::EditScopes
                | Action::NewSecret
                | Action::Retire
                | Action::Suspend
                | Action::Delete
                | Action::Restore
                | Action::Purge
        )
    }
}

/// Where a binding applies: each place has its own keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Before everything else, wherever the UI is.
    Anywhere,
    Main,
    /// While `/` edits the filter.
    Filter,
    AddName,
    AddGrid,
    Rename,
    Scopes,
    NewSecret,
    RetireConfirm,
    SuspendConfirm,
    DeleteConfirm,
    QuitConfirm,
    /// The copy formats (`Y`).
    CopyAs,
    Help,
    Token,
    BrowserScopes,
    BrowserApps,
    Matrix,
    /// The audit log popup.
    Audit,
    /// The trash (`T`), and its restore or purge confirmation.
    Trash,
    TrashConfirm,
    /// The command palette (`:`).
    Palette,
}

impl Place {
    /// Where keys go right now (not counting [`Place::Anywhere`]).
    pub fn of(state: &State) -> Place {
        match &state.popup {
            Some(Popup::Add(f)) => match f.focus {
                AddFocus::Name => Place::AddName,
                AddFocus::Grid => Place::AddGrid,
            },
            Some(Popup::Rename { .. }) => Place::Rename,
            Some(Popup::Scopes { .. }) => Place::Scopes,
            Some(Popup::NewSecret { .. }) => Place::NewSecret,
            Some(Popup::RetireConfirm { .. }) => Place::RetireConfirm,
            Some(Popup::SuspendConfirm { .. }) => Place::SuspendConfirm,
            Some(Popup::DeleteConfirm { .. }) => Place::DeleteConfirm,
            Some(Popup::QuitConfirm { .. }) => Place::QuitConfirm,
            Some(Popup::CopyAs { .. }) => Place::CopyAs,
            Some(Popup::Help) => Place::Help,
            Some(Popup::Token(_)) => Place::Token,
            Some(Popup::Audit(_)) => Place::Audit,
            Some(Popup::Trash(v)) if v.confirm.is_some() => Place::TrashConfirm,
            Some(Popup::Trash(_)) => Place::Trash,
            Some(Popup::Palette(_)) => Place::Palette,
            Some(Popup::Browser(b)) if b.matrix => Place::Matrix,
            Some(Popup::Browser(b)) => match b.focus {
                BrowserFocus::Scopes => Place::BrowserScopes,
                BrowserFocus::Apps => Place::BrowserApps,
            },
            None if state.filter.editing => Place::Filter,
            None => Place::Main,
        }
    }
}

/// Which key events a binding takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// This key, whatever the modifiers: Shift is how a terminal sends `R`
    /// or `?`, and Alt is split off before (see `update::on_key`).
    Key(KeyCode),
    /// This letter with Ctrl held.
    Ctrl(char),
    /// This key with no modifier but Shift: an answer that confirms.
    Plain(KeyCode),
    /// Any character typed without Ctrl: text for a field.
    Text,
    /// Any key at all: "any other key cancels".
    Any,
}

impl Pattern {
    pub fn matches(self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match self {
            Pattern::Key(code) => key.code == code,
            Pattern::Ctrl(c) => ctrl && key.code == KeyCode::Char(c),
            Pattern::Plain(code) => {
                key.code == code
                    && (key.modifiers.is_empty() || key.modifiers == KeyModifiers::SHIFT)
            }
            Pattern::Text => matches!(key.code, KeyCode::Char(_)) && !ctrl,
            Pattern::Any => true,
        }
    }
}

/// When a footer entry shows: only when its key would do something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Always,
    /// An application is selected.
    Selected,
    /// The selected application's secret is visible.
    SecretVisible,
    /// The selected application has a retiring secret that still works.
    Retiring,
    /// There is more than one region.
    Regions,
    /// The token panel has its answer.
    Answered,
}

/// How the footer shows a binding: `Enter save`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Footer {
    /// The keys as the footer writes them; may stand for several bindings
    /// (`↑↓` for up and down).
    pub keys: &'static str,
    pub what: &'static str,
    pub when: When,
    /// The order on the main screen's footer, most useful first (the table
    /// is in the help screen's order there); elsewhere, table order.
    pub rank: u8,
}

/// One row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding {
    pub place: Place,
    /// The keys that do it; the first is the one named.
    pub keys: &'static [Pattern],
    /// How the help screen writes the keys: `R`, `Shift-Tab`, `1..9`.
    pub label: &'static str,
    pub action: Action,
    pub footer: Option<Footer>,
    /// What it does, in a few words.
    pub help: &'static str,
    /// Whether the `?` screen lists it: the main screen's keys and Ctrl-C
    /// are listed; Esc on the main screen is said where it applies (beside
    /// an error, and when the filter hides everything).
    pub listed: bool,
}

const fn bind(
    place: Place,
    keys: &'static [Pattern],
    label: &'static str,
    action: Action,
    help: &'static str,
) -> Binding {
    Binding {
        place,
        keys,
        label,
        action,
        footer: None,
        help,
        listed: matches!(place, Place::Main | Place::Anywhere),
    }
}

impl Binding {
    /// Shown in the footer as `keys what`, in table order.
    const fn foot(mut self, keys: &'static str, what: &'static str) -> Self {
        self.footer = Some(Footer {
            keys,
            what,
            when: When::Always,
            rank: 0,
        });
        self
    }

    /// Shown in the main screen's footer at `rank`, when `when` holds.
    const fn main_foot(mut self, rank: u8, what: &'static str, when: When) -> Self {
        self.footer = Some(Footer {
            keys: self.label,
            what,
            when,
            rank,
        });
        self
    }

    const fn when(mut self, when: When) -> Self {
        if let Some(f) = &mut self.footer {
            f.when = when;
        }
        self
    }

    const fn unlisted(mut self) -> Self {
        self.listed = false;
        self
    }
}

use Action as A;
use KeyCode as K;
use Pattern::{Any, Ctrl, Key, Plain, Text};
use Place as P;

const UP: &[Pattern] = &[Key(K::Up), Key(K::Char('k'))];
const DOWN: &[Pattern] = &[Key(K::Down), Key(K::Char('j'))];
const LEFT: &[Pattern] = &[Key(K::Left), Key(K::Char('h'))];
const RIGHT: &[Pattern] = &[Key(K::Right), Key(K::Char('l'))];
const ESC: &[Pattern] = &[Key(K::Esc)];
const ENTER: &[Pattern] = &[Key(K::Enter)];
const TAB: &[Pattern] = &[Key(K::Tab), Key(K::BackTab)];
const TEXT: &[Pattern] = &[Text];
const BACKSPACE: &[Pattern] = &[Key(K::Backspace)];
const CTRL_U: &[Pattern] = &[Ctrl('u')];
const YES: &[Pattern] = &[Plain(K::Char('y')), Plain(K::Char('Y'))];
const ANY: &[Pattern] = &[Any];
const DIGITS: &[Pattern] = &[
    Key(K::Char('1')),
    Key(K::Char('2')),
    Key(K::Char('3')),
    Key(K::Char('4')),
    Key(K::Char('5')),
    Key(K::Char('6')),
    Key(K::Char('7')),
    Key(K::Char('8')),
    Key(K::Char('9')),
];

const MOVE_IN_LIST: &str = "move in the list (wheel scrolls, click selects)";
const SWITCH_REGION: &str = "switch region (or click a tab)";
const MOVE_IN_GRID: &str = "move between scopes";
const MOVE_IN_BROWSER: &str = "move";
/// One help row for the filter and the order.
const FIND: &str = "fuzzy filter (unused:90d, scope:ess:account); o sorts";
/// One help row for help and the palette.
const HELP: &str = "this help; : command palette (Tab lists commands)";
const AUDIT_LOG: &str = "audit log: l this app's, L the region's; T the trash";
/// One help row for the copy keys.
const COPY: &str = "copy: c ID; while visible y secret, Y env lines or curl";
/// One help row for delete and suspend.
const LIFECYCLE: &str = "d delete to the trash (type the name); z suspend/resume";

/// Every binding. Within a place, the first row whose keys match wins.
#[rustfmt::skip]
pub static BINDINGS: &[Binding] = &[
    bind(P::Anywhere, &[Ctrl('c')], "Ctrl-C", A::ForceQuit, "quit from anywhere (asks if a new secret is unseen)"),
    // The main screen, in the help screen's order.
    bind(P::Main, &[Key(K::Tab)], "Tab", A::NextRegion, SWITCH_REGION).main_foot(13, "region", When::Regions),
    bind(P::Main, &[Key(K::BackTab)], "Shift-Tab", A::PrevRegion, SWITCH_REGION),
    bind(P::Main, DIGITS, "1..9", A::GoToRegion, SWITCH_REGION),
    bind(P::Main, UP, "↑", A::Up, MOVE_IN_LIST),
    bind(P::Main, DOWN, "↓", A::Down, MOVE_IN_LIST),
    bind(P::Main, &[Key(K::PageUp)], "PgUp", A::PageUp, MOVE_IN_LIST),
    bind(P::Main, &[Key(K::PageDown)], "PgDn", A::PageDown, MOVE_IN_LIST),
    bind(P::Main, &[Key(K::Home)], "Home", A::Top, MOVE_IN_LIST),
    bind(P::Main, &[Key(K::End)], "End", A::Bottom, MOVE_IN_LIST),
    bind(P::Main, &[Key(K::Char('/'))], "/", A::Filter, FIND).main_foot(11, "filter", When::Always),
    bind(P::Main, &[Key(K::Char('o'))], "o", A::CycleOrder, FIND).main_foot(18, "sort", When::Always),
    bind(P::Main, &[Key(K::Char('a'))], "a", A::Add, "add an application").main_foot(1, "add", When::Always),
    bind(P::Main, &[Key(K::Char('e'))], "e", A::Rename, "rename").main_foot(2, "rename", When::Selected),
    bind(P::Main, &[Key(K::Char('s'))], "s", A::EditScopes, "scope editor: ←→ or Space change access").main_foot(3, "scopes", When::Selected),
    bind(P::Main, &[Key(K::Char('R'))], "R", A::NewSecret, "new secret: rotate, or reset if it leaked (asks)").main_foot(7, "new secret", When::Selected),
    bind(P::Main, &[Key(K::Char('x'))], "x", A::Retire, "retire the old secret now (asks; only y confirms)").main_foot(7, "retire", When::Retiring),
    bind(P::Main, &[Key(K::Char('S'))], "S", A::Browse, "scope browser; m switches to the matrix").main_foot(10, "browse scopes", When::Always),
    bind(P::Main, &[Key(K::Char('d'))], "d", A::Delete, LIFECYCLE).main_foot(8, "delete", When::Selected),
    bind(P::Main, &[Key(K::Char('z'))], "z", A::Suspend, LIFECYCLE),
    bind(P::Main, &[Key(K::Char('c'))], "c", A::CopyId, COPY).main_foot(9, "copy ID", When::Selected),
    bind(P::Main, &[Key(K::Char('y'))], "y", A::CopySecret, COPY).main_foot(5, "copy", When::SecretVisible),
    bind(P::Main, &[Key(K::Char('Y'))], "Y", A::CopyAs, COPY).main_foot(15, "copy as", When::SecretVisible),
    bind(P::Main, &[Key(K::Char('v'))], "v", A::ShowSecret, "show or mask the visible secret").main_foot(4, "show", When::SecretVisible),
    bind(P::Main, &[Key(K::Char('t'))], "t", A::TestToken, "test: get a token with the visible secret").main_foot(6, "token", When::SecretVisible),
    bind(P::Main, &[Key(K::Char('r'))], "r", A::Reload, "reload (others' changes also show within 10 s)").main_foot(12, "reload", When::Always),
    bind(P::Main, &[Key(K::Char('l'))], "l", A::AppLog, AUDIT_LOG).main_foot(8, "log", When::Selected),
    bind(P::Main, &[Key(K::Char('L'))], "L", A::RegionLog, AUDIT_LOG).main_foot(16, "region log", When::Always),
    bind(P::Main, &[Key(K::Char('T'))], "T", A::Trash, AUDIT_LOG),
    bind(P::Main, &[Key(K::Char('?'))], "?", A::Help, HELP),
    bind(P::Main, &[Key(K::Char(':'))], ":", A::Palette, HELP).main_foot(17, "commands", When::Always),
    bind(P::Main, &[Key(K::Char('q'))], "q", A::Quit, "quit, or close the open dialog").main_foot(14, "quit", When::Always),
    bind(P::Main, ESC, "Esc", A::Dismiss, "dismiss the message, or clear the filter").unlisted(),
    // The filter.
    bind(P::Filter, TEXT, "type", A::Type, "narrow the list").foot("type", "filter"),
    bind(P::Filter, ENTER, "Enter", A::KeepFilter, "keep the filter, back to the list").foot("Enter", "keep"),
    bind(P::Filter, ESC, "Esc", A::ClearFilter, "clear the filter").foot("Esc", "clear"),
    bind(P::Filter, BACKSPACE, "Backspace", A::DeleteChar, "delete the last character"),
    bind(P::Filter, &[Key(K::Up)], "↑", A::Up, "move in the list"),
    bind(P::Filter, &[Key(K::Down)], "↓", A::Down, "move in the list"),
    // The add dialog, on the name.
    bind(P::AddName, TEXT, "type", A::Type, "type the name").foot("type", "name"),
    bind(P::AddName, BACKSPACE, "Backspace", A::DeleteChar, "delete the last character"),
    bind(P::AddName, CTRL_U, "Ctrl-U", A::ClearText, "clear the name"),
    bind(P::AddName, TAB, "Tab", A::SwitchFocus, "to the scopes").foot("Tab", "scopes"),
    bind(P::AddName, ENTER, "Enter", A::Save, "add the application").foot("Enter", "save"),
    bind(P::AddName, ESC, "Esc", A::Cancel, "cancel").foot("Esc", "cancel"),
    // The add dialog, on the scopes.
    bind(P::AddGrid, UP, "↑", A::Up, MOVE_IN_GRID).foot("↑↓", "scope"),
    bind(P::AddGrid, DOWN, "↓", A::Down, MOVE_IN_GRID),
    bind(P::AddGrid, &[Key(K::PageUp)], "PgUp", A::PageUp, MOVE_IN_GRID),
    bind(P::AddGrid, &[Key(K::PageDown)], "PgDn", A::PageDown, MOVE_IN_GRID),
    bind(P::AddGrid, &[Key(K::Home)], "Home", A::Top, MOVE_IN_GRID),
    bind(P::AddGrid, &[Key(K::End)], "End", A::Bottom, MOVE_IN_GRID),
    bind(P::AddGrid, LEFT, "←", A::LessAccess, "less access").foot("←→/Space", "access"),
    bind(P::AddGrid, RIGHT, "→", A::MoreAccess, "more access"),
    bind(P::AddGrid, &[Key(K::Char(' '))], "Space", A::CycleAccess, "the next access level, round"),
    bind(P::AddGrid, TAB, "Tab", A::SwitchFocus, "to the name").foot("Tab", "name"),
    bind(P::AddGrid, ENTER, "Enter", A::Save, "add the application").foot("Enter", "save"),
    bind(P::AddGrid, &[Key(K::Esc), Key(K::Char('q'))], "Esc", A::Cancel, "cancel").foot("Esc", "cancel"),
    // The rename dialog.
    bind(P::Rename, TEXT, "type", A::Type, "type the new name").foot("type", "new name"),
    bind(P::Rename, BACKSPACE, "Backspace", A::DeleteChar, "delete the last character"),
    bind(P::Rename, CTRL_U, "Ctrl-U", A::ClearText, "clear the name").foot("Ctrl-U", "clear"),
    bind(P::Rename, ENTER, "Enter", A::Save, "rename").foot("Enter", "save"),
    bind(P::Rename, ESC, "Esc", A::Cancel, "cancel").foot("Esc", "cancel"),
    // The scope editor.
    bind(P::Scopes, UP, "↑", A::Up, MOVE_IN_GRID).foot("↑↓", "scope"),
    bind(P::Scopes, DOWN, "↓", A::Down, MOVE_IN_GRID),
    bind(P::Scopes, &[Key(K::PageUp)], "PgUp", A::PageUp, MOVE_IN_GRID),
    bind(P::Scopes, &[Key(K::PageDown)], "PgDn", A::PageDown, MOVE_IN_GRID),
    bind(P::Scopes, &[Key(K::Home)], "Home", A::Top, MOVE_IN_GRID),
    bind(P::Scopes, &[Key(K::End)], "End", A::Bottom, MOVE_IN_GRID),
    bind(P::Scopes, LEFT, "←", A::LessAccess, "less access").foot("←→/Space", "access"),
    bind(P::Scopes, RIGHT, "→", A::MoreAccess, "more access"),
    bind(P::Scopes, &[Key(K::Char(' '))], "Space", A::CycleAccess, "the next access level, round"),
    bind(P::Scopes, ENTER, "Enter", A::Save, "save the changes").foot("Enter", "save"),
    bind(P::Scopes, &[Key(K::Esc), Key(K::Char('q'))], "Esc", A::Cancel, "discard the changes").foot("Esc", "discard"),
    // The new-secret dialog: Enter takes the safe default, a reset needs its
    // own key, and every other key (y included: it once confirmed a reset)
    // cancels.
    bind(P::NewSecret, &[Plain(K::Enter), Plain(K::Char('r'))], "Enter", A::Rotate, "rotate: the old secret keeps working a while").foot("Enter", "rotate"),
    bind(P::NewSecret, &[Plain(K::Char('!'))], "!", A::ResetNow, "reset now: the old secret stops at once").foot("!", "reset now"),
    bind(P::NewSecret, ANY, "any other key", A::Cancel, "cancel: the secret stays").foot("any other key", "cancels"),
    // The retire confirmation.
    bind(P::RetireConfirm, YES, "y", A::Yes, "retire the old secret now").foot("y", "retire"),
    bind(P::RetireConfirm, ANY, "any other key", A::Cancel, "cancel: the old secret keeps working").foot("any other key", "cancels"),
    // The suspend (or resume) confirmation.
    bind(P::SuspendConfirm, YES, "y", A::Yes, "suspend (or resume) the application").foot("y", "confirm"),
    bind(P::SuspendConfirm, ANY, "any other key", A::Cancel, "cancel: nothing changes").foot("any other key", "cancels"),
    // The delete confirmation.
    bind(P::DeleteConfirm, TEXT, "type", A::Type, "type the name to confirm").foot("type", "the name"),
    bind(P::DeleteConfirm, BACKSPACE, "Backspace", A::DeleteChar, "delete the last character"),
    bind(P::DeleteConfirm, CTRL_U, "Ctrl-U", A::ClearText, "clear the name"),
    bind(P::DeleteConfirm, ENTER, "Enter", A::ConfirmDelete, "delete, once the name is right").foot("Enter", "delete"),
    bind(P::DeleteConfirm, ESC, "Esc", A::Cancel, "cancel").foot("Esc", "cancel"),
    bind(P::DeleteConfirm, ANY, "any other key", A::Cancel, "cancel"),
    // The quit confirmation.
    bind(P::QuitConfirm, YES, "y", A::Yes, "quit, losing the new secret").foot("y", "quit"),
    bind(P::QuitConfirm, ANY, "any other key", A::Cancel, "stay").foot("any other key", "stays"),
    // The copy formats.
    bind(P::CopyAs, &[Plain(K::Char('e'))], "e", A::CopyEnv, "environment lines").foot("e", "env lines"),
    bind(P::CopyAs, &[Plain(K::Char('u'))], "u", A::CopyCurlBasic, "curl, -u id:secret (HTTP Basic)").foot("u", "curl -u"),
    bind(P::CopyAs, &[Plain(K::Char('f'))], "f", A::CopyCurlForm, "curl, the credentials in the form body").foot("f", "curl form"),
    bind(P::CopyAs, ANY, "any other key", A::Cancel, "cancel: nothing is copied").foot("any other key", "cancels"),
    // Help.
    bind(P::Help, &[Key(K::Esc), Key(K::Char('q')), Key(K::Char('?')), Key(K::Enter)], "Esc/q", A::Close, "close help").foot("Esc/q", "close"),
    // The token panel.
    bind(P::Token, &[Key(K::Char('t'))], "t", A::TestAgain, "ask for a token again").foot("t", "again").when(When::Answered),
    bind(P::Token, &[Key(K::Esc), Key(K::Char('q')), Key(K::Enter)], "Esc/q", A::Close, "close the panel").foot("Esc/q", "close"),
    // The scope browser, on the scopes.
    bind(P::BrowserScopes, &[Key(K::Up), Key(K::Char('k'))], "↑", A::Up, MOVE_IN_BROWSER).foot("↑↓", "scope"),
    bind(P::BrowserScopes, DOWN, "↓", A::Down, MOVE_IN_BROWSER),
    bind(P::BrowserScopes, &[Key(K::Home)], "Home", A::Top, MOVE_IN_BROWSER),
    bind(P::BrowserScopes, &[Key(K::End)], "End", A::Bottom, MOVE_IN_BROWSER),
    bind(P::BrowserScopes, &[Key(K::Tab), Key(K::BackTab), Key(K::Right), Key(K::Left)], "Tab", A::SwitchPane, "to the scope's holders").foot("Tab/→", "holders"),
    bind(P::BrowserScopes, ENTER, "Enter", A::OpenScope, "to the scope's holders"),
    bind(P::BrowserScopes, &[Key(K::Char('m'))], "m", A::ToggleMatrix, "the matrix").foot("m", "matrix"),
    bind(P::BrowserScopes, &[Key(K::Esc), Key(K::Char('q')), Key(K::Char('S'))], "Esc", A::Close, "close the browser").foot("Esc", "close"),
    // The scope browser, on the holders.
    bind(P::BrowserApps, UP, "↑", A::Up, MOVE_IN_BROWSER).foot("↑↓", "app"),
    bind(P::BrowserApps, DOWN, "↓", A::Down, MOVE_IN_BROWSER),
    bind(P::BrowserApps, &[Key(K::Home)], "Home", A::Top, MOVE_IN_BROWSER),
    bind(P::BrowserApps, &[Key(K::End)], "End", A::Bottom, MOVE_IN_BROWSER),
    bind(P::BrowserApps, ENTER, "Enter", A::GoToApp, "select the application in the list").foot("Enter", "go to app"),
    bind(P::BrowserApps, &[Key(K::Tab), Key(K::BackTab), Key(K::Left), Key(K::Right)], "Tab", A::SwitchPane, "back to the scopes").foot("Tab/←", "scopes"),
    bind(P::BrowserApps, &[Key(K::Char('m'))], "m", A::ToggleMatrix, "the matrix").foot("m", "matrix"),
    bind(P::BrowserApps, &[Key(K::Esc), Key(K::Char('q')), Key(K::Char('S'))], "Esc", A::Close, "close the browser").foot("Esc", "close"),
    // The matrix.
    bind(P::Matrix, UP, "↑", A::Up, MOVE_IN_BROWSER).foot("↑↓←→", "move"),
    bind(P::Matrix, DOWN, "↓", A::Down, MOVE_IN_BROWSER),
    bind(P::Matrix, &[Key(K::PageUp)], "PgUp", A::PageUp, MOVE_IN_BROWSER),
    bind(P::Matrix, &[Key(K::PageDown)], "PgDn", A::PageDown, MOVE_IN_BROWSER),
    bind(P::Matrix, &[Key(K::Home)], "Home", A::Top, MOVE_IN_BROWSER),
    bind(P::Matrix, &[Key(K::End)], "End", A::Bottom, MOVE_IN_BROWSER),
    bind(P::Matrix, LEFT, "←", A::ScrollLeft, "the scope column to the left"),
    bind(P::Matrix, RIGHT, "→", A::ScrollRight, "the scope column to the right"),
    bind(P::Matrix, ENTER, "Enter", A::GoToApp, "select the application in the list").foot("Enter", "go to app"),
    bind(P::Matrix, &[Key(K::Char('m'))], "m", A::ToggleMatrix, "back to the list").foot("m", "list"),
    bind(P::Matrix, &[Key(K::Esc), Key(K::Char('q')), Key(K::Char('S'))], "Esc", A::Close, "close the browser").foot("Esc", "close"),
    // The audit log.
    bind(P::Audit, UP, "↑", A::Up, "scroll").foot("↑↓/PgUp/PgDn", "scroll"),
    bind(P::Audit, DOWN, "↓", A::Down, "scroll"),
    bind(P::Audit, &[Key(K::PageUp)], "PgUp", A::PageUp, "scroll a page"),
    bind(P::Audit, &[Key(K::PageDown)], "PgDn", A::PageDown, "scroll a page"),
    bind(P::Audit, &[Key(K::Home)], "Home", A::Top, "the newest event"),
    bind(P::Audit, &[Key(K::End)], "End", A::Bottom, "the oldest event shown"),
    bind(P::Audit, &[Key(K::Char('r'))], "r", A::Reload, "read the log again").foot("r", "reload"),
    bind(P::Audit, &[Key(K::Esc), Key(K::Char('q')), Key(K::Char('l')), Key(K::Char('L'))], "Esc/q", A::Close, "close the log").foot("Esc/q", "close"),
    // The trash.
    bind(P::Trash, UP, "↑", A::Up, "move").foot("↑↓", "move"),
    bind(P::Trash, DOWN, "↓", A::Down, "move"),
    bind(P::Trash, &[Key(K::Char('u'))], "u", A::Restore, "restore, its secret unchanged (asks)").foot("u", "restore"),
    bind(P::Trash, &[Key(K::Char('P'))], "P", A::Purge, "purge for good (asks; only y confirms)").foot("P", "purge"),
    bind(P::Trash, &[Key(K::Char('r'))], "r", A::Reload, "read the trash again").foot("r", "reload"),
    bind(P::Trash, &[Key(K::Esc), Key(K::Char('q')), Key(K::Char('T'))], "Esc/q", A::Close, "close the trash").foot("Esc/q", "close"),
    bind(P::TrashConfirm, YES, "y", A::Yes, "restore or purge the chosen application").foot("y", "confirm"),
    bind(P::TrashConfirm, ANY, "any other key", A::Cancel, "cancel: nothing changes").foot("any other key", "cancels"),
    // The command palette.
    bind(P::Palette, TEXT, "type", A::Type, "a command or an application's name").foot("type", "command"),
    bind(P::Palette, BACKSPACE, "Backspace", A::DeleteChar, "delete the last character"),
    bind(P::Palette, CTRL_U, "Ctrl-U", A::ClearText, "clear the prompt"),
    bind(P::Palette, TAB, "Tab", A::Complete, "complete the chosen candidate").foot("Tab", "complete"),
    bind(P::Palette, &[Key(K::Up)], "↑", A::Up, "choose a candidate").foot("↑↓", "choose"),
    bind(P::Palette, &[Key(K::Down)], "↓", A::Down, "choose a candidate"),
    bind(P::Palette, ENTER, "Enter", A::RunCommand, "run the chosen command").foot("Enter", "run"),
    bind(P::Palette, ESC, "Esc", A::Cancel, "close the palette").foot("Esc", "close"),
];

/// What `key` does at `place`: the first binding there that takes it.
pub fn action(place: Place, key: KeyEvent) -> Option<Action> {
    BINDINGS
        .iter()
        .filter(|b| b.place == place)
        .find(|b| b.keys.iter().any(|p| p.matches(key)))
        .map(|b| b.action)
}

/// How the main screen names the key of `action` (`c`, `R`), for hints in
/// the details pane and the status line.
pub fn key_of(action: Action) -> &'static str {
    BINDINGS
        .iter()
        .find(|b| b.place == Place::Main && b.action == action)
        .map_or("", |b| b.label)
}

/// How the table names the key of `action` at `place` (`Enter`, `!`), for
/// hints about a dialog's keys.
pub fn label_in(place: Place, action: Action) -> &'static str {
    BINDINGS
        .iter()
        .find(|b| b.place == place && b.action == action)
        .map_or("", |b| b.label)
}

/// Whether a footer entry's condition holds.
fn holds(state: &State, when: When) -> bool {
    match when {
        When::Always => true,
        When::Selected => state.selected_app().is_some(),
        When::SecretVisible => state
            .selected_app()
            .is_some_and(|a| state.reveal_of(&a.client_id).is_some()),
        When::Retiring => state
            .selected_app()
            .is_some_and(|a| state.retiring_of(a).is_some()),
        When::Regions => state.regions.len() > 1,
        When::Answered => matches!(&state.popup, Some(Popup::Token(p)) if p.result.is_some()),
    }
}

/// The footer: the keys that do something right now, most useful first.
pub fn footer(state: &State) -> Vec<(&'static str, &'static str)> {
    let place = Place::of(state);
    let read_only = state.read_only().is_some();
    let mut shown: Vec<Footer> = BINDINGS
        .iter()
        .filter(|b| b.place == place)
        .filter(|b| !(read_only && b.action.writes()))
        .filter_map(|b| b.footer)
        .filter(|f| holds(state, f.when))
        .collect();
    // Stable: ties (every rank 0 outside the main screen) keep table order.
    shown.sort_by_key(|f| f.rank);
    shown.into_iter().map(|f| (f.keys, f.what)).collect()
}

/// The help screen's rows: the listed keys, with the keys of neighbouring
/// bindings that do the same joined in one row (`Tab Shift-Tab 1..9`).
pub fn help_rows() -> Vec<(String, &'static str)> {
    let listed = |place| {
        BINDINGS
            .iter()
            .filter(move |b| b.listed && b.place == place)
    };
    let mut rows: Vec<(String, &'static str)> = Vec::new();
    // The main screen's keys, then those that work anywhere.
    for b in listed(Place::Main).chain(listed(Place::Anywhere)) {
        match rows.last_mut() {
            Some((keys, help)) if *help == b.help => {
                keys.push(' ');
                keys.push_str(b.label);
            }
            _ => rows.push((b.label.to_owned(), b.help)),
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_key_and_every_key_a_help_text() {
        for action in Action::ALL {
            assert!(
                BINDINGS.iter().any(|b| b.action == *action),
                "{action:?} has no key"
            );
        }
        for b in BINDINGS {
            assert!(
                !b.help.trim().is_empty() && !b.label.trim().is_empty() && !b.keys.is_empty(),
                "{:?} at {:?} has no help text, label or key",
                b.action,
                b.place
            );
        }
    }

    #[test]
    fn the_actions_that_write_are_the_dialogs_that_change_applications() {
        let writes: Vec<Action> = Action::ALL.iter().copied().filter(|a| a.writes()).collect();
        assert_eq!(
            writes,
            [
                Action::Add,
                Action::Rename,
                Action::EditScopes,
                Action::NewSecret,
                Action::Retire,
                Action::Suspend,
                Action::Delete,
                Action::Restore,
                Action::Purge
            ]
        );
        // Every palette command that runs a key runs one the check sees.
        for c in crate::tui::palette::COMMANDS {
            if let crate::tui::palette::Run::Key(a) = c.run
                && matches!(
                    c.name,
                    "add" | "rotate" | "reset" | "scopes" | "suspend" | "resume"
                )
            {
                assert!(
                    a.writes(),
                    ":{} must be refused in a read-only region",
                    c.name
                );
            }
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_one_place() {
        // `Any` and `Text` catch what the rows before them leave, so only
        // exact keys are compared.
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                if a.place != b.place {
                    continue;
                }
                for p in a.keys {
                    if matches!(p, Pattern::Any | Pattern::Text) {
                        continue;
                    }
                    assert!(
                        !b.keys.contains(p),
                        "{p:?} is bound to {:?} and {:?} at {:?}",
                        a.action,
                        b.action,
                        a.place
                    );
                }
            }
        }
    }

    #[test]
    fn dispatch_footer_and_help_read_the_same_rows() {
        let k = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let shifted = KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT);
        assert_eq!(action(Place::Main, shifted), Some(Action::NewSecret));
        assert_eq!(action(Place::Main, k('7')), Some(Action::GoToRegion));
        assert_eq!(action(Place::AddName, k('q')), Some(Action::Type));
        assert_eq!(action(Place::AddGrid, k('q')), Some(Action::Cancel));
        let ctrl_y = KeyEvent::new(KeyCode::Char('y'), KeyModifiers::CONTROL);
        assert_eq!(action(Place::RetireConfirm, ctrl_y), Some(Action::Cancel));
        assert_eq!(action(Place::NewSecret, k('y')), Some(Action::Cancel));
        assert_eq!(action(Place::NewSecret, k('R')), Some(Action::Cancel));
        let bang = KeyEvent::new(KeyCode::Char('!'), KeyModifiers::SHIFT);
        assert_eq!(action(Place::NewSecret, bang), Some(Action::ResetNow));
        let ctrl_enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::CONTROL);
        assert_eq!(action(Place::NewSecret, ctrl_enter), Some(Action::Cancel));
        assert_eq!(action(Place::Main, k('Z')), None);
        assert_eq!(key_of(Action::CopyId), "c");
        assert_eq!(label_in(Place::NewSecret, Action::ResetNow), "!");

        let rows = help_rows();
        assert_eq!(rows[0], ("Tab Shift-Tab 1..9".to_owned(), SWITCH_REGION));
        assert_eq!(rows[1].0, "↑ ↓ PgUp PgDn Home End");
        assert_eq!(rows.len(), 18);
        assert!(rows.iter().any(|r| r.0 == "l L T"), "{rows:?}");
        assert!(rows.iter().any(|r| r.0 == "/ o"), "{rows:?}");
        assert!(rows.iter().any(|r| r.0 == "? :"), "{rows:?}");
        assert!(rows.iter().any(|r| r.0 == "c y Y"), "{rows:?}");
        assert_eq!(rows.last().map(|r| r.0.as_str()), Some("Ctrl-C"));
    }
}
