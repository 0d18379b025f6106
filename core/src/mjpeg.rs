//! MJPEG containers: the lab format (5-digit length + JPEG) and raw
//! concatenated JPEG.
//!
//! A media file is read once into memory and indexed in one pass by
//! [`index`]; every frame is then a byte range of that buffer, so a server
//! can seek to any frame (PLAY with Range) and share one copy of the file
//! among all its sessions. Nothing here copies frame data.
//!
//! Two containers exist in the wild for this system:
//!
//! - **Lab**: the course lab's `movie.Mjpeg`. Each frame is its length as 5
//!   ASCII bytes, read the way Python's `int()` reads them (so `'07058'`,
//!   `' 7058'` and `'7058 '` all mean 7058), followed by that many bytes of
//!   one JPEG image. Frames are therefore at most 99 999 bytes.
//! - **Raw**: JPEG images back to back, as `ffmpeg -f mjpeg` writes them.
//!   Frame boundaries are found by walking each image's marker segments and
//!   entropy-coded data, never by searching for `FF D9`, which legitimately
//!   occurs inside APPn segments (EXIF thumbnails are whole JPEGs).
//!
//! The container is detected from the content ([`detect`]), never from the
//! file name. Bad input never stops the good frames before it from being
//! served: the index lists every good frame and reports each problem with
//! the frame number and byte offset where it was found
//! ("frame 3 at byte 14420: length field \"12a45\" is not a number").

use alloc::vec::Vec;
use core::ops::Range;

use crate::jpeg::markers::{entropy_data_end, marker};

/// The largest frame the lab container can hold: its length field has five
/// decimal digits.
pub const LAB_MAX_FRAME_LEN: usize = 99_999;

/// Length of the lab container's per-frame length field, in bytes.
pub const LAB_LENGTH_FIELD_LEN: usize = 5;

/// The most problems [`index`] records one by one; later ones are only
/// counted in [`FrameIndex::more_problems`], so that a hostile file (say,
/// millions of zero-length frames) cannot make the report outgrow the file.
pub const MAX_PROBLEMS: usize = 64;

/// How much larger than the largest good frame so far a lab frame's declared
/// length may be and still be diagnosed as a cut file
/// ([`MjpegErrorKind::Truncated`]) rather than a broken length field
/// ([`MjpegErrorKind::PastEnd`]). Frame sizes of one MJPEG stream vary with
/// the picture, but not by an order of magnitude from one frame to the next.
pub const TRUNCATION_MAX_GROWTH: usize = 8;

/// The two container formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Container {
    /// The course lab's format: 5 ASCII length bytes, then the JPEG.
    Lab,
    /// JPEG images back to back (`ffmpeg -f mjpeg`).
    Raw,
}

/// Which container `data` is in, judged by its first bytes: a JPEG SOI
/// marker (`FF D8`) means [`Container::Raw`]; five bytes that Python's
/// `int()` accepts as a length mean [`Container::Lab`]. `None` for anything
/// else, including empty input.
pub fn detect(data: &[u8]) -> Option<Container> {
    if data.starts_with(&[0xFF, marker::SOI]) {
        return Some(Container::Raw);
    }
    let field = data.get(..LAB_LENGTH_FIELD_LEN)?;
    parse_lab_length(field).map(|_| Container::Lab)
}

/// Reads a lab length field the way the lab server's `int(data)` does:
/// optional leading and trailing ASCII whitespace (space, `\t`, `\n`, `\v`,
/// `\f`, `\r`, Python's `Py_ISSPACE` set) around one or more ASCII digits.
///
/// Stricter than `int()` on purpose in two places no real writer exercises:
/// a sign (`+`/`-`) and digit-separating underscores (`7_058`) are rejected,
/// since a length written that way means the file is not what it claims.
/// Returns `None` for anything else (inner spaces, other bytes, all blanks).
pub fn parse_lab_length(field: &[u8]) -> Option<usize> {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C);
    let start = field.iter().position(|b| !is_space(b))?;
    let end = field.iter().rposition(|b| !is_space(b))? + 1;
    let digits = &field[start..end];
    if digits.is_empty() || digits.len() > LAB_LENGTH_FIELD_LEN {
        return None;
    }
    let mut value = 0usize;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value * 10 + usize::from(d - b'0');
    }
    Some(value)
}

/// One good frame of a container.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IndexedFrame {
    /// 1-based position of the frame in the file, counting bad frames too,
    /// so that messages and seeks agree with what a person counting records
    /// in the file would say.
    pub number: u32,
    /// The JPEG bytes (SOI to EOI in the raw container; the whole record
    /// payload in the lab container), as offsets into the indexed data.
    pub range: Range<usize>,
}

/// The result of [`index`]: every good frame, and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FrameIndex {
    /// The detected container, `None` if the data is in neither.
    pub container: Option<Container>,
    /// The good frames, in file order.
    pub frames: Vec<IndexedFrame>,
    /// The first [`MAX_PROBLEMS`] problems, in file order.
    pub problems: Vec<MjpegError>,
    /// How many further problems were found but not recorded.
    pub more_problems: usize,
}

impl FrameIndex {
    /// Number of good frames.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether there is no good frame at all.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The bytes of the `i`-th good frame (0-based, not [`IndexedFrame::number`]),
    /// given the same `data` that was indexed. `None` if `i` is out of range
    /// or `data` is not the indexed buffer (too short for the range).
    pub fn frame<'a>(&self, data: &'a [u8], i: usize) -> Option<&'a [u8]> {
        data.get(self.frames.get(i)?.range.clone())
    }

    fn report(&mut self, kind: MjpegErrorKind, frame: u32, offset: usize) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(MjpegError {
                kind,
                frame,
                offset,
            });
        } else {
            self.more_problems = self.more_problems.saturating_add(1);
        }
    }
}

/// What is wrong with a part of a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum MjpegErrorKind {
    /// A lab length field that Python's `int()` would not read as a
    /// non-negative length. Ends the index: nothing tells where the next
    /// frame starts.
    #[error("length field \"{}\" is not a number", .0.escape_ascii())]
    BadLength([u8; 5]),
    /// A lab length field that runs past the end of the data and is not
    /// plausibly a cut file (it declares far more than any frame before it,
    /// or what follows is not the start of a JPEG): the field itself is
    /// probably broken. Ends the index.
    #[error("length {declared} runs past the end of the data ({available} bytes left)")]
    PastEnd {
        /// The length the field declares.
        declared: usize,
        /// Bytes left after the length field.
        available: usize,
    },
    /// The data ends inside a frame: the file was cut short (the length
    /// field is plausible and the bytes present start like a JPEG), or a
    /// raw image ends without EOI. In the raw container this also names an
    /// image interrupted by the next one's SOI, which does not end the index.
    #[error("frame is cut short")]
    Truncated,
    /// A lab frame of length 0; skipped.
    #[error("zero-length frame")]
    ZeroLength,
    /// A lab frame whose bytes do not start with the JPEG SOI marker; skipped
    /// (its length still says where the next frame starts). Only the SOI is
    /// checked here: decoding, and the full marker check of
    /// [`crate::jpeg::Jpeg::parse`], happen once per frame where the frame is
    /// used, so indexing a lab file stays one cheap pass over its headers.
    #[error("not a JPEG image")]
    NotJpeg,
    /// A raw image whose marker structure breaks at byte `at` (a byte where a
    /// marker must be, a segment length under 2, or no scan before EOI);
    /// skipped up to the next SOI.
    #[error("malformed JPEG (marker structure broken at byte {at})")]
    Malformed {
        /// Where the structure breaks, as an offset into the data.
        at: usize,
    },
    /// Bytes between raw images that are not a JPEG image; skipped up to the
    /// next SOI and reported once per run.
    #[error("{skipped} bytes of garbage before the frame")]
    Garbage {
        /// How many bytes were skipped.
        skipped: usize,
    },
    /// The data is neither a lab container nor raw JPEG.
    #[error("unknown container (neither a 5-digit length nor a JPEG SOI)")]
    UnknownContainer,
    /// There is no data at all.
    #[error("empty file")]
    Empty,
}

/// A problem found in a container, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("frame {frame} at byte {offset}: {kind}")]
pub struct MjpegError {
    /// What is wrong.
    pub kind: MjpegErrorKind,
    /// 1-based number of the frame concerned (for [`MjpegErrorKind::Garbage`],
    /// the frame that follows the garbage).
    pub frame: u32,
    /// Byte offset into the data: where the frame's record starts (its
    /// length field in the lab container, its SOI in the raw one), or where
    /// the garbage starts.
    pub offset: usize,
}

/// Indexes `data` in one pass: detects the container, then lists every good
/// frame and reports every problem (see [`MjpegErrorKind`] for which
/// problems skip a frame and which end the index).
///
/// Never panics, never reads outside `data`; memory is bounded by the
/// number of frames plus [`MAX_PROBLEMS`].
pub fn index(data: &[u8]) -> FrameIndex {
    let mut idx = FrameIndex {
        container: detect(data),
        ..FrameIndex::default()
    };
    match idx.container {
        Some(Container::Lab) => index_lab(data, &mut idx),
        Some(Container::Raw) => index_raw(data, &mut idx),
        None if data.is_empty() => idx.report(MjpegErrorKind::Empty, 1, 0),
        None => idx.report(MjpegErrorKind::UnknownContainer, 1, 0),
    }
    idx
}

fn index_lab(data: &[u8], idx: &mut FrameIndex) {
    let mut pos = 0usize;
    let mut number = 0u32;
    let mut largest = 0usize;
    while pos < data.len() {
        number = number.saturating_add(1);
        let rest = &data[pos..];
        let Some(field) = rest.get(..LAB_LENGTH_FIELD_LEN) else {
            // The file ends inside a length field.
            idx.report(MjpegErrorKind::Truncated, number, pos);
            return;
        };
        let Some(declared) = parse_lab_length(field) else {
            let mut raw = [0u8; LAB_LENGTH_FIELD_LEN];
            raw.copy_from_slice(field);
            idx.report(MjpegErrorKind::BadLength(raw), number, pos);
            return;
        };
        let body = &rest[LAB_LENGTH_FIELD_LEN..];
        if declared == 0 {
            idx.report(MjpegErrorKind::ZeroLength, number, pos);
            pos += LAB_LENGTH_FIELD_LEN;
            continue;
        }
        if declared > body.len() {
            let plausible =
                largest == 0 || declared <= largest.saturating_mul(TRUNCATION_MAX_GROWTH);
            let soi = [0xFF, marker::SOI];
            let starts_like_jpeg = soi.starts_with(&body[..body.len().min(2)]);
            let kind = if plausible && starts_like_jpeg {
                MjpegErrorKind::Truncated
            } else {
                MjpegErrorKind::PastEnd {
                    declared,
                    available: body.len(),
                }
            };
            idx.report(kind, number, pos);
            return;
        }
        let start = pos + LAB_LENGTH_FIELD_LEN;
        let end = start + declared;
        if data[start..end].starts_with(&[0xFF, marker::SOI]) {
            largest = largest.max(declared);
            idx.frames.push(IndexedFrame {
                number,
                range: start..end,
            });
        } else {
            idx.report(MjpegErrorKind::NotJpeg, number, pos);
        }
        pos = end;
    }
}

/// How a walk over one raw JPEG image ended.
enum RawWalk {
    /// EOI found; the image ends at this offset (exclusive).
    Complete(usize),
    /// The data ends inside the image.
    Truncated,
    /// Another SOI starts at this offset before this image ended.
    Interrupted(usize),
    /// The marker structure breaks at this offset.
    Malformed(usize),
}

/// Walks the JPEG image whose SOI is at `start`, segment by segment and
/// through entropy-coded data, to its EOI. Same marker rules as
/// [`crate::jpeg::Jpeg::parse`] (stand-alone markers, fill bytes), but it
/// follows every scan, so progressive images end at their real EOI.
fn walk_raw_image(data: &[u8], start: usize) -> RawWalk {
    let mut pos = start + 2;
    let mut saw_scan = false;
    loop {
        let Some(&b) = data.get(pos) else {
            return RawWalk::Truncated;
        };
        if b != 0xFF {
            return RawWalk::Malformed(pos);
        }
        let mut m_at = pos + 1;
        while data.get(m_at) == Some(&0xFF) {
            m_at += 1;
        }
        let Some(&m) = data.get(m_at) else {
            return RawWalk::Truncated;
        };
        let seg = m_at + 1;
        match m {
            marker::EOI if saw_scan => return RawWalk::Complete(seg),
            marker::EOI => return RawWalk::Malformed(pos),
            marker::SOI => return RawWalk::Interrupted(pos),
            marker::TEM | marker::RST0..=marker::RST7 | 0x00 => {
                pos = seg;
                continue;
            }
            _ => {}
        }
        let Some(len_bytes) = data.get(seg..seg + 2) else {
            return RawWalk::Truncated;
        };
        let seg_len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        if seg_len < 2 {
            return RawWalk::Malformed(seg);
        }
        let end = seg + seg_len;
        if end > data.len() {
            return RawWalk::Truncated;
        }
        if m == marker::SOS {
            saw_scan = true;
            pos = entropy_data_end(data, end);
        } else {
            pos = end;
        }
    }
}

/// The next plausible SOI at or after `from`: `FF D8` followed by another
/// marker's `FF` (or the end of the data). Requiring the third byte makes a
/// stray `FF D8` in garbage much less likely to be taken for an image.
fn find_soi(data: &[u8], from: usize) -> Option<usize> {
    let tail = data.get(from..)?;
    tail.windows(2)
        .enumerate()
        .find(|&(i, w)| w == [0xFF, marker::SOI] && tail.get(i + 2).is_none_or(|&b| b == 0xFF))
        .map(|(i, _)| from + i)
}

fn index_raw(data: &[u8], idx: &mut FrameIndex) {
    let mut pos = 0usize;
    let mut number = 0u32;
    while pos < data.len() {
        if !data[pos..].starts_with(&[0xFF, marker::SOI]) {
            let next = find_soi(data, pos);
            let skipped = next.unwrap_or(data.len()) - pos;
            idx.report(
                MjpegErrorKind::Garbage { skipped },
                number.saturating_add(1),
                pos,
            );
            match next {
                Some(n) => pos = n,
                None => return,
            }
        }
        number = number.saturating_add(1);
        match walk_raw_image(data, pos) {
            RawWalk::Complete(end) => {
                idx.frames.push(IndexedFrame {
                    number,
                    range: pos..end,
                });
                pos = end;
            }
            RawWalk::Truncated => {
                idx.report(MjpegErrorKind::Truncated, number, pos);
                return;
            }
            RawWalk::Interrupted(next) => {
                idx.report(MjpegErrorKind::Truncated, number, pos);
                pos = next;
            }
            RawWalk::Malformed(at) => {
                idx.report(MjpegErrorKind::Malformed { at }, number, pos);
                // The broken image's bytes belong to it, not to garbage.
                match find_soi(data, at) {
                    Some(n) => pos = n,
                    None => return,
                }
            }
        }
    }
}

/// Misuse of the lab container writer: the frame cannot be recorded so that
/// [`index`] reads it back as a good frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MjpegWriteError {
    /// Longer than the 5-digit length field can say.
    #[error("frame of {len} bytes does not fit the lab container (at most 99999)")]
    TooLong {
        /// The frame's length.
        len: usize,
    },
    /// An empty frame (it would be read back as a zero-length frame).
    #[error("empty frame")]
    Empty,
    /// The bytes do not start with the JPEG SOI marker.
    #[error("not a JPEG image (no SOI marker)")]
    NotJpeg,
}

/// Appends one lab-container record to `out`: the length of `jpeg` as five
/// zero-padded ASCII digits, then `jpeg`. On error nothing is written.
pub fn write_lab_frame(out: &mut Vec<u8>, jpeg: &[u8]) -> Result<(), MjpegWriteError> {
    let header = lab_header(jpeg)?;
    out.reserve(header.len() + jpeg.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(jpeg);
    Ok(())
}

fn lab_header(jpeg: &[u8]) -> Result<[u8; LAB_LENGTH_FIELD_LEN], MjpegWriteError> {
    if jpeg.is_empty() {
        return Err(MjpegWriteError::Empty);
    }
    if jpeg.len() > LAB_MAX_FRAME_LEN {
        return Err(MjpegWriteError::TooLong { len: jpeg.len() });
    }
    if !jpeg.starts_with(&[0xFF, marker::SOI]) {
        return Err(MjpegWriteError::NotJpeg);
    }
    let mut header = [b'0'; LAB_LENGTH_FIELD_LEN];
    let mut n = jpeg.len();
    for d in header.iter_mut().rev() {
        // n < 100_000, so each digit fits in a u8.
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    Ok(header)
}

/// Records frames into a lab container through any [`std::io::Write`]
/// (the viewer's recorder). Wrap a file in a `BufWriter`: each frame is two
/// writes (length field, then the JPEG).
#[cfg(feature = "std")]
#[derive(Debug)]
pub struct LabWriter<W: std::io::Write> {
    inner: W,
    frames_written: u64,
}

#[cfg(feature = "std")]
impl<W: std::io::Write> LabWriter<W> {
    /// A writer appending records to `inner` from its current position.
    pub fn new(inner: W) -> Self {
        LabWriter {
            inner,
            frames_written: 0,
        }
    }

    /// Writes one frame. A frame [`write_lab_frame`] refuses gives an
    /// `InvalidInput` error and writes nothing; an I/O error may leave a
    /// partial record behind (the reader reports it as a cut last frame).
    pub fn write_frame(&mut self, jpeg: &[u8]) -> std::io::Result<()> {
        let header = lab_header(jpeg)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        self.inner.write_all(&header)?;
        self.inner.write_all(jpeg)?;
        self.frames_written += 1;
        Ok(())
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }

    /// Frames written so far.
    pub fn frames_written(&self) -> u64 {
        self.frames_written
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Gives back the underlying writer (not flushed: call [`LabWriter::flush`]
    /// first if it buffers).
    pub fn into_inner(self) -> W {
        self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    /// A tiny but structurally complete JPEG: SOI, a segment, SOS with
    /// entropy data containing a stuffed FF and a restart marker, EOI.
    fn tiny_jpeg(fill: u8) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xFE, 0, 4, b'h', b'i'];
        v.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0]);
        v.extend_from_slice(&[fill, 0xFF, 0x00, fill, 0xFF, 0xD0, fill]);
        v.extend_from_slice(&[0xFF, 0xD9]);
        v
    }

    #[test]
    fn lab_length_like_python_int() {
        assert_eq!(parse_lab_length(b"07058"), Some(7058));
        assert_eq!(parse_lab_length(b" 7058"), Some(7058));
        assert_eq!(parse_lab_length(b"7058 "), Some(7058));
        assert_eq!(parse_lab_length(b"\t705\n"), Some(705));
        assert_eq!(parse_lab_length(b"00000"), Some(0));
        assert_eq!(parse_lab_length(b"99999"), Some(99_999));
        assert_eq!(parse_lab_length(b"70 58"), None);
        assert_eq!(parse_lab_length(b"+7058"), None);
        assert_eq!(parse_lab_length(b"-7058"), None);
        assert_eq!(parse_lab_length(b"7_058"), None);
        assert_eq!(parse_lab_length(b"12a45"), None);
        assert_eq!(parse_lab_length(b"     "), None);
        assert_eq!(parse_lab_length(b""), None);
        assert_eq!(parse_lab_length(b"\x1c7058"), None);
    }

    #[test]
    fn detect_by_content() {
        assert_eq!(detect(&tiny_jpeg(1)), Some(Container::Raw));
        assert_eq!(detect(b"00010\xFF\xD8"), Some(Container::Lab));
        assert_eq!(detect(b" 7058"), Some(Container::Lab));
        assert_eq!(detect(b"hello"), None);
        assert_eq!(detect(b"0001"), None);
        assert_eq!(detect(b""), None);
    }

    #[test]
    fn display_names_frame_offset_and_field() {
        let e = MjpegError {
            kind: MjpegErrorKind::BadLength(*b"12a45"),
            frame: 3,
            offset: 34880,
        };
        assert_eq!(
            e.to_string(),
            "frame 3 at byte 34880: length field \"12a45\" is not a number"
        );
        let e = MjpegError {
            kind: MjpegErrorKind::BadLength([0xFF, b'1', b'"', 0, b' ']),
            frame: 1,
            offset: 0,
        };
        assert_eq!(
            e.to_string(),
            "frame 1 at byte 0: length field \"\\xff1\\\"\\x00 \" is not a number"
        );
    }

    #[test]
    fn raw_walk_skips_ff_d9_inside_segments() {
        // An APP1 segment holding a whole "thumbnail" JPEG, EOI included.
        let mut img = vec![0xFF, 0xD8, 0xFF, 0xE1, 0, 8, 0xFF, 0xD8, 0xFF, 0xD9, 0, 0];
        img.extend_from_slice(&tiny_jpeg(7)[2..]);
        let mut data = img.clone();
        data.extend_from_slice(&tiny_jpeg(9));
        let idx = index(&data);
        assert_eq!(idx.container, Some(Container::Raw));
        assert!(idx.problems.is_empty(), "{:?}", idx.problems);
        assert_eq!(idx.frames.len(), 2);
        assert_eq!(idx.frames[0].range, 0..img.len());
        assert_eq!(idx.frame(&data, 1), Some(&tiny_jpeg(9)[..]));
    }

    #[test]
    fn raw_garbage_interruption_and_cut() {
        let a = tiny_jpeg(1);
        let mut data = a.clone();
        data.extend_from_slice(b"junk\xFF\xD8x"); // garbage, including a stray FF D8
        let g_at = a.len();
        let b_at = data.len();
        data.extend_from_slice(&a[..19]); // image cut short by the next SOI
        let c_at = data.len();
        data.extend_from_slice(&a);
        let d_at = data.len();
        data.extend_from_slice(&a[..a.len() - 3]); // cut at the end
        let idx = index(&data);
        let numbers: Vec<u32> = idx.frames.iter().map(|f| f.number).collect();
        assert_eq!(numbers, vec![1, 3]);
        assert_eq!(idx.frames[1].range, c_at..c_at + a.len());
        assert_eq!(
            idx.problems,
            vec![
                MjpegError {
                    kind: MjpegErrorKind::Garbage { skipped: 7 },
                    frame: 2,
                    offset: g_at
                },
                MjpegError {
                    kind: MjpegErrorKind::Truncated,
                    frame: 2,
                    offset: b_at
                },
                MjpegError {
                    kind: MjpegErrorKind::Truncated,
                    frame: 4,
                    offset: d_at
                },
            ]
        );
    }

    #[test]
    fn raw_malformed_image_is_skipped_to_next_soi() {
        let a = tiny_jpeg(1);
        let mut data = a.clone();
        let bad_at = data.len();
        data.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xFE, 0, 1, 0, 0]); // segment length 1
        data.extend_from_slice(&a);
        data.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xD9]); // no scan
        let idx = index(&data);
        assert_eq!(idx.frames.len(), 2);
        assert_eq!(idx.frames[1].number, 3);
        assert_eq!(
            idx.problems[0],
            MjpegError {
                kind: MjpegErrorKind::Malformed { at: bad_at + 4 },
                frame: 2,
                offset: bad_at
            }
        );
        assert_eq!(
            idx.problems[1].kind,
            MjpegErrorKind::Malformed { at: data.len() - 2 }
        );
        assert_eq!(idx.problems.len(), 2);
    }

    #[test]
    fn lab_cut_inside_length_field_and_empty_and_unknown() {
        let mut data = Vec::new();
        write_lab_frame(&mut data, &tiny_jpeg(1)).unwrap();
        data.extend_from_slice(b"00");
        let idx = index(&data);
        assert_eq!(idx.frames.len(), 1);
        assert_eq!(idx.problems[0].kind, MjpegErrorKind::Truncated);
        assert_eq!(idx.problems[0].frame, 2);

        let idx = index(b"");
        assert_eq!(idx.container, None);
        assert_eq!(idx.problems[0].kind, MjpegErrorKind::Empty);
        let idx = index(b"GIF89a....");
        assert_eq!(idx.problems[0].kind, MjpegErrorKind::UnknownContainer);
        assert!(idx.frames.is_empty());
    }

    #[test]
    fn problems_are_capped() {
        let data = b"00000".repeat(1000);
        let idx = index(&data);
        assert_eq!(idx.problems.len(), MAX_PROBLEMS);
        assert_eq!(idx.more_problems, 1000 - MAX_PROBLEMS);
        assert!(idx.frames.is_empty());
    }

    #[test]
    fn writer_refuses_what_reader_would_reject() {
        let mut out = vec![1, 2];
        assert_eq!(
            write_lab_frame(&mut out, &[0xFF; 100_000]),
            Err(MjpegWriteError::TooLong { len: 100_000 })
        );
        assert_eq!(write_lab_frame(&mut out, &[]), Err(MjpegWriteError::Empty));
        assert_eq!(
            write_lab_frame(&mut out, b"text"),
            Err(MjpegWriteError::NotJpeg)
        );
        assert_eq!(out, vec![1, 2]);
        let mut big = vec![0xFF, 0xD8];
        big.resize(LAB_MAX_FRAME_LEN, 0);
        write_lab_frame(&mut out, &big).unwrap();
        assert_eq!(&out[2..7], b"99999");
    }
}
