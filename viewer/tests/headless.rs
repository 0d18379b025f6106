//! The headless mode end to end against the fake runtime: the stable output
//! lines, the exit condition, snapshots, recording, and every kind of error
//! ending in a clear line instead of a hang or a crash.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use stream_core::runtime::{ClientCommand, ClientOptions};
use support::{FakeRuntime, Script, read_lab_clip};
use viewer::headless::{HeadlessConfig, Summary, run};
use viewer::record::Recorder;

fn options() -> ClientOptions {
    let mut o = ClientOptions::from_url("rtsp://127.0.0.1:8554/sample.Mjpeg").unwrap();
    o.timeout = Duration::from_secs(2);
    o
}

fn headless(rt: &'static FakeRuntime, config: HeadlessConfig) -> (Summary, Vec<String>) {
    let mut out = Vec::new();
    let summary = run(rt, options(), config, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    (summary, text.lines().map(str::to_string).collect())
}

fn config(frames: u64) -> HeadlessConfig {
    HeadlessConfig {
        frames,
        stall_timeout: Duration::from_secs(5),
        ..HeadlessConfig::default()
    }
}

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("viewer-test-{}-{name}", std::process::id()))
}

#[test]
fn plays_n_frames_and_tears_down() {
    let rt = FakeRuntime::sample(200, Script::default()).leak();
    let snapshot = temp("snap.png");
    let (summary, lines) = headless(
        rt,
        HeadlessConfig {
            snapshot: Some(snapshot.clone()),
            ..config(12)
        },
    );
    assert!(summary.success, "{lines:?}");
    assert!(summary.frames_decoded >= 12);
    assert!(summary.frames_received >= summary.frames_decoded);
    assert_eq!(
        &lines[..3],
        &[
            "state INIT -> READY",
            "state READY -> PLAYING",
            "state PLAYING -> INIT"
        ],
        "{lines:?}"
    );
    let last = lines.last().unwrap();
    assert_eq!(*last, summary.line());
    assert!(
        last.starts_with("summary frames_received=") && last.contains(" frames_decoded="),
        "{last}"
    );
    assert!(last.contains(" packets_lost=") && last.contains(" jitter_ms="));
    let t = rt.transcript.lock().unwrap();
    assert_eq!(
        t.commands,
        vec![
            ClientCommand::Setup,
            ClientCommand::Play,
            ClientCommand::Teardown
        ]
    );
    assert_eq!(t.closed, 1);
    drop(t);
    // The snapshot is a PNG of the sample's size.
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&snapshot).unwrap(),
    ));
    let reader = decoder.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (640, 360));
    let _ = std::fs::remove_file(&snapshot);
}

#[test]
fn bad_frames_are_reported_and_skipped() {
    let rt = FakeRuntime::sample(
        50,
        Script {
            garbage_every: Some(4),
            ..Script::default()
        },
    )
    .leak();
    let (summary, lines) = headless(rt, config(9));
    assert!(summary.success, "{lines:?}");
    let errors: Vec<_> = lines.iter().filter(|l| l.starts_with("error ")).collect();
    assert!(!errors.is_empty(), "{lines:?}");
    for e in errors {
        // "error frame N: ..." with N a garbage frame (every 4th).
        let n: u64 = e["error frame ".len()..e.find(':').unwrap()]
            .parse()
            .unwrap();
        assert_eq!(n % 4, 0, "{e}");
        assert!(
            e.ends_with(": not a JPEG image (starts with 74 68, not FF D8)"),
            "{e}"
        );
    }
    // Nine good frames take at least eleven (frames 4 and 8 are garbage).
    assert!(summary.frames_received >= 11);
    assert!(summary.decode_failed >= 2);
    assert!(
        lines
            .last()
            .unwrap()
            .ends_with(&format!(" decode_failed={}", summary.decode_failed))
    );
}

#[test]
fn connection_refused_fails_fast() {
    let rt = FakeRuntime::sample(
        20,
        Script {
            refuse_connect: true,
            ..Script::default()
        },
    )
    .leak();
    let snapshot = temp("never.png");
    let started = std::time::Instant::now();
    let (summary, lines) = headless(
        rt,
        HeadlessConfig {
            snapshot: Some(snapshot.clone()),
            ..config(5)
        },
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(!summary.success);
    assert_eq!(
        lines,
        vec![
            "error cannot connect to 127.0.0.1:8554: connection refused (is the server running?): Connection refused (os error 111)",
            "error no frame decoded, no snapshot written",
            "summary frames_received=0 frames_decoded=0 packets_lost=0 jitter_ms=0.0 decode_failed=0",
        ]
    );
    assert!(!snapshot.exists());
}

#[test]
fn not_found_fails_with_the_status() {
    let rt = FakeRuntime::sample(
        20,
        Script {
            describe_status: Some((404, "Not Found")),
            ..Script::default()
        },
    )
    .leak();
    let (summary, lines) = headless(rt, config(5));
    assert!(!summary.success);
    assert_eq!(lines[0], "error DESCRIBE failed: 404 Not Found");
    assert_eq!(
        summary.failure.as_deref(),
        Some("DESCRIBE failed: 404 Not Found")
    );
}

#[test]
fn reply_timeout_fails_with_a_line() {
    let rt = FakeRuntime::sample(
        20,
        Script {
            silent_setup: true,
            ..Script::default()
        },
    )
    .leak();
    let (summary, lines) = headless(rt, config(5));
    assert!(!summary.success);
    assert_eq!(lines[0], "error timeout: no reply to SETUP within 2.0 s");
}

#[test]
fn a_closed_connection_ends_the_run() {
    let rt = FakeRuntime::sample(
        200,
        Script {
            close_after_frames: Some(3),
            ..Script::default()
        },
    )
    .leak();
    let (summary, lines) = headless(rt, config(50));
    assert!(!summary.success);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("error the connection closed after")),
        "{lines:?}"
    );
    assert_eq!(summary.frames_received, 3);
}

#[test]
fn a_stall_times_out_instead_of_hanging() {
    // One frame a second: the stall timeout (0.3 s here) fires first.
    let rt = FakeRuntime::sample(1, Script::default()).leak();
    let started = std::time::Instant::now();
    let (summary, lines) = headless(
        rt,
        HeadlessConfig {
            stall_timeout: Duration::from_millis(300),
            ..config(5)
        },
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!summary.success);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("error no frame decoded within 0.3 s")),
        "{lines:?}"
    );
}

#[test]
fn frames_that_never_decode_end_the_run() {
    // Every frame is garbage: frames keep coming, none decodes.
    let rt = FakeRuntime::sample(
        100,
        Script {
            garbage_every: Some(1),
            ..Script::default()
        },
    )
    .leak();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(headless(
            rt,
            HeadlessConfig {
                stall_timeout: Duration::from_millis(300),
                ..config(5)
            },
        ));
    });
    let (summary, lines) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the run ends");
    assert!(!summary.success);
    assert!(summary.frames_received > 0);
    assert_eq!(summary.frames_decoded, 0);
    let failure = summary.failure.unwrap();
    assert!(
        failure.starts_with("no frame decoded within 0.3 s (0 frames decoded of 5; ")
            && failure.ends_with(" failed to decode)"),
        "{failure}"
    );
    assert!(lines.contains(&format!("error {failure}")), "{lines:?}");
}

#[test]
fn records_what_it_receives() {
    let rt = FakeRuntime::sample(200, Script::default()).leak();
    let path = temp("rec.Mjpeg");
    let recorder = Arc::new(Mutex::new(Recorder::create(&path).unwrap()));
    let (summary, _) = headless(
        rt,
        HeadlessConfig {
            recorder: Some(recorder.clone()),
            ..config(10)
        },
    );
    assert!(summary.success);
    let recorded = read_lab_clip(&std::fs::read(&path).unwrap());
    assert_eq!(recorded.len() as u64, summary.frames_received);
    assert_eq!(recorded.len() as u64, recorder.lock().unwrap().frames());
    // The frames are the sample's, in order, byte for byte.
    for (i, f) in recorded.iter().enumerate() {
        assert_eq!(f, &rt.clip[i % rt.clip.len()], "frame {i}");
    }
    let _ = std::fs::remove_file(&path);
}
