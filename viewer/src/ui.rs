//! The window's contents, drawn into an RGBA frame buffer: the picture
//! (aspect-fit, letterboxed), the status line, the error line and the four
//! buttons; and the mapping from clicks and keys to controls.
//!
//! Everything here is pure: [`layout`] places things for a window size,
//! [`render`] draws a [`View`] into a [`Canvas`], [`hit_test`] and
//! [`key_action`] turn input into [`UiAction`]s. The winit/pixels glue
//! (`app`) only feeds these.
//!
//! Layout, top to bottom: the video area (everything above the panel), then
//! the panel: up to two status lines, one error line (space always
//! reserved, so nothing jumps when an error appears), and the button row.
//! Sizes are multiples of a unit derived from the window's scale factor so
//! the text stays readable on HiDPI screens.

use crate::image::{Canvas, Rect, Rgba, RgbaImage};
use crate::scale::{Filter, blit_scaled, fit};
use crate::session::Control;
use crate::text::{self, draw_text, draw_text_shadowed, line_height, text_width};

/// Colours of the interface.
pub mod colours {
    use crate::image::Rgba;

    /// Behind the picture (letterbox bars).
    pub const VIDEO_BACKGROUND: Rgba = Rgba::rgb(0, 0, 0);
    /// The panel under the picture.
    pub const PANEL: Rgba = Rgba::rgb(0x20, 0x24, 0x28);
    /// Status text.
    pub const STATUS: Rgba = Rgba::rgb(0xE0, 0xE4, 0xE8);
    /// Error text.
    pub const ERROR: Rgba = Rgba::rgb(0xFF, 0x6B, 0x6B);
    /// Hints in the empty video area.
    pub const MESSAGE: Rgba = Rgba::rgb(0xA0, 0xA8, 0xB0);
    /// Enabled button fill.
    pub const BUTTON: Rgba = Rgba::rgb(0x2F, 0x6F, 0xB3);
    /// Enabled button under the pointer.
    pub const BUTTON_HOVER: Rgba = Rgba::rgb(0x3A, 0x82, 0xCF);
    /// Enabled button being pressed.
    pub const BUTTON_PRESSED: Rgba = Rgba::rgb(0x24, 0x57, 0x8E);
    /// Enabled button border.
    pub const BUTTON_BORDER: Rgba = Rgba::rgb(0x5A, 0x9B, 0xE0);
    /// Enabled button label.
    pub const LABEL: Rgba = Rgba::rgb(0xFF, 0xFF, 0xFF);
    /// Enabled button shortcut hint.
    pub const HINT: Rgba = Rgba::rgb(0xCF, 0xE3, 0xFF);
    /// Disabled button fill.
    pub const DISABLED: Rgba = Rgba::rgb(0x34, 0x38, 0x3C);
    /// Disabled button border.
    pub const DISABLED_BORDER: Rgba = Rgba::rgb(0x44, 0x48, 0x4C);
    /// Disabled button label and hint.
    pub const DISABLED_LABEL: Rgba = Rgba::rgb(0x7A, 0x7F, 0x85);
}

/// Where everything goes in a window of a given size.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The whole window.
    pub window: Rect,
    /// The video area (the picture is fitted inside it).
    pub video: Rect,
    /// The panel under it.
    pub panel: Rect,
    /// Room for the status lines.
    pub status: Rect,
    /// The error line.
    pub error: Rect,
    /// The buttons, in [`Control::ALL`] order.
    pub buttons: [(Control, Rect); 4],
    /// Scale of panel text (font pixels per screen pixel).
    pub text_scale: u32,
    /// Scale of button labels.
    pub label_scale: u32,
    /// The size unit (1 on ordinary screens, 2 on HiDPI ones...).
    pub unit: u32,
}

/// Most status lines the panel has room for.
pub const STATUS_LINES: u32 = 2;

/// Lays out a `width x height` window (physical pixels) at `scale_factor`.
pub fn layout(width: u32, height: u32, scale_factor: f64) -> Layout {
    let unit = if scale_factor.is_finite() {
        scale_factor.round().clamp(1.0, 8.0) as u32
    } else {
        1
    };
    let pad = 8 * unit;
    let text_scale = 2 * unit;
    let line = line_height(text_scale) + 4 * unit;
    let button_height = 44 * unit;
    let panel_height = pad + STATUS_LINES * line + line + pad + button_height + pad;
    let panel_height = panel_height.min(height);
    let video_height = height - panel_height;
    let window = Rect::new(0, 0, width, height);
    let video = Rect::new(0, 0, width, video_height);
    let panel = Rect::new(0, video_height as i32, width, panel_height);
    let inner_width = width.saturating_sub(2 * pad);
    let status = Rect::new(
        pad as i32,
        panel.y + pad as i32,
        inner_width,
        STATUS_LINES * line,
    );
    let error = Rect::new(
        pad as i32,
        status.y + status.height as i32,
        inner_width,
        line,
    );
    // Buttons: wide enough for the longest label plus padding, shrunk evenly
    // if the window is narrow; centred.
    let gap = 12 * unit;
    let longest = Control::ALL
        .iter()
        .map(|c| text_width(c.label(), text_scale))
        .max()
        .unwrap_or(0);
    let preferred = longest + 2 * 16 * unit;
    let available = inner_width.saturating_sub(3 * gap) / 4;
    let button_width = preferred.min(available);
    let label_scale = if text_width("Teardown", text_scale) + 4 * unit <= button_width {
        text_scale
    } else {
        unit
    };
    let row_width = 4 * button_width + 3 * gap;
    let row_x = (width.saturating_sub(row_width) / 2) as i32;
    let row_y = error.y + error.height as i32 + pad as i32;
    let mut buttons = [(Control::Setup, Rect::default()); 4];
    for (i, control) in Control::ALL.into_iter().enumerate() {
        let x = row_x + (i as u32 * (button_width + gap)) as i32;
        buttons[i] = (control, Rect::new(x, row_y, button_width, button_height));
    }
    Layout {
        window,
        video,
        panel,
        status,
        error,
        buttons,
        text_scale,
        label_scale,
        unit,
    }
}

/// How a button looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonLook {
    /// Clickable.
    Enabled,
    /// Clickable, pointer over it.
    Hovered,
    /// Clickable, mouse button down on it.
    Pressed,
    /// Not allowed in the current state.
    Disabled,
}

/// Everything [`render`] draws.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The picture (the last good frame), if any yet.
    pub frame: Option<&'a RgbaImage>,
    /// Status fields, flowed onto the status lines.
    pub status_fields: &'a [String],
    /// The error line.
    pub error: Option<&'a str>,
    /// Text in the video area while there is no picture.
    pub message: Option<&'a str>,
    /// The look of each button, in [`Control::ALL`] order.
    pub buttons: [ButtonLook; 4],
    /// How the picture is resampled.
    pub filter: Filter,
}

/// Draws `view` into `canvas` (whose size `layout` was made for).
pub fn render(canvas: &mut Canvas<'_>, layout: &Layout, view: &View<'_>) {
    canvas.fill_rect(layout.video, colours::VIDEO_BACKGROUND);
    canvas.fill_rect(layout.panel, colours::PANEL);
    match view.frame {
        Some(frame) => {
            let target = fit(frame.width(), frame.height(), layout.video);
            blit_scaled(frame, canvas, target, view.filter);
        }
        None => draw_message(canvas, layout, view.message, view.error),
    }
    draw_status(canvas, layout, view.status_fields);
    if let Some(error) = view.error {
        let scale = text::fitting_scale(error, layout.error.width, layout.unit, layout.text_scale);
        let shown = text::truncate_to_width(error, layout.error.width, scale);
        let y =
            layout.error.y + (layout.error.height.saturating_sub(line_height(scale)) / 2) as i32;
        draw_text(canvas, layout.error.x, y, &shown, scale, colours::ERROR);
    }
    for (i, (control, rect)) in layout.buttons.iter().enumerate() {
        draw_button(canvas, *rect, *control, view.buttons[i], layout);
    }
}

/// With no picture yet: the hint, and the error in full (wrapped), centred
/// in the video area.
fn draw_message(canvas: &mut Canvas<'_>, layout: &Layout, hint: Option<&str>, error: Option<&str>) {
    let area = layout.video;
    let scale = layout.text_scale;
    // At most 48 characters a line: long lines are hard to read.
    let width = area
        .width
        .saturating_sub(32 * layout.unit)
        .min(48 * line_height(scale));
    let mut lines: Vec<(String, Rgba)> = Vec::new();
    if let Some(hint) = hint {
        lines.extend(
            text::wrap(hint, width, scale, 2)
                .into_iter()
                .map(|l| (l, colours::MESSAGE)),
        );
    }
    if let Some(error) = error {
        if !lines.is_empty() {
            lines.push((String::new(), colours::MESSAGE));
        }
        lines.extend(
            text::wrap(error, width, scale, 6)
                .into_iter()
                .map(|l| (l, colours::ERROR)),
        );
    }
    let step = line_height(scale) + 6 * layout.unit;
    let block = step * lines.len() as u32;
    let mut y = area.y + (area.height.saturating_sub(block) / 2) as i32;
    for (line, colour) in lines {
        let x = area.x + (area.width.saturating_sub(text_width(&line, scale)) / 2) as i32;
        if i64::from(y) + i64::from(step) <= i64::from(area.y) + i64::from(area.height) {
            draw_text_shadowed(canvas, x, y, &line, scale, colour);
        }
        y += step as i32;
    }
}

/// Flows fields (separated by two spaces) onto at most [`STATUS_LINES`]
/// lines at the largest scale that fits, truncating the last line if even
/// the smallest scale does not.
pub fn flow_status(fields: &[String], width: u32, scales: &[u32]) -> (u32, Vec<String>) {
    let mut best = None;
    for &scale in scales {
        let mut lines: Vec<String> = Vec::new();
        for field in fields {
            match lines.last_mut() {
                Some(last) if text_width(&format!("{last}  {field}"), scale) <= width => {
                    last.push_str("  ");
                    last.push_str(field);
                }
                _ => lines.push(field.clone()),
            }
        }
        let fits = lines.len() as u32 <= STATUS_LINES
            && lines.iter().all(|l| text_width(l, scale) <= width);
        best = Some((scale, lines));
        if fits {
            break;
        }
    }
    let Some((scale, mut lines)) = best else {
        return (1, Vec::new());
    };
    if lines.len() as u32 > STATUS_LINES {
        let rest = lines.split_off(STATUS_LINES as usize - 1).join("  ");
        lines.push(rest);
    }
    let lines = lines
        .into_iter()
        .map(|l| text::truncate_to_width(&l, width, scale).into_owned())
        .collect();
    (scale, lines)
}

fn draw_status(canvas: &mut Canvas<'_>, layout: &Layout, fields: &[String]) {
    let scales: Vec<u32> = (layout.unit..=layout.text_scale).rev().collect();
    let (scale, lines) = flow_status(fields, layout.status.width, &scales);
    let line = layout.status.height / STATUS_LINES;
    for (i, l) in lines.iter().enumerate() {
        let y = layout.status.y
            + (i as u32 * line) as i32
            + (line.saturating_sub(line_height(scale)) / 2) as i32;
        draw_text(canvas, layout.status.x, y, l, scale, colours::STATUS);
    }
}

fn draw_button(
    canvas: &mut Canvas<'_>,
    rect: Rect,
    control: Control,
    look: ButtonLook,
    layout: &Layout,
) {
    let (fill, border, label, hint) = match look {
        ButtonLook::Enabled => (
            colours::BUTTON,
            colours::BUTTON_BORDER,
            colours::LABEL,
            colours::HINT,
        ),
        ButtonLook::Hovered => (
            colours::BUTTON_HOVER,
            colours::BUTTON_BORDER,
            colours::LABEL,
            colours::HINT,
        ),
        ButtonLook::Pressed => (
            colours::BUTTON_PRESSED,
            colours::BUTTON_BORDER,
            colours::LABEL,
            colours::HINT,
        ),
        ButtonLook::Disabled => (
            colours::DISABLED,
            colours::DISABLED_BORDER,
            colours::DISABLED_LABEL,
            colours::DISABLED_LABEL,
        ),
    };
    canvas.fill_rect(rect, fill);
    canvas.stroke_rect(rect, layout.unit, border);
    let label_scale = layout.label_scale;
    let hint_scale = layout.unit;
    let label_h = line_height(label_scale);
    let hint_h = line_height(hint_scale);
    let spacing = 4 * layout.unit;
    let block = label_h + spacing + hint_h;
    let top = rect.y + (rect.height.saturating_sub(block) / 2) as i32;
    let shown = text::truncate_to_width(control.label(), rect.width.saturating_sub(4), label_scale);
    let lx = rect.x + (rect.width.saturating_sub(text_width(&shown, label_scale)) / 2) as i32;
    draw_text(canvas, lx, top, &shown, label_scale, label);
    let shortcut = control.shortcut();
    let hx = rect.x + (rect.width.saturating_sub(text_width(shortcut, hint_scale)) / 2) as i32;
    draw_text(
        canvas,
        hx,
        top + (label_h + spacing) as i32,
        shortcut,
        hint_scale,
        hint,
    );
}

/// The button under (`x`, `y`), if any.
pub fn hit_test(layout: &Layout, x: f64, y: f64) -> Option<Control> {
    layout
        .buttons
        .iter()
        .find(|(_, r)| r.contains(x, y))
        .map(|(c, _)| *c)
}

/// A key the viewer reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A character key (as typed).
    Char(char),
    /// The space bar.
    Space,
    /// Left arrow.
    Left,
    /// Right arrow.
    Right,
    /// Escape.
    Escape,
}

/// What an input asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UiAction {
    /// Press a button.
    Control(Control),
    /// Play in READY, pause in PLAYING.
    PlayPause,
    /// Seek one step; `true` forward.
    Seek(bool),
    /// Close the window (TEARDOWN first).
    Quit,
}

/// The keyboard shortcuts: S setup, Space play/pause, P play, T teardown,
/// arrows seek, Q or Escape quit.
pub fn key_action(key: Key) -> Option<UiAction> {
    match key {
        Key::Space => Some(UiAction::PlayPause),
        Key::Left => Some(UiAction::Seek(false)),
        Key::Right => Some(UiAction::Seek(true)),
        Key::Escape => Some(UiAction::Quit),
        Key::Char(c) => match c.to_ascii_lowercase() {
            's' => Some(UiAction::Control(Control::Setup)),
            'p' => Some(UiAction::Control(Control::Play)),
            't' => Some(UiAction::Control(Control::Teardown)),
            'q' => Some(UiAction::Quit),
            ' ' => Some(UiAction::PlayPause),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlaps(a: Rect, b: Rect) -> bool {
        a.x < b.x + b.width as i32
            && b.x < a.x + a.width as i32
            && a.y < b.y + b.height as i32
            && b.y < a.y + a.height as i32
    }

    fn inside(inner: Rect, outer: Rect) -> bool {
        inner.x >= outer.x
            && inner.y >= outer.y
            && inner.x + inner.width as i32 <= outer.x + outer.width as i32
            && inner.y + inner.height as i32 <= outer.y + outer.height as i32
    }

    #[test]
    fn layout_is_consistent_for_many_sizes() {
        for (w, h, sf) in [
            (960, 660, 1.0),
            (640, 480, 1.0),
            (480, 300, 1.0),
            (1920, 1200, 2.0),
            (300, 200, 1.0),
            (1, 1, 1.0),
            (2000, 100, 1.0),
            (800, 600, f64::NAN),
        ] {
            let l = layout(w, h, sf);
            assert_eq!(l.video.height + l.panel.height, h, "{w}x{h}");
            assert!(!overlaps(l.video, l.panel));
            for (i, (_, a)) in l.buttons.iter().enumerate() {
                for (_, b) in &l.buttons[i + 1..] {
                    assert!(a.is_empty() || b.is_empty() || !overlaps(*a, *b), "{w}x{h}");
                }
                if w >= 480 && h >= 300 {
                    assert!(inside(*a, l.panel), "{w}x{h}: {a:?} in {:?}", l.panel);
                }
            }
            // Rendering any layout never panics.
            let mut buf = vec![0u8; w as usize * h as usize * 4];
            let mut canvas = Canvas::new(w, h, &mut buf).unwrap();
            let frame = RgbaImage::filled(64, 36, Rgba::WHITE);
            let fields = vec!["PLAYING".to_string(), "frame 12".to_string()];
            render(
                &mut canvas,
                &l,
                &View {
                    frame: Some(&frame),
                    status_fields: &fields,
                    error: Some("an error"),
                    message: None,
                    buttons: [ButtonLook::Enabled; 4],
                    filter: Filter::Bilinear,
                },
            );
        }
    }

    #[test]
    fn hit_testing() {
        let l = layout(960, 660, 1.0);
        for (control, rect) in l.buttons {
            let cx = f64::from(rect.x) + f64::from(rect.width) / 2.0;
            let cy = f64::from(rect.y) + f64::from(rect.height) / 2.0;
            assert_eq!(hit_test(&l, cx, cy), Some(control));
            assert_eq!(hit_test(&l, f64::from(rect.x) - 1.0, cy), None);
        }
        assert_eq!(hit_test(&l, 10.0, 10.0), None);
        assert_eq!(hit_test(&l, -5.0, 1e9), None);
        assert_eq!(
            l.buttons.map(|(c, _)| c),
            [
                Control::Setup,
                Control::Play,
                Control::Pause,
                Control::Teardown
            ]
        );
    }

    #[test]
    fn keys() {
        assert_eq!(
            key_action(Key::Char('S')),
            Some(UiAction::Control(Control::Setup))
        );
        assert_eq!(
            key_action(Key::Char('t')),
            Some(UiAction::Control(Control::Teardown))
        );
        assert_eq!(key_action(Key::Space), Some(UiAction::PlayPause));
        assert_eq!(key_action(Key::Left), Some(UiAction::Seek(false)));
        assert_eq!(key_action(Key::Right), Some(UiAction::Seek(true)));
        assert_eq!(key_action(Key::Escape), Some(UiAction::Quit));
        assert_eq!(key_action(Key::Char('x')), None);
    }

    fn count(img: &RgbaImage, rect: Rect, colour: Rgba) -> usize {
        let mut n = 0;
        for y in rect.y.max(0)..(rect.y + rect.height as i32) {
            for x in rect.x.max(0)..(rect.x + rect.width as i32) {
                if img.pixel(x as u32, y as u32) == Some(colour) {
                    n += 1;
                }
            }
        }
        n
    }

    #[test]
    fn buttons_show_labels_and_enabled_state() {
        let l = layout(960, 660, 1.0);
        let mut img = RgbaImage::filled(960, 660, Rgba::BLACK);
        let fields = vec!["INIT".to_string()];
        render(
            &mut img.canvas(),
            &l,
            &View {
                frame: None,
                status_fields: &fields,
                error: None,
                message: Some("Press Setup"),
                buttons: [
                    ButtonLook::Enabled,
                    ButtonLook::Disabled,
                    ButtonLook::Disabled,
                    ButtonLook::Hovered,
                ],
                filter: Filter::Nearest,
            },
        );
        let (_, setup) = l.buttons[0];
        let (_, play) = l.buttons[1];
        let (_, teardown) = l.buttons[3];
        // Enabled: blue fill with white label pixels; disabled: grey with grey label.
        assert!(count(&img, setup, colours::BUTTON) > 1000);
        assert!(count(&img, setup, colours::LABEL) > 50);
        assert_eq!(count(&img, setup, colours::DISABLED), 0);
        assert!(count(&img, play, colours::DISABLED) > 1000);
        assert!(count(&img, play, colours::DISABLED_LABEL) > 30);
        assert_eq!(count(&img, play, colours::LABEL), 0);
        assert!(count(&img, teardown, colours::BUTTON_HOVER) > 1000);
        // The label pixels are the label's glyphs: "Setup" at label scale.
        let label_pixels: usize = "Setup"
            .chars()
            .map(|c| {
                text::glyph(c)
                    .iter()
                    .map(|r| r.count_ones() as usize)
                    .sum::<usize>()
            })
            .sum();
        let s = l.label_scale as usize;
        assert_eq!(count(&img, setup, colours::LABEL), label_pixels * s * s);
        // The message is drawn in the video area.
        assert!(count(&img, l.video, colours::MESSAGE) > 50);
    }

    #[test]
    fn picture_is_letterboxed_in_the_video_area() {
        let l = layout(960, 660, 1.0);
        let mut img = RgbaImage::filled(960, 660, Rgba::rgb(1, 2, 3));
        let red = Rgba::rgb(255, 0, 0);
        let frame = RgbaImage::filled(384, 288, red); // 4:3 in a wider area
        render(
            &mut img.canvas(),
            &l,
            &View {
                frame: Some(&frame),
                status_fields: &[],
                error: Some("frame 3: bad JPEG data"),
                message: Some("not drawn over a picture"),
                buttons: [ButtonLook::Disabled; 4],
                filter: Filter::Bilinear,
            },
        );
        let target = fit(384, 288, l.video);
        assert_eq!(target.height, l.video.height);
        assert_eq!(
            count(&img, target, red),
            target.width as usize * target.height as usize
        );
        let bars = count(&img, l.video, colours::VIDEO_BACKGROUND);
        assert_eq!(
            bars,
            (l.video.width - target.width) as usize * l.video.height as usize
        );
        assert!(count(&img, l.error, colours::ERROR) > 50);
        assert_eq!(count(&img, l.video, colours::MESSAGE), 0);
    }

    #[test]
    fn status_flows_onto_two_lines_or_shrinks() {
        let fields: Vec<String> = [
            "PLAYING",
            "frame 1234",
            "20.0 fps",
            "1.52 Mbit/s",
            "lost 0",
            "jitter 0.4 ms",
            "0:03.2 / 0:05.0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (scale, lines) = flow_status(&fields, 944, &[2, 1]);
        assert_eq!(scale, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| text_width(l, 2) <= 944));
        assert_eq!(lines.join("  "), fields.join("  "));
        let (scale, lines) = flow_status(&fields, 1400, &[2, 1]);
        assert_eq!((scale, lines.len()), (2, 1));
        let (scale, lines) = flow_status(&fields, 300, &[2, 1]);
        assert_eq!(scale, 1);
        assert!(lines.len() <= 2 && lines.iter().all(|l| text_width(l, 1) <= 300));
        assert_eq!(flow_status(&[], 100, &[2, 1]).1.len(), 0);
    }
}
