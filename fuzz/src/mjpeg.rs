//! Target `mjpeg`: both MJPEG containers, the lab format (5-digit length +
//! JPEG) and raw concatenated JPEG: `mjpeg::detect`, `mjpeg::index`,
//! `mjpeg::write_lab_frame`, and `Clip::build` over the same bytes.
//!
//! Input: a media file (seeds: the files of `shared/media`, cut down, the
//! broken ones included).
//!
//! Oracles:
//! - the index lies inside the data: frames in file order, not
//!   overlapping, numbered strictly upwards from 1; at most `MAX_PROBLEMS`
//!   problems recorded, each at an offset inside the data;
//! - lab frames start with SOI, are at most 99 999 bytes and sit right
//!   after a length field that reads as their length; raw frames run from
//!   SOI to EOI;
//! - writing the good frames into a new lab container with
//!   `write_lab_frame` and indexing that gives back exactly those frames
//!   with no problem; concatenating raw frames and indexing gives them back
//!   too;
//! - a clip built from the bytes serves only frames of the index, in order.

use stream_core::clip::{Clip, ClipConfig};
use stream_core::mjpeg::{
    self, Container, LAB_LENGTH_FIELD_LEN, LAB_MAX_FRAME_LEN, MAX_PROBLEMS, parse_lab_length,
    write_lab_frame,
};

/// Runs the target.
pub fn run(data: &[u8]) {
    let idx = mjpeg::index(data);
    assert_eq!(idx.container, mjpeg::detect(data));
    assert!(idx.problems.len() <= MAX_PROBLEMS);
    assert!(idx.more_problems == 0 || idx.problems.len() == MAX_PROBLEMS);
    for p in &idx.problems {
        assert!(p.offset <= data.len(), "{p}");
        let _ = p.to_string();
    }
    let mut end = 0;
    let mut number = 0;
    for (i, f) in idx.frames.iter().enumerate() {
        assert!(f.range.start >= end && f.range.start < f.range.end, "{f:?}");
        assert!(f.range.end <= data.len());
        assert!(f.number > number, "frame numbers must rise");
        end = f.range.end;
        number = f.number;
        let bytes = idx.frame(data, i).expect("indexed frame");
        assert!(bytes.starts_with(&[0xFF, 0xD8]), "{f:?}");
        match idx.container {
            Some(Container::Lab) => {
                assert!(bytes.len() <= LAB_MAX_FRAME_LEN);
                let field = &data[f.range.start - LAB_LENGTH_FIELD_LEN..f.range.start];
                assert_eq!(parse_lab_length(field), Some(bytes.len()));
            }
            Some(Container::Raw) => assert!(bytes.ends_with(&[0xFF, 0xD9]), "{f:?}"),
            None => panic!("frames without a container"),
        }
    }

    // Rewritten as a lab container, the good frames read back as they are.
    let mut lab = Vec::new();
    let mut written = Vec::new();
    for i in 0..idx.len() {
        let bytes = idx.frame(data, i).expect("indexed frame");
        if write_lab_frame(&mut lab, bytes).is_ok() {
            written.push(bytes);
        } else {
            assert!(bytes.len() > LAB_MAX_FRAME_LEN);
        }
    }
    if !written.is_empty() {
        let again = mjpeg::index(&lab);
        assert_eq!(again.container, Some(Container::Lab));
        assert!(again.problems.is_empty(), "{:?}", again.problems);
        let got: Vec<&[u8]> = (0..again.len())
            .map(|i| again.frame(&lab, i).unwrap())
            .collect();
        assert_eq!(got, written);
    }
    if idx.container == Some(Container::Raw) && !idx.is_empty() {
        let raw: Vec<u8> = (0..idx.len())
            .flat_map(|i| idx.frame(data, i).unwrap().iter().copied())
            .collect();
        let again = mjpeg::index(&raw);
        assert!(again.problems.is_empty(), "{:?}", again.problems);
        assert_eq!(again.len(), idx.len());
        for i in 0..idx.len() {
            assert_eq!(again.frame(&raw, i), idx.frame(data, i));
        }
    }

    let cfg = ClipConfig {
        mtu: 1400,
        normalize: false,
    };
    if let Ok(clip) = Clip::build("fuzz", data.to_vec(), &cfg) {
        assert!(!clip.is_empty());
        let good: Vec<&[u8]> = (0..idx.len())
            .map(|i| idx.frame(data, i).unwrap())
            .collect();
        let mut from = 0;
        for i in 0..clip.len() {
            let jpeg = clip.jpeg(i);
            let at = good[from..]
                .iter()
                .position(|g| *g == jpeg)
                .unwrap_or_else(|| panic!("clip frame {i} is not an indexed frame"));
            from += at + 1;
        }
        let _ = (clip.width(), clip.height(), clip.problems().len());
    }
}
