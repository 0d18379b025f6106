//! Property tests: the container index never panics and only ever hands out
//! frames that lie in the data and start with SOI; the lab writer's output
//! always indexes back to the frames written.

use proptest::prelude::*;
use stream_core::mjpeg::{Container, index, write_lab_frame};

fn check(data: &[u8]) {
    let idx = index(data);
    let mut prev_end = 0;
    for f in &idx.frames {
        assert!(f.range.start >= prev_end && f.range.end <= data.len());
        assert!(data[f.range.clone()].starts_with(&[0xFF, 0xD8]));
        prev_end = f.range.end;
    }
    assert!(idx.problems.len() <= stream_core::mjpeg::MAX_PROBLEMS);
}

/// Byte soup biased towards what the walkers care about.
fn soup() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            any::<u8>(),
            Just(0xFF),
            Just(0xD8),
            Just(0xD9),
            Just(0xDA),
            Just(0x00),
            Just(b'0'),
            Just(b' '),
        ],
        0..400,
    )
}

proptest! {
    #[test]
    fn index_never_panics(data in soup()) {
        check(&data);
    }

    #[test]
    fn raw_and_lab_prefixes_never_panic(data in soup()) {
        let mut raw = vec![0xFF, 0xD8];
        raw.extend_from_slice(&data);
        check(&raw);
        let mut lab = format!("{:05}", data.len() / 2).into_bytes();
        lab.extend_from_slice(&[0xFF, 0xD8]);
        lab.extend_from_slice(&data);
        check(&lab);
    }

    #[test]
    fn lab_writer_round_trips(frames in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 1..8)) {
        let frames: Vec<Vec<u8>> = frames
            .into_iter()
            .map(|mut f| { f.splice(0..0, [0xFF, 0xD8]); f })
            .collect();
        let mut out = Vec::new();
        for f in &frames {
            write_lab_frame(&mut out, f).unwrap();
        }
        let idx = index(&out);
        prop_assert_eq!(idx.container, Some(Container::Lab));
        prop_assert!(idx.problems.is_empty());
        let back: Vec<&[u8]> = (0..idx.len()).map(|i| idx.frame(&out, i).unwrap()).collect();
        prop_assert_eq!(back, frames.iter().map(|f| &f[..]).collect::<Vec<_>>());
    }
}
