//! `--headless --snapshot`: for every good file of the shared media, in
//! both dialects where the dialect can carry it, the PNG the viewer writes
//! is the source frame decoded directly — pixel-identical when the server
//! sent the frame as it is or normalised it losslessly, within a PSNR when
//! it had to transcode (the lab's 4:4:4 movie).

#[path = "../../core/tests/common/psnr.rs"]
mod psnr;
mod support;

use psnr::psnr;
use std::net::SocketAddr;
use std::time::Duration;

use stream_core::client::ClientTransport;
use stream_core::mjpeg;
use stream_core::runtime::{ClientOptions, Dialect, Runtime, ServerOptions};
use support::media_dir;
use viewer::decode::decode_jpeg;
use viewer::headless::{HeadlessConfig, run};

/// (file, lossless over RFC 2435)
const FILES: &[(&str, bool)] = &[
    ("lab-384x288-444.Mjpeg", false),
    ("odd-zero-and-spaces.Mjpeg", false),
    ("testsrc-1280x720-420.Mjpeg", true),
    ("testsrc-1280x720-420-opthuff.Mjpeg", true),
    ("mandelbrot-640x480-422.Mjpeg", true),
    ("testsrc-640x480-420.raw.mjpeg", true),
    ("restart-640x480-420.Mjpeg", true),
    ("progressive-640x480.Mjpeg", true),
    ("gray-640x480.Mjpeg", true),
    ("big-1920x1080-420.Mjpeg", true),
];

/// The core's normaliser measures 49.7 dB at worst for the lab movie with
/// this decoder; a wrong frame is far below.
const MIN_PSNR: f64 = 45.0;

fn read_png(path: &std::path::Path) -> Vec<u8> {
    let mut reader = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    assert_eq!(
        info.color_type,
        png::ColorType::Rgba,
        "the viewer writes RGBA snapshots"
    );
    buf
}

fn snapshot_matches(runtime: &'static dyn Runtime, dialect: Dialect, tcp: bool) {
    let server = runtime
        .start_server(ServerOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            media_dir: media_dir(),
            ..ServerOptions::default()
        })
        .unwrap();
    for &(name, lossless) in FILES {
        let data = std::fs::read(media_dir().join(name)).unwrap();
        let index = mjpeg::index(&data);
        let frames: Vec<&[u8]> = index
            .frames
            .iter()
            .map(|f| &data[f.range.clone()])
            .collect();
        if dialect == Dialect::Lab && frames.iter().any(|f| f.len() > 65_507 - 12) {
            // Over one datagram: the lab dialect skips such frames (its own test).
            continue;
        }
        let n = frames.len().min(6) as u64;
        let shot = std::env::temp_dir().join(format!(
            "viewer-snap-{}-{}-{dialect:?}-{tcp}-{name}.png",
            std::process::id(),
            runtime.name()
        ));
        let options = ClientOptions {
            host: "127.0.0.1".into(),
            port: server.local_addr().port(),
            path: name.into(),
            transport: if tcp {
                ClientTransport::Tcp
            } else {
                ClientTransport::Udp { rtp_port: 0 }
            },
            dialect,
            timeout: Duration::from_secs(60),
        };
        let config = HeadlessConfig {
            frames: n,
            snapshot: Some(shot.clone()),
            stall_timeout: Duration::from_secs(60),
            ..HeadlessConfig::default()
        };
        let mut out = Vec::new();
        let summary = run(runtime, options, config, &mut out).unwrap();
        let out = String::from_utf8_lossy(&out);
        assert!(summary.success, "{name}: {out}");
        assert!(
            shot.exists(),
            "{name}: no snapshot at {}:\n{out}",
            shot.display()
        );
        let got = read_png(&shot);
        let _ = std::fs::remove_file(&shot);
        // The last decoded frame: frame n-1 when nothing was lost or
        // skipped; later when a busy decoder skipped frames (it keeps up by
        // skipping), a little earlier when the first frame was missed.
        let mut best = 0.0f64;
        for frame in frames.iter().skip((n as usize).saturating_sub(3)) {
            best = best.max(psnr(&got, decode_jpeg(frame).unwrap().as_bytes()));
            if best.is_infinite() {
                break;
            }
        }
        let exact = lossless || dialect == Dialect::Lab;
        if exact {
            assert!(
                best.is_infinite(),
                "{name} ({dialect:?}, tcp={tcp}): snapshot is not a source frame ({best:.2} dB)"
            );
        } else {
            assert!(
                best >= MIN_PSNR,
                "{name} ({dialect:?}, tcp={tcp}): {best:.2} dB"
            );
        }
    }
    server.shutdown().unwrap();
}

fn mio() -> &'static dyn Runtime {
    viewer::runtimes::by_name("mio").unwrap()
}

#[test]
fn snapshots_standard_udp() {
    snapshot_matches(mio(), Dialect::Standard, false);
}

#[test]
fn snapshots_standard_tcp() {
    snapshot_matches(mio(), Dialect::Standard, true);
}

#[test]
fn snapshots_lab_dialect() {
    snapshot_matches(mio(), Dialect::Lab, false);
}

/// `--runtime smol`: the same pictures through the other shell.
#[test]
fn snapshots_standard_udp_on_smol() {
    snapshot_matches(
        viewer::runtimes::by_name("smol").unwrap(),
        Dialect::Standard,
        false,
    );
}
