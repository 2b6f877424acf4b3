//! Draws a ratatui [`Buffer`] as an SVG picture of a terminal, for the
//! README's screenshots (`screenshots.rs`): the pictures come from the same
//! `view` the terminal gets, with no browser and no terminal emulator.
//!
//! The grid is fixed (`CELL_W` x `CELL_H` pixels a cell) and every run of
//! text carries `textLength`, so columns line up whatever monospace font the
//! viewer has. Box-drawing lines and full blocks are drawn as shapes rather
//! than glyphs: fonts leave gaps between `│` rows, and a frame with gaps
//! reads badly. Output is deterministic (same buffer, same bytes), which is
//! what lets a test compare the committed pictures with the UI.

use std::fmt::Write as _;

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr as _;

/// One cell's width and height in pixels; the font size fits them (a
/// monospace advance is about 0.6 em).
const CELL_W: u32 = 9;
const CELL_H: u32 = 19;
const FONT_SIZE: u32 = 15;
/// From a row's top to the text's baseline.
const BASELINE: u32 = 14;
/// Space between the window's edge and the grid.
const PAD: u32 = 14;
/// The window's title bar, when there is a title.
const TITLE_BAR: u32 = 30;

const TERMINAL_BG: &str = "#1b1f27";
const TERMINAL_FG: &str = "#d4d7dd";
const FONT: &str = "ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";

/// The 16 ANSI colours, in ratatui's order (Black … White): a dark theme's,
/// readable on `TERMINAL_BG`.
const ANSI: [&str; 16] = [
    "#3b4048", "#e06c75", "#98c379", "#e5c07b", "#61afef", "#c678dd", "#56b6c2", "#abb2bf",
    "#7f848e", "#ef8891", "#b5e08d", "#f0d197", "#8cc8ff", "#d99ee8", "#7fd0da", "#ffffff",
];

/// The whole picture: a dark rounded window, a title bar when `title` is
/// given (also the picture's accessible name), and the buffer's cells.
pub fn buffer_to_svg(buf: &Buffer, title: Option<&str>) -> String {
    let area = buf.area;
    let top = PAD + title.map_or(0, |_| TITLE_BAR);
    let width = u32::from(area.width) * CELL_W + 2 * PAD;
    let height = u32::from(area.height) * CELL_H + top + PAD;
    let mut out = String::new();
    // xml:space as well as white-space: rsvg and older viewers know only it.
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xml:space=\"preserve\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"{FONT}\" font-size=\"{FONT_SIZE}\">"
    );
    let _ = writeln!(
        out,
        "<style>text{{white-space:pre}} .b{{font-weight:bold}} .i{{font-style:italic}} \
         .u{{text-decoration:underline}} .s{{text-decoration:line-through}} .d{{opacity:0.6}}</style>"
    );
    if let Some(title) = title {
        let _ = writeln!(out, "<title>{}</title>", escape(title));
    }
    let _ = writeln!(
        out,
        "<rect width=\"{width}\" height=\"{height}\" rx=\"10\" fill=\"{TERMINAL_BG}\"/>"
    );
    if let Some(title) = title {
        window_title(&mut out, title, width);
    }
    let _ = writeln!(out, "<g transform=\"translate({PAD} {top})\">");
    for y in 0..area.height {
        let cells = row(buf, y);
        backgrounds(&mut out, &cells, y);
        texts(&mut out, &cells, y);
    }
    lines(&mut out, buf);
    out.push_str("</g>\n</svg>\n");
    out
}

/// Three dots and the title, centred, like a terminal window's title bar.
fn window_title(out: &mut String, title: &str, width: u32) {
    for (i, colour) in ["#ff5f57", "#febc2e", "#28c840"].iter().enumerate() {
        let cx = PAD + 6 + 20 * i as u32;
        let _ = writeln!(
            out,
            "<circle cx=\"{cx}\" cy=\"{}\" r=\"6\" fill=\"{colour}\"/>",
            PAD + 2
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\" font-size=\"13\">{}</text>",
        width / 2,
        PAD + 7,
        ANSI[8],
        escape(title)
    );
}

/// One cell as drawn: its text, its colours after `REVERSED`, the modifiers
/// that change text, and how many columns it takes.
#[derive(Clone, Debug, PartialEq)]
struct Drawn {
    x: u16,
    symbol: String,
    width: u16,
    fg: String,
    bg: Option<String>,
    class: String,
    hidden: bool,
}

/// A row's cells, leaving out those a wide character to their left covers.
fn row(buf: &Buffer, y: u16) -> Vec<Drawn> {
    let area = buf.area;
    let mut out = Vec::new();
    let mut x = 0;
    while x < area.width {
        let cell = &buf[(area.x + x, area.y + y)];
        let drawn = drawn(cell, x);
        x += drawn.width;
        out.push(drawn);
    }
    out
}

fn drawn(cell: &Cell, x: u16) -> Drawn {
    let symbol = cell.symbol();
    let width = (symbol.width() as u16).max(1);
    let (mut fg, mut bg) = (colour(cell.fg), colour(cell.bg));
    if cell.modifier.contains(Modifier::REVERSED) {
        let shown_bg = fg.take().unwrap_or_else(|| TERMINAL_FG.to_owned());
        fg = Some(bg.take().unwrap_or_else(|| TERMINAL_BG.to_owned()));
        bg = Some(shown_bg);
    }
    let m = cell.modifier;
    let class: Vec<&str> = [
        (Modifier::BOLD, "b"),
        (Modifier::ITALIC, "i"),
        (Modifier::UNDERLINED, "u"),
        (Modifier::CROSSED_OUT, "s"),
        (Modifier::DIM, "d"),
    ]
    .iter()
    .filter(|(flag, _)| m.contains(*flag))
    .map(|(_, name)| *name)
    .collect();
    Drawn {
        x,
        symbol: symbol.to_owned(),
        width,
        fg: fg.unwrap_or_else(|| TERMINAL_FG.to_owned()),
        bg,
        class: class.join(" "),
        hidden: m.contains(Modifier::HIDDEN),
    }
}

/// `None` for the terminal's own colour.
fn colour(c: Color) -> Option<String> {
    let hex = |r: u8, g: u8, b: u8| format!("#{r:02x}{g:02x}{b:02x}");
    Some(match c {
        Color::Reset => return None,
        Color::Rgb(r, g, b) => hex(r, g, b),
        Color::Indexed(i) if i < 16 => ANSI[usize::from(i)].to_owned(),
        // xterm's 6x6x6 cube, then its 24 greys.
        Color::Indexed(i) if i < 232 => {
            let level = |n: u8| if n == 0 { 0 } else { 55 + 40 * n };
            let i = i - 16;
            hex(level(i / 36), level(i / 6 % 6), level(i % 6))
        }
        Color::Indexed(i) => {
            let v = 8 + 10 * (i - 232);
            hex(v, v, v)
        }
        named => ANSI[ansi_index(named)].to_owned(),
    })
}

fn ansi_index(c: Color) -> usize {
    use Color::*;
    [
        Black,
        Red,
        Green,
        Yellow,
        Blue,
        Magenta,
        Cyan,
        Gray,
        DarkGray,
        LightRed,
        LightGreen,
        LightYellow,
        LightBlue,
        LightMagenta,
        LightCyan,
        White,
    ]
    .iter()
    .position(|&n| n == c)
    .unwrap_or(7)
}

/// One rectangle for each run of cells sharing a background other than the
/// terminal's.
fn backgrounds(out: &mut String, cells: &[Drawn], y: u16) {
    let mut i = 0;
    while i < cells.len() {
        let Some(bg) = &cells[i].bg else {
            i += 1;
            continue;
        };
        let start = i;
        while i < cells.len() && cells[i].bg.as_ref() == Some(bg) {
            i += 1;
        }
        let columns: u32 = cells[start..i].iter().map(|c| u32::from(c.width)).sum();
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{CELL_H}\" fill=\"{bg}\"/>",
            u32::from(cells[start].x) * CELL_W,
            u32::from(y) * CELL_H,
            columns * CELL_W,
        );
    }
}

/// Whether a cell is drawn as a shape by [`lines`] instead of as text.
fn is_shape(symbol: &str) -> bool {
    symbol == "█" || box_arms(symbol).is_some()
}

/// Text in runs of cells that share colour and modifiers, one `<text>` each,
/// stretched to exactly their columns. A wide character is a run of its own,
/// two columns wide, so the cells after it stay in place.
fn texts(out: &mut String, cells: &[Drawn], y: u16) {
    let mut i = 0;
    while i < cells.len() {
        let first = &cells[i];
        let start = i;
        i += 1;
        if first.width == 1 && !is_shape(&first.symbol) {
            while i < cells.len() && same_run(first, &cells[i]) && !in_gap(cells, i) {
                i += 1;
            }
        }
        let run = &cells[start..i];
        if first.hidden || is_shape(&first.symbol) {
            continue;
        }
        let blank = |c: &&Drawn| c.symbol == " ";
        let lead = run.iter().take_while(blank).count();
        let trail = run[lead..].iter().rev().take_while(blank).count();
        let shown = &run[lead..run.len() - trail];
        if shown.is_empty() {
            continue;
        }
        let text: String = shown.iter().map(|c| c.symbol.as_str()).collect();
        let columns: u32 = shown.iter().map(|c| u32::from(c.width)).sum();
        let class = if first.class.is_empty() {
            String::new()
        } else {
            format!(" class=\"{}\"", first.class)
        };
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" fill=\"{}\"{class} textLength=\"{}\" \
             lengthAdjust=\"spacingAndGlyphs\">{}</text>",
            u32::from(shown[0].x) * CELL_W,
            u32::from(y) * CELL_H + BASELINE,
            first.fg,
            columns * CELL_W,
            escape(&text),
        );
    }
}

/// Whether cell `i` is one of two or more blanks in a row. Runs end at such
/// gaps, so a viewer that collapses spaces (or a font a little off the grid)
/// cannot move the columns after them: each column of a table starts its own
/// `<text>` at its own `x`.
fn in_gap(cells: &[Drawn], i: usize) -> bool {
    let blank = |j: usize| cells.get(j).is_some_and(|c| c.symbol == " ");
    blank(i) && (blank(i + 1) || (i > 0 && blank(i - 1)))
}

/// Whether `next` can join a text run that started with `first`: one
/// column, text rather than a shape, the same look.
fn same_run(first: &Drawn, next: &Drawn) -> bool {
    next.width == 1
        && !is_shape(&next.symbol)
        && next.fg == first.fg
        && next.class == first.class
        && next.hidden == first.hidden
}

/// Which of (up, right, down, left) a box-drawing character reaches, for the
/// light and rounded lines ratatui's borders use. Others stay text.
fn box_arms(symbol: &str) -> Option<[bool; 4]> {
    Some(match symbol {
        "─" => [false, true, false, true],
        "│" => [true, false, true, false],
        "┌" | "╭" => [false, true, true, false],
        "┐" | "╮" => [false, false, true, true],
        "└" | "╰" => [true, true, false, false],
        "┘" | "╯" => [true, false, false, true],
        "├" => [true, true, true, false],
        "┤" => [true, false, true, true],
        "┬" => [false, true, true, true],
        "┴" => [true, true, false, true],
        "┼" => [true, true, true, true],
        _ => return None,
    })
}

/// Box-drawing lines as strokes from each cell's centre to its edges, and
/// full blocks as filled cells: one `<path>` per colour, in the order the
/// colours first appear.
fn lines(out: &mut String, buf: &Buffer) {
    let mut strokes: Vec<(String, String)> = Vec::new();
    let mut blocks: Vec<(String, String)> = Vec::new();
    for y in 0..buf.area.height {
        for cell in row(buf, y) {
            let (x0, y0) = (u32::from(cell.x) * CELL_W, u32::from(y) * CELL_H);
            let path = if cell.symbol == "█" {
                let d = format!("M{x0} {y0}h{CELL_W}v{CELL_H}h-{CELL_W}z");
                Some((&mut blocks, d))
            } else {
                box_arms(&cell.symbol).map(|arms| (&mut strokes, arm_path(x0, y0, arms)))
            };
            if let Some((paths, d)) = path {
                match paths.iter_mut().find(|(fg, _)| *fg == cell.fg) {
                    Some((_, all)) => all.push_str(&d),
                    None => paths.push((cell.fg.clone(), d)),
                }
            }
        }
    }
    for (fg, d) in strokes {
        let _ = writeln!(
            out,
            "<path d=\"{d}\" stroke=\"{fg}\" stroke-width=\"1.2\" fill=\"none\"/>"
        );
    }
    for (fg, d) in blocks {
        let _ = writeln!(out, "<path d=\"{d}\" fill=\"{fg}\"/>");
    }
}

/// The strokes of one box-drawing cell whose top-left corner is (x0, y0).
/// Coordinates end in .5 so a 1-pixel line is sharp.
fn arm_path(x0: u32, y0: u32, [up, right, down, left]: [bool; 4]) -> String {
    let cx = f64::from(x0) + f64::from(CELL_W / 2) + 0.5;
    let cy = f64::from(y0) + f64::from(CELL_H / 2) + 0.5;
    let (x1, y1) = (f64::from(x0 + CELL_W), f64::from(y0 + CELL_H));
    let (x0, y0) = (f64::from(x0), f64::from(y0));
    let mut d = String::new();
    if left || right {
        let from = if left { x0 } else { cx };
        let to = if right { x1 } else { cx };
        let _ = write!(d, "M{from} {cy}H{to}");
    }
    if up || down {
        let from = if up { y0 } else { cy };
        let to = if down { y1 } else { cy };
        let _ = write!(d, "M{cx} {from}V{to}");
    }
    d
}

/// Text safe inside an XML element or attribute.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Modifier, Style};

    use super::*;

    fn buffer(w: u16, h: u16) -> Buffer {
        Buffer::empty(Rect::new(0, 0, w, h))
    }

    fn text_elements(svg: &str) -> Vec<&str> {
        svg.lines().filter(|l| l.starts_with("<text x")).collect()
    }

    #[test]
    fn text_is_escaped() {
        let mut b = buffer(20, 1);
        b.set_string(0, 0, "<a href=\"x\">&'", Style::new());
        let svg = buffer_to_svg(&b, Some("a <b> & \"c\""));
        assert!(
            svg.contains(">&lt;a href=&quot;x&quot;&gt;&amp;&apos;</text>"),
            "{svg}"
        );
        assert!(
            svg.contains("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>"),
            "{svg}"
        );
    }

    #[test]
    fn colours_named_indexed_rgb_and_reversed() {
        let mut b = buffer(8, 1);
        b.set_string(0, 0, "r", Style::new().fg(Color::Red));
        b.set_string(1, 0, "i", Style::new().fg(Color::Indexed(196)));
        b.set_string(2, 0, "g", Style::new().fg(Color::Indexed(244)));
        b.set_string(3, 0, "x", Style::new().fg(Color::Rgb(1, 2, 255)));
        b.set_string(4, 0, "v", Style::new().add_modifier(Modifier::REVERSED));
        let svg = buffer_to_svg(&b, None);
        let texts = text_elements(&svg);
        assert!(texts[0].contains("fill=\"#e06c75\""), "{svg}");
        assert!(texts[1].contains("fill=\"#ff0000\""), "{svg}");
        assert!(texts[2].contains("fill=\"#808080\""), "{svg}");
        assert!(texts[3].contains("fill=\"#0102ff\""), "{svg}");
        // Reversed: the terminal's colours swapped, the cell's background drawn.
        assert!(
            texts[4].contains(&format!("fill=\"{TERMINAL_BG}\"")),
            "{svg}"
        );
        assert!(
            svg.contains(&format!(
                "<rect x=\"36\" y=\"0\" width=\"9\" height=\"19\" fill=\"{TERMINAL_FG}\"/>"
            )),
            "{svg}"
        );
    }

    #[test]
    fn modifiers_become_classes() {
        let mut b = buffer(6, 1);
        b.set_string(
            0,
            0,
            "bi",
            Style::new().add_modifier(Modifier::BOLD | Modifier::ITALIC),
        );
        b.set_string(2, 0, "u", Style::new().add_modifier(Modifier::UNDERLINED));
        b.set_string(3, 0, "h", Style::new().add_modifier(Modifier::HIDDEN));
        let svg = buffer_to_svg(&b, None);
        let texts = text_elements(&svg);
        assert_eq!(texts.len(), 2, "{svg}");
        assert!(texts[0].contains("class=\"b i\"") && texts[0].contains(">bi<"));
        assert!(texts[1].contains("class=\"u\"") && texts[1].contains(">u<"));
    }

    #[test]
    fn a_wide_character_takes_two_columns_and_the_next_stays_in_place() {
        let mut b = buffer(6, 1);
        b.set_string(0, 0, "日x🔑y", Style::new());
        let svg = buffer_to_svg(&b, None);
        let texts = text_elements(&svg);
        let at = |x: u32, cols: u32, s: &str| {
            format!(
                "<text x=\"{}\" y=\"14\" fill=\"{TERMINAL_FG}\" textLength=\"{}\" \
                 lengthAdjust=\"spacingAndGlyphs\">{s}</text>",
                x * CELL_W,
                cols * CELL_W
            )
        };
        assert_eq!(
            texts,
            [at(0, 2, "日"), at(2, 1, "x"), at(3, 2, "🔑"), at(5, 1, "y")],
            "{svg}"
        );
    }

    #[test]
    fn columns_apart_are_texts_apart_and_words_stay_together() {
        let mut b = buffer(16, 1);
        b.set_string(0, 0, "two words   next", Style::new());
        let svg = buffer_to_svg(&b, None);
        let texts = text_elements(&svg);
        assert_eq!(texts.len(), 2, "{svg}");
        assert!(texts[0].starts_with("<text x=\"0\"") && texts[0].contains(">two words<"));
        assert!(texts[1].starts_with("<text x=\"108\"") && texts[1].contains(">next<"));
    }

    #[test]
    fn borders_are_strokes_not_glyphs() {
        let mut b = buffer(3, 3);
        ratatui::widgets::Widget::render(
            ratatui::widgets::Block::bordered(),
            Rect::new(0, 0, 3, 3),
            &mut b,
        );
        let svg = buffer_to_svg(&b, None);
        assert!(text_elements(&svg).is_empty(), "{svg}");
        assert_eq!(svg.matches("<path ").count(), 1, "{svg}");
    }

    /// A whole small picture, byte for byte: what the others check piecemeal,
    /// together, and that nothing else creeps in.
    #[test]
    fn golden_small_buffer() {
        let mut b = buffer(6, 2);
        b.set_string(0, 0, "┌ok─┐", Style::new().fg(Color::Cyan));
        b.set_string(0, 1, "a█", Style::new().fg(Color::Green).bg(Color::Blue));
        let svg = buffer_to_svg(&b, Some("t"));
        let expected = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" xml:space="preserve" width="82" height="96" viewBox="0 0 82 96" font-family="{FONT}" font-size="15">
<style>text{{white-space:pre}} .b{{font-weight:bold}} .i{{font-style:italic}} .u{{text-decoration:underline}} .s{{text-decoration:line-through}} .d{{opacity:0.6}}</style>
<title>t</title>
<rect width="82" height="96" rx="10" fill="#1b1f27"/>
<circle cx="20" cy="16" r="6" fill="#ff5f57"/>
<circle cx="40" cy="16" r="6" fill="#febc2e"/>
<circle cx="60" cy="16" r="6" fill="#28c840"/>
<text x="41" y="21" text-anchor="middle" fill="#7f848e" font-size="13">t</text>
<g transform="translate(14 44)">
<text x="9" y="14" fill="#56b6c2" textLength="18" lengthAdjust="spacingAndGlyphs">ok</text>
<rect x="0" y="19" width="18" height="19" fill="#61afef"/>
<text x="0" y="33" fill="#98c379" textLength="9" lengthAdjust="spacingAndGlyphs">a</text>
<path d="M4.5 9.5H9M4.5 9.5V19M27 9.5H36M36 9.5H40.5M40.5 9.5V19" stroke="#56b6c2" stroke-width="1.2" fill="none"/>
<path d="M9 19h9v19h-9z" fill="#98c379"/>
</g>
</svg>
"##
        );
        assert_eq!(svg, expected);
    }
}
