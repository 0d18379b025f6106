//! JPEG to RGBA with zune-jpeg, failing with a reason instead of panicking.
//!
//! The viewer calls [`decode_jpeg`] on its decoder thread for every frame
//! that arrives. Frames come from the network, so anything can be in them:
//! dimensions are capped from the header before any pixel buffer is
//! allocated (a few hundred bytes can declare 65535x65535, and the decoder
//! fills in missing data rather than failing), and the
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
/// 2040 pixels and a lab frame is one datagram; 4096 leaves room for
/// anything real.
pub const MAX_DIMENSION: u32 = 4096;

/// Most pixels decoded: 4096x2304 (16:9 at 4096 wide).
pub const MAX_PIXELS: u32 = 4096 * 2304;

/// RGBA bytes of the largest picture decoded (36 MiB).
pub const MAX_IMAGE_BYTES: usize = MAX_PIXELS as usize * 4;

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
    /// The header announces a picture wider or taller than
    /// [`MAX_DIMENSION`], or of more than [`MAX_PIXELS`] pixels.
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
                "{width}x{height} is larger than the viewer decodes \
                 ({MAX_DIMENSION} pixels a side, {MAX_PIXELS} in all)"
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
    // zune's own size limits are lifted: the header's size is checked
    // here, so the error is ours.
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGBA)
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX));
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut decoder = JpegDecoder::new_with_options(ZCursor::new(jpeg), options);
        decoder
            .decode_headers()
            .map_err(|e| DecodeError::Malformed(e.to_string()))?;
        let info = decoder
            .info()
            .ok_or_else(|| DecodeError::Malformed("no frame header".into()))?;
        // zune has refused zero sizes already.
        let (width, height) = (u32::from(info.width), u32::from(info.height));
        if width > MAX_DIMENSION || height > MAX_DIMENSION || width * height > MAX_PIXELS {
            return Err(DecodeError::TooLarge { width, height });
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

    /// A small JPEG whose header declares `width` x `height` (the decoder
    /// makes up the missing data).
    fn declaring(width: u16, height: u16) -> Vec<u8> {
        let mut jpeg = encode(16, 16, [1, 2, 3]);
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
        jpeg
    }

    #[test]
    fn oversized_headers_are_refused_before_allocating() {
        for (width, height) in [
            (4097, 16),
            (16, 4097),
            (4096, 2305),
            (8192, 8192),
            (65535, 65535),
        ] {
            let jpeg = declaring(width, height);
            assert!(jpeg.len() < 1000);
            let err = decode_jpeg(&jpeg).unwrap_err();
            let (width, height) = (u32::from(width), u32::from(height));
            assert_eq!(err, DecodeError::TooLarge { width, height });
            assert!(err.to_string().contains("larger than the viewer decodes"));
        }
        // At the caps it decodes.
        for (width, height) in [(4096, 16), (16, 4096)] {
            let img = decode_jpeg(&declaring(width, height)).unwrap();
            assert_eq!((img.width(), img.height()), (width.into(), height.into()));
        }
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
