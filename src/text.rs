//! Making untrusted text safe to print: control characters become visible escapes,
//! so nothing a user or a file supplies can drive the terminal.

/// `s` with every control character written as `\u{..}`.
pub fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Invisible characters that reorder or hide text (bidi embeddings, overrides,
/// isolates and marks, the byte order mark): shown, they let text pretend to be
/// other text, so display drops them.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// `s` made safe for one line of a terminal: line and paragraph breaks and
/// tabs become spaces, other control characters visible `\u{..}` escapes, and
/// invisible bidi controls are dropped. The zero-width joiner goes too:
/// terminals disagree on how wide a joined emoji (👨‍👩‍👧) is, some drawing one
/// glyph and some three, which shifts every column after it; apart, each emoji
/// is two columns everywhere. Borrowed when nothing needs changing, which is
/// almost always.
pub fn one_line(s: &str) -> std::borrow::Cow<'_, str> {
    let needs = |c: char| {
        c.is_control()
            || is_invisible_format(c)
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200D}')
    };
    if !s.chars().any(needs) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if is_invisible_format(c) || c == '\u{200D}' => {}
            c if c.is_control() => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Like [`printable`], cut to at most `max` characters with `…` when longer.
pub fn printable_truncated(s: &str, max: usize) -> String {
    let p = printable(s);
    if p.chars().count() <= max {
        p
    } else {
        let mut cut: String = p.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// `url` with any user name and password (`http://user:pw@host`) replaced by
/// `***`, so credentials written into a URL are never echoed: every place that
/// shows a URL (errors included) shows it through this. Text that is not a
/// URL comes back unchanged.
pub fn redact_url(url: &str) -> std::borrow::Cow<'_, str> {
    let Some(scheme_end) = url.find("://") else {
        return std::borrow::Cow::Borrowed(url);
    };
    let authority_start = scheme_end + 3;
    let rest = &url[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_len].rfind('@') {
        None => std::borrow::Cow::Borrowed(url),
        Some(at) => std::borrow::Cow::Owned(format!(
            "{}***{}",
            &url[..authority_start],
            &url[authority_start + at..]
        )),
    }
}

/// Every URL inside `text` redacted as by [`redact_url`] (for messages from
/// libraries, which may quote a URL anywhere).
pub fn redact_urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        // The URL starts after the last separator before its scheme.
        let start = rest[..i]
            .rfind(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '(' | '<' | '`'))
            .map_or(0, |p| p + 1);
        let end = rest[i..]
            .find(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | ')' | '>' | '`'))
            .map_or(rest.len(), |p| i + p);
        out.push_str(&rest[..start]);
        out.push_str(&redact_url(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A countdown as a clock: `m:ss`, or `h:mm:ss` from an hour up. With
/// `two_digit_minutes`, `01:05`: for a countdown drawn beside a gauge or in a
/// column, whose text must not change width as it runs down. The one format
/// of every countdown (the secret's window, the clipboard clear, a token's
/// expiry), so they all read alike.
pub fn clock(secs: u64, two_digit_minutes: bool) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else if two_digit_minutes {
        format!("{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            redact_url("http://user:pw@host:8080/oauth2/token?x=1"),
            "http://***@host:8080/oauth2/token?x=1"
        );
        assert_eq!(redact_url("https://a@b@host/x@y"), "https://***@host/x@y");
        assert_eq!(redact_url("https://host/x@y"), "https://host/x@y");
        assert_eq!(redact_url("not a url"), "not a url");
        assert_eq!(
            redact_urls_in("cannot reach 'http://u:p@h/x' (see https://k:s@h2)"),
            "cannot reach 'http://***@h/x' (see https://***@h2)"
        );
    }

    #[test]
    fn clocks_count_minutes_then_hours() {
        assert_eq!(clock(42, false), "0:42");
        assert_eq!(clock(42, true), "00:42");
        assert_eq!(clock(900, true), "15:00");
        assert_eq!(clock(3599, false), "59:59");
        assert_eq!(clock(3600, true), "1:00:00");
        assert_eq!(clock(86_400, false), "24:00:00");
    }

    #[test]
    fn escapes_controls() {
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(printable_truncated("abcdef", 4), "abc…");
        assert_eq!(printable_truncated("abc", 4), "abc");
    }

    #[test]
    fn one_line_escapes_controls_and_drops_bidi() {
        assert!(matches!(
            one_line("plain 日本語 🔑"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(one_line("a\u{1b}]0;pwned\u{7}b"), "a\\u{1b}]0;pwned\\u{7}b");
        assert_eq!(one_line("two\nlines\tand tab"), "two lines and tab");
        assert_eq!(one_line("abc\u{202E}fed\u{2066}x\u{2069}"), "abcfedx");
        assert_eq!(one_line("c1\u{9b}31m"), "c1\\u{9b}31m");
        assert_eq!(one_line("👨\u{200D}👩\u{200D}👧 x"), "👨👩👧 x");
    }
}
