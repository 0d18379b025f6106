//! The bundled sample clip: what the brief promises about it, and that the
//! committed file is exactly what `make-sample` generates.

mod support;

use stream_core::jpeg::{Jpeg, JpegType, rfc2435_layout};
use support::{read_lab_clip, sample_path};

#[test]
fn sample_clip_is_small_and_rfc2435_ready() {
    let data = std::fs::read(sample_path()).unwrap();
    assert!(data.len() < 2_000_000, "{} bytes", data.len());
    let frames = read_lab_clip(&data);
    assert_eq!(frames.len(), 100);
    // The container is exactly its records: no trailing bytes.
    assert_eq!(
        frames.iter().map(|f| f.len() + 5).sum::<usize>(),
        data.len()
    );
    for (i, f) in frames.iter().enumerate() {
        assert!(f.len() < 60_000, "frame {i}: {} bytes", f.len());
        let jpeg = Jpeg::parse(f).unwrap_or_else(|e| panic!("frame {i}: {e:?}"));
        let layout = rfc2435_layout(&jpeg).unwrap_or_else(|e| panic!("frame {i}: {e:?}"));
        assert_eq!(layout.jpeg_type, JpegType::Yuv420, "frame {i}");
        assert_eq!((layout.width, layout.height), (640, 360), "frame {i}");
        assert_eq!(layout.restart_interval, 0);
        let img = viewer::decode::decode_jpeg(f).unwrap();
        assert_eq!((img.width(), img.height()), (640, 360));
    }
    // Consecutive frames differ (the counter and the moving parts).
    assert!(frames.windows(2).all(|w| w[0] != w[1]));
}

#[test]
fn make_sample_regenerates_the_committed_file() {
    let out = std::env::temp_dir().join(format!("viewer-sample-{}.Mjpeg", std::process::id()));
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_make-sample"))
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let generated = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    let committed = std::fs::read(sample_path()).unwrap();
    assert!(
        generated == committed,
        "viewer/assets/sample.Mjpeg is stale: rerun make-sample"
    );
}

#[test]
fn make_sample_needs_one_argument() {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_make-sample"))
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}
