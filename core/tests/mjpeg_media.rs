//! Every file of the shared media through the container index: the frame
//! counts and problems its README promises, at offsets checked against the
//! files by hand (`python3`: walk the 5-byte length fields with `int()`).

use std::path::PathBuf;

use stream_core::jpeg::Jpeg;
use stream_core::mjpeg::{
    Container, FrameIndex, LabWriter, MjpegError, MjpegErrorKind, detect, index, write_lab_frame,
};

fn media(name: &str) -> Vec<u8> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/media")).join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Indexes `name` and checks what every good frame must satisfy: it lies in
/// the data, starts with SOI, parses as a JPEG, and frame numbers increase.
fn indexed(name: &str) -> (Vec<u8>, FrameIndex) {
    let data = media(name);
    let idx = index(&data);
    let mut last_number = 0;
    for (i, f) in idx.frames.iter().enumerate() {
        let bytes = idx.frame(&data, i).unwrap();
        assert_eq!(bytes, &data[f.range.clone()]);
        assert!(
            bytes.starts_with(&[0xFF, 0xD8]),
            "{name} frame {}",
            f.number
        );
        let jpeg = Jpeg::parse(bytes).unwrap_or_else(|e| panic!("{name} frame {}: {e}", f.number));
        assert!(jpeg.has_eoi, "{name} frame {}", f.number);
        assert!(f.number > last_number);
        last_number = f.number;
    }
    (data, idx)
}

fn clean(name: &str, container: Container, frames: usize) {
    let (data, idx) = indexed(name);
    assert_eq!(detect(&data), Some(container), "{name}");
    assert_eq!(idx.container, Some(container), "{name}");
    assert_eq!(idx.frames.len(), frames, "{name}");
    assert!(idx.problems.is_empty(), "{name}: {:?}", idx.problems);
    // Numbered 1..=n, with nothing skipped.
    let numbers: Vec<u32> = idx.frames.iter().map(|f| f.number).collect();
    assert_eq!(numbers, (1..=frames as u32).collect::<Vec<_>>(), "{name}");
    // The frames tile the file: each record (or image) starts where the last ended.
    let header = if container == Container::Lab { 5 } else { 0 };
    let mut at = 0;
    for f in &idx.frames {
        assert_eq!(f.range.start, at + header, "{name} frame {}", f.number);
        at = f.range.end;
    }
    assert_eq!(at, data.len(), "{name}");
}

#[test]
fn clean_lab_files() {
    clean("lab-384x288-444.Mjpeg", Container::Lab, 26);
    clean("testsrc-1280x720-420.Mjpeg", Container::Lab, 100);
    clean("testsrc-1280x720-420-opthuff.Mjpeg", Container::Lab, 100);
    clean("mandelbrot-640x480-422.Mjpeg", Container::Lab, 100);
    clean("restart-640x480-420.Mjpeg", Container::Lab, 20);
    clean("progressive-640x480.Mjpeg", Container::Lab, 20);
    clean("gray-640x480.Mjpeg", Container::Lab, 20);
    clean("big-1920x1080-420.Mjpeg", Container::Lab, 10);
}

#[test]
fn raw_concatenated_jpeg() {
    clean("testsrc-640x480-420.raw.mjpeg", Container::Raw, 60);
}

#[test]
fn progressive_frames_end_at_their_last_scan() {
    // Several scans per image: the raw walker must follow them all. Build a
    // raw stream from the lab file's frames and index it.
    let (data, idx) = indexed("progressive-640x480.Mjpeg");
    let mut raw = Vec::new();
    for f in &idx.frames {
        raw.extend_from_slice(&data[f.range.clone()]);
    }
    let raw_idx = index(&raw);
    assert_eq!(raw_idx.container, Some(Container::Raw));
    assert!(raw_idx.problems.is_empty(), "{:?}", raw_idx.problems);
    let lens: Vec<usize> = raw_idx.frames.iter().map(|f| f.range.len()).collect();
    let want: Vec<usize> = idx.frames.iter().map(|f| f.range.len()).collect();
    assert_eq!(lens, want);
}

#[test]
fn zero_length_frame_and_spaces() {
    let (data, idx) = indexed("odd-zero-and-spaces.Mjpeg");
    // Fields: '06867' at 0, '07543' at 6872, '00000' at 14420,
    // ' 7221' at 14425, ' 7224' at 21651.
    assert_eq!(&data[14425..14430], b" 7221");
    let numbers: Vec<u32> = idx.frames.iter().map(|f| f.number).collect();
    assert_eq!(numbers, vec![1, 2, 4, 5]);
    assert_eq!(idx.frames[2].range, 14430..14430 + 7221);
    assert_eq!(idx.frames[3].range, 21656..21656 + 7224);
    assert_eq!(
        idx.problems,
        vec![MjpegError {
            kind: MjpegErrorKind::ZeroLength,
            frame: 3,
            offset: 14420
        }]
    );
}

#[test]
fn truncated_last_frame() {
    let (data, idx) = indexed("bad-truncated.Mjpeg");
    assert_eq!(idx.frames.len(), 25);
    // The 26th record at 177609 declares 06028 bytes; 3028 remain.
    assert_eq!(&data[177609..177614], b"06028");
    assert_eq!(
        idx.problems,
        vec![MjpegError {
            kind: MjpegErrorKind::Truncated,
            frame: 26,
            offset: 177609
        }]
    );
    assert_eq!(idx.frames[24].range.end, 177609);
}

#[test]
fn bad_length_field() {
    let (_, idx) = indexed("bad-header.Mjpeg");
    assert_eq!(idx.frames.len(), 2);
    let e = idx.problems[0];
    assert_eq!(idx.problems.len(), 1);
    assert_eq!(
        e,
        MjpegError {
            kind: MjpegErrorKind::BadLength(*b"12a45"),
            frame: 3,
            offset: 14420
        }
    );
    assert_eq!(
        e.to_string(),
        "frame 3 at byte 14420: length field \"12a45\" is not a number"
    );
}

#[test]
fn length_past_the_end() {
    let (_, idx) = indexed("bad-overlong.Mjpeg");
    assert_eq!(idx.frames.len(), 3);
    assert_eq!(
        idx.problems,
        vec![MjpegError {
            kind: MjpegErrorKind::PastEnd {
                declared: 99_999,
                available: 500
            },
            frame: 4,
            offset: 21646
        }]
    );
}

#[test]
fn text_instead_of_jpeg() {
    let (_, idx) = indexed("bad-notjpeg.Mjpeg");
    let numbers: Vec<u32> = idx.frames.iter().map(|f| f.number).collect();
    assert_eq!(numbers, vec![1, 2, 4, 5]);
    assert_eq!(
        idx.problems,
        vec![MjpegError {
            kind: MjpegErrorKind::NotJpeg,
            frame: 3,
            offset: 14420
        }]
    );
    // The text frame's declared length (01000) says where frame 4 starts.
    assert_eq!(idx.frames[2].range.start, 14420 + 5 + 1000 + 5);
}

#[test]
fn lab_round_trip_through_writer() {
    let (data, idx) = indexed("lab-384x288-444.Mjpeg");
    let frames: Vec<&[u8]> = (0..idx.len())
        .map(|i| idx.frame(&data, i).unwrap())
        .collect();

    let mut out = Vec::new();
    for f in &frames {
        write_lab_frame(&mut out, f).unwrap();
    }
    // The lab file uses zero-padded fields, so we reproduce it byte for byte.
    assert_eq!(out, data);

    let mut w = LabWriter::new(Vec::new());
    for f in &frames {
        w.write_frame(f).unwrap();
    }
    assert_eq!(w.frames_written(), 26);
    let err = w.write_frame(&[0xFF; 100_000]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let written = w.into_inner();
    assert_eq!(written, out);
    let back = index(&written);
    assert!(back.problems.is_empty());
    let back_frames: Vec<&[u8]> = (0..back.len())
        .map(|i| back.frame(&written, i).unwrap())
        .collect();
    assert_eq!(back_frames, frames);
}

#[test]
fn raw_frames_rewritten_as_lab_round_trip() {
    let (data, idx) = indexed("testsrc-640x480-420.raw.mjpeg");
    let mut lab = Vec::new();
    for i in 0..idx.len() {
        write_lab_frame(&mut lab, idx.frame(&data, i).unwrap()).unwrap();
    }
    let back = index(&lab);
    assert_eq!(back.container, Some(Container::Lab));
    assert_eq!(back.len(), 60);
    for i in 0..60 {
        assert_eq!(back.frame(&lab, i), idx.frame(&data, i));
    }
}

#[test]
fn every_cut_of_a_lab_file_serves_the_whole_frames_before_it() {
    let data = media("odd-zero-and-spaces.Mjpeg");
    let full = index(&data);
    for cut in (0..data.len())
        .step_by(97)
        .chain([1, 4, 5, 6, data.len() - 1])
    {
        let idx = index(&data[..cut]);
        let whole: Vec<_> = full
            .frames
            .iter()
            .filter(|f| f.range.end <= cut)
            .cloned()
            .collect();
        assert_eq!(idx.frames, whole, "cut at {cut}");
        if cut == 0 {
            assert_eq!(idx.problems[0].kind, MjpegErrorKind::Empty);
        }
    }
}

#[test]
fn raw_file_with_garbage_and_a_cut_end() {
    let (data, idx) = indexed("testsrc-640x480-420.raw.mjpeg");
    let f = |i: usize| &data[idx.frames[i].range.clone()];
    let mut raw = Vec::new();
    raw.extend_from_slice(f(0));
    let garbage_at = raw.len();
    raw.extend_from_slice(b"\r\n\0\0garbage\xFF\xD9\xFF");
    raw.extend_from_slice(f(1));
    let cut_at = raw.len();
    raw.extend_from_slice(&f(2)[..f(2).len() / 2]);
    let back = index(&raw);
    assert_eq!(back.len(), 2);
    assert_eq!(back.frame(&raw, 1), Some(f(1)));
    assert_eq!(
        back.problems,
        vec![
            MjpegError {
                kind: MjpegErrorKind::Garbage { skipped: 14 },
                frame: 2,
                offset: garbage_at
            },
            MjpegError {
                kind: MjpegErrorKind::Truncated,
                frame: 3,
                offset: cut_at
            },
        ]
    );
}
