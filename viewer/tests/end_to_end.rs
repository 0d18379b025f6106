//! The viewer's headless mode against the real mio runtime on loopback:
//! a server started in-process on 127.0.0.1 with the shared test media,
//! the viewer's whole pipeline (player thread, decoder, session model)
//! playing from it over UDP, interleaved TCP and the lab dialect, and the
//! errors a user meets (404, connection refused) ending in clear lines.
//!
//! Everything stays on loopback and every run is bounded (frames count and
//! stall timeout).

mod support;

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stream_core::client::ClientTransport;
use stream_core::runtime::{ClientOptions, Dialect, Runtime, ServerHandle, ServerOptions};
use support::{media_dir, read_lab_clip};
use viewer::headless::{HeadlessConfig, Summary, run};
use viewer::record::Recorder;

fn runtime() -> &'static dyn Runtime {
    viewer::runtimes::by_name("mio").expect("mio runtime")
}

fn server(fps: u32) -> ServerHandle {
    runtime()
        .start_server(ServerOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            media_dir: media_dir(),
            fps,
            looping: true,
            ..ServerOptions::default()
        })
        .expect("server starts")
}

fn client(server: &ServerHandle, path: &str) -> ClientOptions {
    let mut o = ClientOptions::from_url(&format!("rtsp://{}/{path}", server.local_addr())).unwrap();
    // Debug builds on a loaded machine normalise whole files before replying.
    o.timeout = Duration::from_secs(60);
    o
}

fn play(options: ClientOptions, config: HeadlessConfig) -> (Summary, Vec<String>) {
    let mut out = Vec::new();
    let summary = run(runtime(), options, config, &mut out).unwrap();
    let lines = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    (summary, lines)
}

fn frames(n: u64) -> HeadlessConfig {
    HeadlessConfig {
        frames: n,
        stall_timeout: Duration::from_secs(60),
        ..HeadlessConfig::default()
    }
}

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("viewer-e2e-{}-{name}", std::process::id()))
}

fn png_size(path: &Path) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()))
        .read_info()
        .unwrap();
    (reader.info().width, reader.info().height)
}

#[test]
fn plays_720p_over_udp() {
    let server = server(50);
    let snapshot = temp("720p.png");
    let (summary, lines) = play(
        client(&server, "testsrc-1280x720-420.Mjpeg"),
        HeadlessConfig {
            snapshot: Some(snapshot.clone()),
            ..frames(15)
        },
    );
    assert!(summary.success, "{lines:?}");
    assert_eq!(
        &lines[..2],
        &["state INIT -> READY", "state READY -> PLAYING"],
        "{lines:?}"
    );
    assert!(
        lines.contains(&"state PLAYING -> INIT".to_string()),
        "{lines:?}"
    );
    assert_eq!(png_size(&snapshot), (1280, 720));
    let _ = std::fs::remove_file(&snapshot);
    server.shutdown().unwrap();
}

#[test]
fn plays_the_lab_movie_over_interleaved_tcp() {
    // 4:4:4 frames: the server normalises them for RFC 2435.
    let server = server(50);
    let mut options = client(&server, "lab-384x288-444.Mjpeg");
    options.transport = ClientTransport::Tcp;
    let snapshot = temp("lab.png");
    let (summary, lines) = play(
        options,
        HeadlessConfig {
            snapshot: Some(snapshot.clone()),
            ..frames(10)
        },
    );
    assert!(summary.success, "{lines:?}");
    assert_eq!(png_size(&snapshot), (384, 288));
    let _ = std::fs::remove_file(&snapshot);
    server.shutdown().unwrap();
}

#[test]
fn speaks_the_lab_dialect() {
    let server = server(50);
    let options = ClientOptions {
        timeout: Duration::from_secs(60),
        ..ClientOptions::lab(
            "127.0.0.1",
            server.local_addr().port(),
            0,
            "lab-384x288-444.Mjpeg",
        )
    };
    assert_eq!(options.dialect, Dialect::Lab);
    let (summary, lines) = play(options, frames(10));
    assert!(summary.success, "{lines:?}");
    assert_eq!(lines[0], "state INIT -> READY");
    server.shutdown().unwrap();
}

#[test]
fn records_what_it_plays() {
    let server = server(50);
    let path = temp("rec.Mjpeg");
    let recorder = Arc::new(Mutex::new(Recorder::create(&path).unwrap()));
    let (summary, lines) = play(
        client(&server, "restart-640x480-420.Mjpeg"),
        HeadlessConfig {
            recorder: Some(recorder.clone()),
            ..frames(12)
        },
    );
    assert!(summary.success, "{lines:?}");
    let data = std::fs::read(&path).unwrap();
    let recorded = read_lab_clip(&data);
    assert_eq!(recorded.len() as u64, summary.frames_received);
    assert!(recorded.len() >= 12);
    for frame in &recorded {
        let image = viewer::decode::decode_jpeg(frame).unwrap();
        assert_eq!((image.width(), image.height()), (640, 480));
    }
    let _ = std::fs::remove_file(&path);
    server.shutdown().unwrap();
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let server = server(50);
    let (summary, lines) = play(client(&server, "no-such-clip.Mjpeg"), frames(5));
    assert!(!summary.success);
    let error = lines
        .iter()
        .find(|l| l.starts_with("error "))
        .expect("an error line");
    assert!(error.contains("404"), "{lines:?}");
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("summary frames_received=0 frames_decoded=0")
    );
    server.shutdown().unwrap();
}

#[test]
fn a_closed_port_is_refused_at_once() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut options = ClientOptions::from_url(&format!("rtsp://127.0.0.1:{port}/x.Mjpeg")).unwrap();
    options.timeout = Duration::from_secs(5);
    let started = std::time::Instant::now();
    let (summary, lines) = play(options, frames(5));
    assert!(!summary.success);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        lines[0].starts_with(&format!(
            "error cannot connect to 127.0.0.1:{port}: connection refused"
        )),
        "{lines:?}"
    );
}
