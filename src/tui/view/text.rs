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

/// `s` in lines of at most `width` columns, broken between words where it
/// can be, inside a word (a long path) where it must. `first` is the room on
/// the first line, which may differ from the rest.
pub fn wrap(s: &str, first: usize, width: usize) -> Vec<String> {
    let s = &*crate::text::one_line(s);
    let (first, width) = (first.max(1), width.max(1));
    let mut lines: Vec<String> = vec![String::new()];
    let room = |n: usize| if n == 1 { first } else { width };
    for word in s.split(' ') {
        let used = lines.last().map_or(0, |l| l.width());
        let gap = usize::from(used > 0);
        if used > 0 && used + gap + word.width() > room(lines.len()) {
            lines.push(String::new());
        } else if gap == 1
            && let Some(l) = lines.last_mut()
        {
            l.push(' ');
        }
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            let used = lines.last().map_or(0, |l| l.width());
            if used + cw > room(lines.len()) && used > 0 {
                lines.push(String::new());
            }
            if let Some(l) = lines.last_mut() {
                l.push(c);
            }
        }
    }
    lines
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

    #[test]
    fn wrap_breaks_between_words_and_inside_long_ones() {
        assert_eq!(wrap("one two three", 7, 7), ["one two", "three"]);
        assert_eq!(wrap("one two three", 3, 9), ["one", "two three"]);
        assert_eq!(wrap("abcdefghij", 4, 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("日本語 ab", 4, 4), ["日本", "語", "ab"]);
        assert_eq!(wrap("", 4, 4), [""]);
        for line in wrap("a /very/long/path/that/does/not/fit here", 10, 12) {
            assert!(line.width() <= 12, "{line}");
        }
    }
}
