//! RGBA8 images and a drawing surface over a caller's pixel buffer.
//!
//! Everything the viewer draws (the scaled picture, buttons, text) goes
//! through [`Canvas`], a borrowed `width x height` RGBA8 buffer, so the same
//! code renders into the window's frame buffer (`pixels`), into a test's
//! `Vec<u8>`, and into the sample-clip generator's frames.

/// An RGBA colour, 8 bits per channel, straight (not premultiplied) alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgba(pub [u8; 4]);

impl Rgba {
    /// Opaque black.
    pub const BLACK: Rgba = Rgba([0, 0, 0, 255]);
    /// Opaque white.
    pub const WHITE: Rgba = Rgba([255, 255, 255, 255]);

    /// An opaque colour.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Rgba {
        Rgba([r, g, b, 255])
    }
}

/// A decoded picture: `width * height` pixels, RGBA8, rows top to bottom.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbaImage {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl std::fmt::Debug for RgbaImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RgbaImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

impl RgbaImage {
    /// Wraps a pixel buffer; `None` unless `pixels.len() == width * height * 4`.
    pub fn from_raw(width: u32, height: u32, pixels: Vec<u8>) -> Option<RgbaImage> {
        let expected = (width as usize)
            .checked_mul(height as usize)?
            .checked_mul(4)?;
        (pixels.len() == expected).then_some(RgbaImage {
            width,
            height,
            pixels,
        })
    }

    /// A `width x height` image filled with `colour`.
    pub fn filled(width: u32, height: u32, colour: Rgba) -> RgbaImage {
        let n = width as usize * height as usize;
        let mut pixels = Vec::with_capacity(n * 4);
        for _ in 0..n {
            pixels.extend_from_slice(&colour.0);
        }
        RgbaImage {
            width,
            height,
            pixels,
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The RGBA8 bytes, row-major.
    pub fn as_bytes(&self) -> &[u8] {
        &self.pixels
    }

    /// The pixel at (`x`, `y`), if inside.
    pub fn pixel(&self, x: u32, y: u32) -> Option<Rgba> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        let p = &self.pixels[i..i + 4];
        Some(Rgba([p[0], p[1], p[2], p[3]]))
    }

    /// A canvas drawing into this image.
    pub fn canvas(&mut self) -> Canvas<'_> {
        Canvas {
            width: self.width,
            height: self.height,
            pixels: &mut self.pixels,
        }
    }

    /// Writes the image as an 8-bit RGBA PNG file.
    pub fn write_png(&self, path: &std::path::Path) -> std::io::Result<()> {
        let file = std::fs::File::create(path)?;
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), self.width, self.height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&self.pixels)?;
        writer.finish()?;
        Ok(())
    }
}

/// An axis-aligned rectangle in pixels. `x` and `y` may be negative (partly
/// off-canvas); drawing clips to the canvas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Rect {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width (0 means empty).
    pub width: u32,
    /// Height (0 means empty).
    pub height: u32,
}

impl Rect {
    /// A rectangle from its top-left corner and size.
    pub const fn new(x: i32, y: i32, width: u32, height: u32) -> Rect {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    /// True if it covers no pixel.
    pub const fn is_empty(&self) -> bool {
        self.width == 0 || self.height == 0
    }

    /// True if the point (`px`, `py`) lies inside (right and bottom edges excluded).
    pub fn contains(&self, px: f64, py: f64) -> bool {
        px >= f64::from(self.x)
            && py >= f64::from(self.y)
            && px < f64::from(self.x) + f64::from(self.width)
            && py < f64::from(self.y) + f64::from(self.height)
    }

    /// The rectangle shrunk by `by` pixels on every side (empty if too small).
    pub fn inset(&self, by: u32) -> Rect {
        let by_i = i32::try_from(by).unwrap_or(i32::MAX);
        Rect {
            x: self.x.saturating_add(by_i),
            y: self.y.saturating_add(by_i),
            width: self.width.saturating_sub(by.saturating_mul(2)),
            height: self.height.saturating_sub(by.saturating_mul(2)),
        }
    }

    /// Clips to `0..width` x `0..height`; returns (x0, y0, x1, y1), exclusive ends.
    fn clip(&self, width: u32, height: u32) -> Option<(usize, usize, usize, usize)> {
        let x0 = i64::from(self.x).clamp(0, i64::from(width));
        let y0 = i64::from(self.y).clamp(0, i64::from(height));
        let x1 = (i64::from(self.x) + i64::from(self.width)).clamp(0, i64::from(width));
        let y1 = (i64::from(self.y) + i64::from(self.height)).clamp(0, i64::from(height));
        (x0 < x1 && y0 < y1).then_some((x0 as usize, y0 as usize, x1 as usize, y1 as usize))
    }
}

/// A mutable RGBA8 drawing surface over a caller's buffer.
pub struct Canvas<'a> {
    width: u32,
    height: u32,
    pixels: &'a mut [u8],
}

impl<'a> Canvas<'a> {
    /// A canvas over `pixels`; `None` unless `pixels.len() == width * height * 4`.
    pub fn new(width: u32, height: u32, pixels: &'a mut [u8]) -> Option<Canvas<'a>> {
        let expected = (width as usize)
            .checked_mul(height as usize)?
            .checked_mul(4)?;
        (pixels.len() == expected).then_some(Canvas {
            width,
            height,
            pixels,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The whole canvas as a rectangle.
    pub fn bounds(&self) -> Rect {
        Rect::new(0, 0, self.width, self.height)
    }

    /// Fills the whole canvas.
    pub fn clear(&mut self, colour: Rgba) {
        for px in self.pixels.chunks_exact_mut(4) {
            px.copy_from_slice(&colour.0);
        }
    }

    /// Sets one pixel (ignored outside the canvas).
    pub fn put(&mut self, x: i32, y: i32, colour: Rgba) {
        if x < 0 || y < 0 || x as u32 >= self.width || y as u32 >= self.height {
            return;
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        self.pixels[i..i + 4].copy_from_slice(&colour.0);
    }

    /// Fills `rect` (clipped) with an opaque `colour`.
    pub fn fill_rect(&mut self, rect: Rect, colour: Rgba) {
        let Some((x0, y0, x1, y1)) = rect.clip(self.width, self.height) else {
            return;
        };
        let stride = self.width as usize * 4;
        for y in y0..y1 {
            let row = &mut self.pixels[y * stride + x0 * 4..y * stride + x1 * 4];
            for px in row.chunks_exact_mut(4) {
                px.copy_from_slice(&colour.0);
            }
        }
    }

    /// Draws a `thickness`-pixel outline just inside `rect`.
    pub fn stroke_rect(&mut self, rect: Rect, thickness: u32, colour: Rgba) {
        let t = thickness.min(rect.width).min(rect.height);
        if t == 0 {
            return;
        }
        let ti = t as i32;
        self.fill_rect(Rect::new(rect.x, rect.y, rect.width, t), colour);
        self.fill_rect(
            Rect::new(rect.x, rect.y + rect.height as i32 - ti, rect.width, t),
            colour,
        );
        self.fill_rect(Rect::new(rect.x, rect.y, t, rect.height), colour);
        self.fill_rect(
            Rect::new(rect.x + rect.width as i32 - ti, rect.y, t, rect.height),
            colour,
        );
    }

    /// The bytes of row `y`, columns `x0..x1`; the caller has clipped them.
    pub(crate) fn row_mut(&mut self, y: u32, x0: u32, x1: u32) -> &mut [u8] {
        let stride = self.width as usize * 4;
        let start = y as usize * stride;
        &mut self.pixels[start + x0 as usize * 4..start + x1 as usize * 4]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_raw_checks_length() {
        assert!(RgbaImage::from_raw(2, 2, vec![0; 16]).is_some());
        assert!(RgbaImage::from_raw(2, 2, vec![0; 15]).is_none());
        assert!(RgbaImage::from_raw(u32::MAX, u32::MAX, Vec::new()).is_none());
        let mut buf = vec![0; 12];
        assert!(Canvas::new(3, 1, &mut buf).is_some());
        assert!(Canvas::new(2, 2, &mut buf).is_none());
    }

    #[test]
    fn fill_and_stroke_clip() {
        let mut img = RgbaImage::filled(4, 3, Rgba::BLACK);
        let mut c = img.canvas();
        c.fill_rect(Rect::new(-2, -2, 4, 4), Rgba::WHITE);
        c.fill_rect(Rect::new(3, 2, 100, 100), Rgba::rgb(1, 2, 3));
        c.put(-1, 0, Rgba::WHITE);
        c.put(4, 0, Rgba::WHITE);
        assert_eq!(img.pixel(0, 0), Some(Rgba::WHITE));
        assert_eq!(img.pixel(1, 1), Some(Rgba::WHITE));
        assert_eq!(img.pixel(2, 1), Some(Rgba::BLACK));
        assert_eq!(img.pixel(3, 2), Some(Rgba::rgb(1, 2, 3)));
        assert_eq!(img.pixel(4, 0), None);

        let mut img = RgbaImage::filled(5, 5, Rgba::BLACK);
        img.canvas()
            .stroke_rect(Rect::new(0, 0, 5, 5), 1, Rgba::WHITE);
        assert_eq!(img.pixel(0, 2), Some(Rgba::WHITE));
        assert_eq!(img.pixel(4, 4), Some(Rgba::WHITE));
        assert_eq!(img.pixel(2, 2), Some(Rgba::BLACK));
    }

    #[test]
    fn rect_geometry() {
        let r = Rect::new(10, 20, 30, 40);
        assert!(r.contains(10.0, 20.0));
        assert!(r.contains(39.9, 59.9));
        assert!(!r.contains(40.0, 30.0));
        assert!(!r.contains(9.9, 30.0));
        assert_eq!(r.inset(5), Rect::new(15, 25, 20, 30));
        assert!(r.inset(20).is_empty());
    }
}
