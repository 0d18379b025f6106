//! Every frame of the shared media through the marker parser and the RFC 2435
//! carriability check: each file gets the verdict its README promises.

mod common;

use common::media;

use stream_core::jpeg::markers::FrameKind;
use stream_core::jpeg::{Incompatibility, Jpeg, JpegType, rfc2435_layout};

fn verdicts(name: &str) -> Vec<Result<JpegType, Incompatibility>> {
    let data = media(name);
    common::frame_slices(&data)
        .into_iter()
        .map(|f| {
            let j = Jpeg::parse(f).unwrap();
            assert!(j.has_eoi);
            rfc2435_layout(&j).map(|l| l.jpeg_type)
        })
        .collect()
}

fn all_same(name: &str, expect: Result<JpegType, Incompatibility>, frames: usize) {
    let v = verdicts(name);
    assert_eq!(v.len(), frames, "{name}");
    for (i, got) in v.into_iter().enumerate() {
        assert_eq!(got, expect, "{name} frame {i}");
    }
}

#[test]
fn verdict_per_file() {
    all_same("testsrc-1280x720-420.Mjpeg", Ok(JpegType::Yuv420), 100);
    all_same("big-1920x1080-420.Mjpeg", Ok(JpegType::Yuv420), 10);
    all_same("restart-640x480-420.Mjpeg", Ok(JpegType::Yuv420), 20);
    all_same(
        "lab-384x288-444.Mjpeg",
        Err(Incompatibility::Sampling([(1, 1), (1, 1), (1, 1)])),
        26,
    );
    all_same(
        "mandelbrot-640x480-422.Mjpeg",
        Err(Incompatibility::Sampling([(2, 2), (1, 2), (1, 2)])),
        100,
    );
    all_same(
        "gray-640x480.Mjpeg",
        Err(Incompatibility::ComponentCount(1)),
        20,
    );
    all_same(
        "progressive-640x480.Mjpeg",
        Err(Incompatibility::NotSequential(FrameKind::Progressive)),
        20,
    );
    let opt = verdicts("testsrc-1280x720-420-opthuff.Mjpeg");
    assert_eq!(opt.len(), 100);
    assert!(
        opt.iter()
            .all(|v| matches!(v, Err(Incompatibility::NonStandardHuffman(_))))
    );
}

#[test]
fn restart_file_has_an_interval() {
    let data = media("restart-640x480-420.Mjpeg");
    for f in common::frame_slices(&data) {
        let j = Jpeg::parse(f).unwrap();
        assert_ne!(j.restart_interval, 0);
    }
}
