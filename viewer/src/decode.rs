//! JPEG to RGBA with zune-jpeg, failing with a reason instead of panicking.
//!
//! The viewer calls [`decode_jpeg`] on its decoder thread for every frame
//! that arrives. Frames come from the network, so anything can be in them:
//! dimensions are capped before any pixel buffer is allocated, and the
//! decoder runs under `catch_unwind` so that even a bug in it costs one
//! frame (reported as "frame N: ..."), never the viewer.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use crate::image::RgbaImage;

/// Largest width or height decoded. RFC 2435 cannot describe more than
/// 2040 pixels, the lab container holds frames up to 99999 bytes; 8192
/// leaves room for anything real while capping a frame at 256 MiB of RGBA.
pub const MAX_DIMENSION: u32 = 8192;

/// Why a frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The frame has no bytes.
    Empty,
    /// The data does not start with a JPEG SOI marker (FF D8).
    NotJpeg {
        /// The first (up to) two bytes.
        starts_with: [u8; 2],
    },
    /// The header announces a picture larger than [`MAX_DIMENSION`].
    TooLarge {
        /// Announced width.
        width: u32,
        /// Announced height.
        height: u32,
    },
    /// The decoder rejected the data.
    Malformed(String),
    /// The decoder panicked on this input (a decoder bug; the frame is dropped).
    DecoderPanicked,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => f.write_str("empty frame"),
            DecodeError::NotJpeg { starts_with } => write!(
                f,
                "not a JPEG image (starts with {:02X} {:02X}, not FF D8)",
                starts_with[0], starts_with[1]
            ),
            DecodeError::TooLarge { width, height } => write!(
                f,
                "{width}x{height} is larger than the {MAX_DIMENSION}x{MAX_DIMENSION} the viewer decodes"
            ),
            DecodeError::Malformed(why) => write!(f, "bad JPEG data: {why}"),
            DecodeError::DecoderPanicked => f.write_str("the JPEG decoder failed on this frame"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes one JPEG image (baseline or progressive, any sampling, grey or
/// colour) to RGBA8.
pub fn decode_jpeg(jpeg: &[u8]) -> Result<RgbaImage, DecodeError> {
    if jpeg.is_empty() {
        return Err(DecodeError::Empty);
    }
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        let mut starts_with = [0; 2];
        for (dst, src) in starts_with.iter_mut().zip(jpeg) {
            *dst = *src;
        }
        return Err(DecodeError::NotJpeg { starts_with });
    }
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGBA)
        .set_max_width(MAX_DIMENSION as usize)
        .set_max_height(MAX_DIMENSION as usize);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut decoder = JpegDecoder::new_with_options(ZCursor::new(jpeg), options);
        decoder
            .decode_headers()
            .map_err(|e| DecodeError::Malformed(e.to_string()))?;
        let info = decoder
            .info()
            .ok_or_else(|| DecodeError::Malformed("no frame header".into()))?;
        let (width, height) = (u32::from(info.width), u32::from(info.height));
        if width > MAX_DIMENSION || height > MAX_DIMENSION {
            return Err(DecodeError::TooLarge { width, height });
        }
        if width == 0 || height == 0 {
            return Err(DecodeError::Malformed(format!(
                "zero-sized picture ({width}x{height})"
            )));
        }
        let pixels = decoder
            .decode()
            .map_err(|e| DecodeError::Malformed(e.to_string()))?;
        RgbaImage::from_raw(width, height, pixels).ok_or_else(|| {
            DecodeError::Malformed("decoder returned a buffer of the wrong size".into())
        })
    }));
    result.unwrap_or(Err(DecodeError::DecoderPanicked))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Rgba;

    fn encode(width: u16, height: u16, colour: [u8; 3]) -> Vec<u8> {
        let mut rgb = Vec::new();
        for _ in 0..usize::from(width) * usize::from(height) {
            rgb.extend_from_slice(&colour);
        }
        let mut out = Vec::new();
        jpeg_encoder::Encoder::new(&mut out, 90)
            .encode(&rgb, width, height, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        out
    }

    #[test]
    fn decodes_to_rgba() {
        let img = decode_jpeg(&encode(48, 32, [200, 30, 40])).unwrap();
        assert_eq!((img.width(), img.height()), (48, 32));
        let Rgba([r, g, b, a]) = img.pixel(20, 20).unwrap();
        assert!(r.abs_diff(200) < 8 && g.abs_diff(30) < 8 && b.abs_diff(40) < 8);
        assert_eq!(a, 255);
    }

    #[test]
    fn rejects_with_reasons() {
        assert_eq!(decode_jpeg(&[]), Err(DecodeError::Empty));
        assert_eq!(
            decode_jpeg(b"hello"),
            Err(DecodeError::NotJpeg {
                starts_with: *b"he"
            })
        );
        assert_eq!(
            decode_jpeg(b"x"),
            Err(DecodeError::NotJpeg {
                starts_with: [b'x', 0]
            })
        );
        assert!(matches!(
            decode_jpeg(&[0xFF, 0xD8, 0xFF]),
            Err(DecodeError::Malformed(_))
        ));
        let msg = decode_jpeg(b"GIF89a").unwrap_err().to_string();
        assert!(msg.contains("not a JPEG"), "{msg}");
    }

    #[test]
    fn oversized_headers_are_refused_before_allocating() {
        let mut jpeg = encode(16, 16, [1, 2, 3]);
        // Patch the SOF0 height/width to 60000x60000.
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
        let err = decode_jpeg(&jpeg).unwrap_err();
        assert!(
            matches!(
                err,
                DecodeError::TooLarge { .. } | DecodeError::Malformed(_)
            ),
            "{err:?}"
        );
    }

    #[test]
    fn every_prefix_and_corruption_is_an_error_or_an_image() {
        let jpeg = encode(32, 16, [10, 200, 90]);
        for cut in 0..jpeg.len() {
            let _ = decode_jpeg(&jpeg[..cut]);
        }
        let mut state = 0x1234_5678u32;
        for _ in 0..300 {
            let mut bad = jpeg.clone();
            for _ in 0..4 {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let at = 2 + state as usize % (bad.len() - 2);
                bad[at] = (state >> 24) as u8;
            }
            if let Ok(img) = decode_jpeg(&bad) {
                assert_eq!(
                    img.as_bytes().len(),
                    img.width() as usize * img.height() as usize * 4
                );
            }
        }
    }
}
