//! Bitmap text: the public-domain 8x8 font of the `font8x8` crate, drawn at
//! integer scales.
//!
//! Only Basic Latin (U+0020..U+007E) is drawn; any other character shows as
//! `?` so a server's reason phrase or a file name can never make drawing
//! fail. Widths are exact (every glyph is `8 * scale` pixels wide), which
//! keeps layout and truncation trivial and testable.

use std::borrow::Cow;

use crate::image::{Canvas, Rgba};

/// Width and height of one glyph at scale 1, in pixels.
pub const GLYPH_SIZE: u32 = 8;

/// The 8x8 bitmap for `c`: one byte per row, top to bottom, bit 0 leftmost.
pub fn glyph(c: char) -> [u8; 8] {
    let code = c as u32;
    let code = if (0x20..0x7f).contains(&code) {
        code
    } else {
        u32::from(b'?')
    };
    font8x8::legacy::BASIC_LEGACY[code as usize]
}

/// The largest scale drawn; larger requests are clamped to it.
pub const MAX_SCALE: u32 = 64;

/// Width in pixels of `text` drawn at `scale`.
pub fn text_width(text: &str, scale: u32) -> u32 {
    let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
    chars.saturating_mul(GLYPH_SIZE * scale.clamp(1, MAX_SCALE))
}

/// Height in pixels of one line at `scale`.
pub fn line_height(scale: u32) -> u32 {
    GLYPH_SIZE * scale.clamp(1, MAX_SCALE)
}

/// Draws `text` with its top-left corner at (`x`, `y`), each font pixel a
/// `scale x scale` square, clipped to the canvas.
pub fn draw_text(canvas: &mut Canvas<'_>, x: i32, y: i32, text: &str, scale: u32, colour: Rgba) {
    let scale = scale.clamp(1, MAX_SCALE);
    let step = (GLYPH_SIZE * scale) as i32;
    if i64::from(y) >= i64::from(canvas.height()) || i64::from(y) + i64::from(step) <= 0 {
        return;
    }
    let mut pen_x = x;
    for c in text.chars() {
        if i64::from(pen_x) >= i64::from(canvas.width()) {
            break;
        }
        if i64::from(pen_x) + i64::from(step) > 0 && c != ' ' {
            draw_glyph(canvas, pen_x, y, glyph(c), scale, colour);
        }
        pen_x = pen_x.saturating_add(step);
    }
}

/// Draws `text` with a one-font-pixel dark shadow, readable over a picture.
pub fn draw_text_shadowed(
    canvas: &mut Canvas<'_>,
    x: i32,
    y: i32,
    text: &str,
    scale: u32,
    colour: Rgba,
) {
    let offset = scale.clamp(1, MAX_SCALE) as i32;
    draw_text(canvas, x + offset, y + offset, text, scale, Rgba::BLACK);
    draw_text(canvas, x, y, text, scale, colour);
}

fn draw_glyph(canvas: &mut Canvas<'_>, x: i32, y: i32, rows: [u8; 8], scale: u32, colour: Rgba) {
    let s = scale as i32;
    for (row_index, row) in rows.iter().enumerate() {
        if *row == 0 {
            continue;
        }
        for bit in 0..8 {
            if row & (1 << bit) != 0 {
                let px = x + bit * s;
                let py = y + row_index as i32 * s;
                canvas.fill_rect(crate::image::Rect::new(px, py, scale, scale), colour);
            }
        }
    }
}

/// `text` if it fits in `max_width` pixels at `scale`, else as many leading
/// characters as fit followed by `...` (or nothing if not even that fits).
pub fn truncate_to_width(text: &str, max_width: u32, scale: u32) -> Cow<'_, str> {
    if text_width(text, scale) <= max_width {
        return Cow::Borrowed(text);
    }
    let per_char = GLYPH_SIZE * scale.clamp(1, MAX_SCALE);
    let fit = (max_width / per_char) as usize;
    if fit < 4 {
        return Cow::Owned(".".repeat(fit.min(3)));
    }
    let kept: String = text.chars().take(fit - 3).collect();
    Cow::Owned(kept + "...")
}

/// Breaks `text` into lines no wider than `max_width` at `scale`, at spaces
/// where possible (a word longer than a line is cut), at most `max_lines`
/// lines (the last one truncated with `...` if text remains).
pub fn wrap(text: &str, max_width: u32, scale: u32, max_lines: usize) -> Vec<String> {
    let per_line = (max_width / (GLYPH_SIZE * scale.clamp(1, MAX_SCALE))) as usize;
    if per_line == 0 || max_lines == 0 {
        return Vec::new();
    }
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = current.chars().count();
            let needed = if used == 0 {
                word.len()
            } else {
                used + 1 + word.len()
            };
            if needed <= per_line {
                if used > 0 {
                    current.push(' ');
                }
                current.extend(word.iter());
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut current));
                continue;
            }
            // A word longer than a line: cut it.
            let rest = word.split_off(per_line);
            lines.push(word.iter().collect());
            word = rest;
            if word.is_empty() {
                break;
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines {
        let rest = lines.split_off(max_lines - 1).join(" ");
        lines.push(truncate_to_width(&rest, max_width, scale).into_owned());
    }
    lines
}

/// The largest scale in `min..=max` at which `text` fits in `max_width`
/// pixels, or `min` if none does.
pub fn fitting_scale(text: &str, max_width: u32, min: u32, max: u32) -> u32 {
    (min..=max)
        .rev()
        .find(|&s| text_width(text, s) <= max_width)
        .unwrap_or(min)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::RgbaImage;

    #[test]
    fn widths() {
        assert_eq!(text_width("Play", 2), 64);
        assert_eq!(text_width("", 3), 0);
        assert_eq!(text_width("é", 1), 8);
        assert_eq!(line_height(2), 16);
    }

    #[test]
    fn non_ascii_draws_as_question_mark() {
        assert_eq!(glyph('é'), glyph('?'));
        assert_eq!(glyph('\n'), glyph('?'));
        assert_ne!(glyph('A'), glyph('?'));
        assert_eq!(glyph(' '), [0; 8]);
    }

    #[test]
    fn draws_the_glyph_bits_scaled() {
        let mut img = RgbaImage::filled(16, 16, Rgba::BLACK);
        draw_text(&mut img.canvas(), 0, 0, "A", 2, Rgba::WHITE);
        let bits = glyph('A');
        for y in 0..16u32 {
            for x in 0..16u32 {
                let on = bits[(y / 2) as usize] & (1 << (x / 2)) != 0;
                let want = if on { Rgba::WHITE } else { Rgba::BLACK };
                assert_eq!(img.pixel(x, y), Some(want), "({x},{y})");
            }
        }
    }

    #[test]
    fn drawing_off_canvas_is_clipped() {
        let mut img = RgbaImage::filled(10, 10, Rgba::BLACK);
        let mut c = img.canvas();
        draw_text(&mut c, -20, -3, "Hello, world", 3, Rgba::WHITE);
        draw_text(&mut c, 8, 8, "XYZ", 4, Rgba::WHITE);
        draw_text(&mut c, i32::MAX - 3, i32::MIN, "X", 1, Rgba::WHITE);
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate_to_width("abcdef", 48, 1), "abcdef");
        assert_eq!(truncate_to_width("abcdefgh", 48, 1), "abc...");
        assert_eq!(truncate_to_width("abcdefgh", 16, 1), "..");
        assert_eq!(truncate_to_width("abcdefgh", 0, 1), "");
        for w in 0..100 {
            let t = truncate_to_width("a long status line", w, 1);
            assert!(text_width(&t, 1) <= w);
        }
    }

    #[test]
    fn wrapping() {
        assert_eq!(
            wrap(
                "cannot connect to 127.0.0.1:8554: connection refused",
                160,
                1,
                5
            ),
            vec!["cannot connect to", "127.0.0.1:8554:", "connection refused"]
        );
        assert_eq!(wrap("abcdefghij", 32, 1, 5), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("  a   b  ", 80, 1, 5), vec!["a b"]);
        assert_eq!(wrap("one two three four", 40, 1, 2), vec!["one", "tw..."]);
        assert!(wrap("x", 7, 1, 3).is_empty());
        for w in 0..200 {
            for l in wrap("the quick brown fox jumps over the lazy dog", w, 1, 3) {
                assert!(text_width(&l, 1) <= w, "{w}: {l}");
            }
        }
    }

    #[test]
    fn scale_choice() {
        assert_eq!(fitting_scale("abcd", 64, 1, 3), 2);
        assert_eq!(fitting_scale("abcd", 1000, 1, 3), 3);
        assert_eq!(fitting_scale("abcd", 8, 1, 3), 1);
    }
}
