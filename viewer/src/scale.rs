//! Fitting the picture into the video area, keeping its aspect ratio.
//!
//! [`fit`] computes the largest rectangle with the picture's aspect ratio
//! that fits in an area, centred (letterbox or pillarbox bars around it);
//! [`blit_scaled`] resamples an [`RgbaImage`] into that rectangle of a
//! [`Canvas`]. Both are pure so they are tested without a window.
//!
//! Resampling uses per-axis lookup tables computed once per call, so the
//! inner loop is a few integer multiply-adds per channel; a picture that
//! already has the target size is copied row by row.

use crate::image::{Canvas, Rect, RgbaImage};

/// How pixels are resampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    /// Nearest neighbour: blocky when enlarging, cheapest.
    Nearest,
    /// Bilinear interpolation between the four nearest source pixels.
    #[default]
    Bilinear,
}

/// The largest `src_width:src_height` rectangle that fits in `area`, centred.
///
/// Empty if either the source or the area is empty. Sizes are rounded to
/// the nearest pixel and never exceed the area.
pub fn fit(src_width: u32, src_height: u32, area: Rect) -> Rect {
    if src_width == 0 || src_height == 0 || area.is_empty() {
        return Rect::new(area.x, area.y, 0, 0);
    }
    let (sw, sh) = (u64::from(src_width), u64::from(src_height));
    let (aw, ah) = (u64::from(area.width), u64::from(area.height));
    // Compare aspect ratios exactly in integers: sw/sh > aw/ah <=> sw*ah > aw*sh.
    let (w, h) = if sw * ah >= aw * sh {
        // Wider than the area: full width, bars above and below.
        (aw, ((aw * sh + sw / 2) / sw).clamp(1, ah))
    } else {
        (((ah * sw + sh / 2) / sh).clamp(1, aw), ah)
    };
    let x = i64::from(area.x) + ((aw - w) / 2) as i64;
    let y = i64::from(area.y) + ((ah - h) / 2) as i64;
    Rect::new(
        x.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        y.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        w as u32,
        h as u32,
    )
}

/// One axis of a resampling: for each destination coordinate, the two
/// source coordinates to blend and the weight of the second (0..=256).
struct Axis {
    lo: Vec<u32>,
    hi: Vec<u32>,
    weight: Vec<u32>,
}

impl Axis {
    /// Maps destination pixel centres onto source pixel centres:
    /// `s = (d + 0.5) * src / dst - 0.5`, clamped to the source.
    fn new(src: u32, dst: u32, offset: u32, count: u32, filter: Filter) -> Axis {
        let mut axis = Axis {
            lo: Vec::with_capacity(count as usize),
            hi: Vec::with_capacity(count as usize),
            weight: Vec::with_capacity(count as usize),
        };
        let (src128, dst128) = (i128::from(src), i128::from(dst));
        let last = i64::from(src) - 1;
        for d in offset..offset.saturating_add(count) {
            // Fixed point with 8 fractional bits (i128: no overflow for any u32 sizes).
            let s256 = (((2 * i128::from(d) + 1) * src128 * 256) / (2 * dst128) - 128)
                .clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
            let (lo, hi, w) = match filter {
                Filter::Nearest => {
                    let n = ((s256 + 128) >> 8).clamp(0, last);
                    (n, n, 0)
                }
                Filter::Bilinear => {
                    let s = s256.max(0);
                    let lo = (s >> 8).min(last);
                    let hi = (lo + 1).min(last);
                    (lo, hi, if lo == last { 0 } else { s & 0xff })
                }
            };
            axis.lo.push(lo as u32);
            axis.hi.push(hi as u32);
            axis.weight.push(w as u32);
        }
        axis
    }
}

/// Draws `src` resampled to fill `dst_rect` of `canvas` (clipped to the canvas).
///
/// Call with the rectangle from [`fit`] to keep the aspect ratio.
pub fn blit_scaled(src: &RgbaImage, canvas: &mut Canvas<'_>, dst_rect: Rect, filter: Filter) {
    if src.width() == 0 || src.height() == 0 || dst_rect.is_empty() {
        return;
    }
    // The visible part of dst_rect, in canvas coordinates.
    let cx0 = i64::from(dst_rect.x).clamp(0, i64::from(canvas.width()));
    let cy0 = i64::from(dst_rect.y).clamp(0, i64::from(canvas.height()));
    let cx1 =
        (i64::from(dst_rect.x) + i64::from(dst_rect.width)).clamp(0, i64::from(canvas.width()));
    let cy1 =
        (i64::from(dst_rect.y) + i64::from(dst_rect.height)).clamp(0, i64::from(canvas.height()));
    if cx0 >= cx1 || cy0 >= cy1 {
        return;
    }
    // Offsets of the visible part inside dst_rect.
    let ox = (cx0 - i64::from(dst_rect.x)) as u32;
    let oy = (cy0 - i64::from(dst_rect.y)) as u32;
    let (vw, vh) = ((cx1 - cx0) as u32, (cy1 - cy0) as u32);
    let src_stride = src.width() as usize * 4;
    let data = src.as_bytes();

    if src.width() == dst_rect.width && src.height() == dst_rect.height {
        for row in 0..vh {
            let sy = (oy + row) as usize;
            let start = sy * src_stride + ox as usize * 4;
            canvas
                .row_mut(cy0 as u32 + row, cx0 as u32, cx1 as u32)
                .copy_from_slice(&data[start..start + vw as usize * 4]);
        }
        return;
    }

    let xs = Axis::new(src.width(), dst_rect.width, ox, vw, filter);
    let ys = Axis::new(src.height(), dst_rect.height, oy, vh, filter);
    match filter {
        Filter::Nearest => {
            for row in 0..vh as usize {
                let line = &data[ys.lo[row] as usize * src_stride..][..src_stride];
                let out = canvas.row_mut(cy0 as u32 + row as u32, cx0 as u32, cx1 as u32);
                for (px, &sx) in out.chunks_exact_mut(4).zip(&xs.lo) {
                    let sx = sx as usize * 4;
                    px.copy_from_slice(&line[sx..sx + 4]);
                }
            }
        }
        Filter::Bilinear => {
            // Separable: each source row used is resampled horizontally once
            // (into `RowCache`), then pairs of such rows are blended per
            // destination row. Enlarging reuses a row pair for many rows.
            let mut cache = RowCache::new(vw as usize * 4);
            for row in 0..vh as usize {
                let (lo, hi) = (ys.lo[row] as usize, ys.hi[row] as usize);
                let (top, bottom) = cache.rows(lo, hi, |index, out| {
                    horizontal(&data[index * src_stride..][..src_stride], &xs, out);
                });
                let wy = ys.weight[row];
                let out = canvas.row_mut(cy0 as u32 + row as u32, cx0 as u32, cx1 as u32);
                for ((o, &t), &b) in out.iter_mut().zip(top).zip(bottom) {
                    *o = ((t * (256 - wy) + b * wy + (1 << 15)) >> 16) as u8;
                }
            }
        }
    }
}

/// One source row resampled to the destination width, each channel as
/// `value * 256` (the horizontal weight's scale).
fn horizontal(line: &[u8], xs: &Axis, out: &mut [u32]) {
    for (col, o) in out.chunks_exact_mut(4).enumerate() {
        let (l, h) = (xs.lo[col] as usize * 4, xs.hi[col] as usize * 4);
        let w = xs.weight[col];
        let a = &line[l..l + 4];
        let b = &line[h..h + 4];
        for c in 0..4 {
            o[c] = u32::from(a[c]) * (256 - w) + u32::from(b[c]) * w;
        }
    }
}

/// The two most recent horizontally resampled source rows.
struct RowCache {
    slots: [(Option<usize>, Vec<u32>); 2],
}

impl RowCache {
    fn new(len: usize) -> RowCache {
        RowCache {
            slots: [(None, vec![0; len]), (None, vec![0; len])],
        }
    }

    /// Rows `lo` and `hi` (computing with `fill` what is not cached).
    fn rows(
        &mut self,
        lo: usize,
        hi: usize,
        mut fill: impl FnMut(usize, &mut [u32]),
    ) -> (&[u32], &[u32]) {
        // Put `lo` in slot 0, reusing whichever slot already has it.
        if self.slots[1].0 == Some(lo) {
            self.slots.swap(0, 1);
        }
        if self.slots[0].0 != Some(lo) {
            fill(lo, &mut self.slots[0].1);
            self.slots[0].0 = Some(lo);
        }
        if self.slots[1].0 != Some(hi) {
            fill(hi, &mut self.slots[1].1);
            self.slots[1].0 = Some(hi);
        }
        let [(_, a), (_, b)] = &self.slots;
        (a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Rgba;
    use proptest::prelude::*;

    #[test]
    fn fit_letterbox_and_pillarbox() {
        // 16:9 into 4:3: full width, bars top and bottom.
        assert_eq!(
            fit(1280, 720, Rect::new(0, 0, 800, 600)),
            Rect::new(0, 75, 800, 450)
        );
        // 4:3 into 16:9: full height, bars left and right.
        assert_eq!(
            fit(384, 288, Rect::new(10, 20, 1280, 720)),
            Rect::new(10 + 160, 20, 960, 720)
        );
        // Same ratio: fills the area.
        assert_eq!(
            fit(640, 360, Rect::new(0, 0, 1280, 720)),
            Rect::new(0, 0, 1280, 720)
        );
        // Degenerate inputs.
        assert!(fit(0, 10, Rect::new(0, 0, 10, 10)).is_empty());
        assert!(fit(10, 10, Rect::new(0, 0, 0, 10)).is_empty());
        // Extreme ratio keeps at least one pixel.
        assert_eq!(fit(10_000, 1, Rect::new(0, 0, 100, 100)).height, 1);
    }

    #[test]
    fn same_size_is_a_copy() {
        let mut src = RgbaImage::filled(3, 2, Rgba::BLACK);
        src.canvas().put(2, 1, Rgba::rgb(9, 8, 7));
        let mut dst = RgbaImage::filled(5, 4, Rgba::WHITE);
        blit_scaled(
            &src,
            &mut dst.canvas(),
            Rect::new(1, 1, 3, 2),
            Filter::Bilinear,
        );
        assert_eq!(dst.pixel(0, 0), Some(Rgba::WHITE));
        assert_eq!(dst.pixel(1, 1), Some(Rgba::BLACK));
        assert_eq!(dst.pixel(3, 2), Some(Rgba::rgb(9, 8, 7)));
        assert_eq!(dst.pixel(4, 3), Some(Rgba::WHITE));
    }

    #[test]
    fn upscale_nearest_replicates() {
        let mut src = RgbaImage::filled(2, 1, Rgba::BLACK);
        src.canvas().put(1, 0, Rgba::WHITE);
        let mut dst = RgbaImage::filled(4, 2, Rgba::rgb(1, 1, 1));
        blit_scaled(
            &src,
            &mut dst.canvas(),
            Rect::new(0, 0, 4, 2),
            Filter::Nearest,
        );
        for y in 0..2 {
            assert_eq!(dst.pixel(0, y), Some(Rgba::BLACK));
            assert_eq!(dst.pixel(1, y), Some(Rgba::BLACK));
            assert_eq!(dst.pixel(2, y), Some(Rgba::WHITE));
            assert_eq!(dst.pixel(3, y), Some(Rgba::WHITE));
        }
    }

    #[test]
    fn bilinear_blends_between_neighbours() {
        let mut src = RgbaImage::filled(2, 1, Rgba::BLACK);
        src.canvas().put(1, 0, Rgba::WHITE);
        let mut dst = RgbaImage::filled(4, 1, Rgba::rgb(1, 1, 1));
        blit_scaled(
            &src,
            &mut dst.canvas(),
            Rect::new(0, 0, 4, 1),
            Filter::Bilinear,
        );
        let v: Vec<u8> = (0..4).map(|x| dst.pixel(x, 0).unwrap().0[0]).collect();
        // Centres at source x = -0.25, 0.25, 0.75, 1.25.
        assert_eq!(v, vec![0, 64, 191, 255]);
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn clipped_destination() {
        let src = RgbaImage::filled(8, 8, Rgba::rgb(50, 60, 70));
        let mut dst = RgbaImage::filled(10, 10, Rgba::BLACK);
        blit_scaled(
            &src,
            &mut dst.canvas(),
            Rect::new(-5, 6, 20, 20),
            Filter::Bilinear,
        );
        assert_eq!(dst.pixel(0, 5), Some(Rgba::BLACK));
        assert_eq!(dst.pixel(0, 6), Some(Rgba::rgb(50, 60, 70)));
        assert_eq!(dst.pixel(9, 9), Some(Rgba::rgb(50, 60, 70)));
        blit_scaled(
            &src,
            &mut dst.canvas(),
            Rect::new(100, 100, 5, 5),
            Filter::Nearest,
        );
        blit_scaled(
            &src,
            &mut dst.canvas(),
            Rect::new(i32::MIN, i32::MAX, u32::MAX, 5),
            Filter::Nearest,
        );
    }

    proptest! {
        #[test]
        fn fit_stays_inside_and_keeps_ratio(
            sw in 1u32..5000, sh in 1u32..5000,
            ax in -100i32..100, ay in -100i32..100, aw in 1u32..3000, ah in 1u32..3000,
        ) {
            let area = Rect::new(ax, ay, aw, ah);
            let r = fit(sw, sh, area);
            prop_assert!(r.width >= 1 && r.height >= 1);
            prop_assert!(r.x >= area.x && r.y >= area.y);
            prop_assert!(i64::from(r.x) + i64::from(r.width) <= i64::from(ax) + i64::from(aw));
            prop_assert!(i64::from(r.y) + i64::from(r.height) <= i64::from(ay) + i64::from(ah));
            // One side touches the area.
            prop_assert!(r.width == aw || r.height == ah);
            // Ratio within rounding (half a pixel on the derived side).
            let want = f64::from(sw) / f64::from(sh);
            if r.width == aw && r.height > 1 {
                let exact_h = f64::from(aw) / want;
                prop_assert!((f64::from(r.height) - exact_h).abs() <= 0.5 + 1e-9 || r.height == ah);
            }
        }

        #[test]
        fn blit_never_panics_and_solid_stays_solid(
            sw in 1u32..40, sh in 1u32..40, x in -50i32..50, y in -50i32..50,
            w in 0u32..80, h in 0u32..80, bilinear: bool,
        ) {
            let colour = Rgba::rgb(12, 200, 77);
            let src = RgbaImage::filled(sw, sh, colour);
            let mut dst = RgbaImage::filled(30, 30, Rgba::BLACK);
            let filter = if bilinear { Filter::Bilinear } else { Filter::Nearest };
            let rect = Rect::new(x, y, w, h);
            blit_scaled(&src, &mut dst.canvas(), rect, filter);
            for py in 0..30 {
                for px in 0..30 {
                    let inside = rect.contains(f64::from(px) + 0.5, f64::from(py) + 0.5);
                    let want = if inside { colour } else { Rgba::BLACK };
                    prop_assert_eq!(dst.pixel(px, py), Some(want));
                }
            }
        }
    }
}
