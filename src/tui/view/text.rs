//! Fitting text into columns by display width, so wide characters and emoji keep
//! the layout aligned.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `s` cut to at most `width` columns (with `…` when cut), then padded with
/// spaces to exactly `width` columns.
pub fn fit(s: &str, width: usize) -> String {
    let mut out = truncate(s, width);
    let w = out.width();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

/// `s` cut to at most `width` columns, ending in `…` when cut.
pub fn truncate(s: &str, width: usize) -> String {
    // Every width-aware helper goes through here: whatever text it gets, no
    // control character or bidi override reaches the screen.
    let s = &*crate::text::one_line(s);
    if s.width() <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw > width - 1 {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.push('…');
    out
}

/// `s` right-aligned in `width` columns.
pub fn right(s: &str, width: usize) -> String {
    let t = truncate(s, width);
    let pad = width.saturating_sub(t.width());
    format!("{}{t}", " ".repeat(pad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_count_double() {
        assert_eq!(fit("日本語", 7).width(), 7);
        assert_eq!(fit("日本語アプリ", 7), "日本語…");
        assert_eq!(fit("🔑 keys", 4).width(), 4);
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(right("ab", 4), "  ab");
    }
}
