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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls() {
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(printable_truncated("abcdef", 4), "abc…");
        assert_eq!(printable_truncated("abc", 4), "abc");
    }
}
