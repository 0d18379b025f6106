//! The `viewer` binary's command line: usage, refusals and exit codes.

use std::process::{Command, Output};

fn viewer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_viewer"))
        .args(args)
        .env("RUST_LOG", "error")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn help_explains_the_three_forms_and_the_keys() {
    let o = viewer(&["--help"]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "HOST PORT RTP_PORT FILE",
        "rtsp://",
        "--headless",
        "--record",
        "--runtime",
        "--tcp",
        "--lab",
        "Keys: S setup, Space play/pause",
        "With no TARGET",
    ] {
        assert!(out.contains(needle), "help lacks {needle:?}:\n{out}");
    }
}

#[test]
fn wrong_arguments_exit_2_with_a_reason() {
    let o = viewer(&["host", "8554"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("expected no TARGET, one rtsp:// URL, or HOST PORT RTP_PORT FILE"),
        "{}",
        stderr(&o)
    );
    let o = viewer(&["ftp://x/y"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not an rtsp:// URL"), "{}", stderr(&o));
    let o = viewer(&["--frames", "3"]);
    assert_eq!(o.status.code(), Some(2), "--frames needs --headless");
    let o = viewer(&["--lab", "--tcp", "h", "1", "2", "f"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("UDP only"), "{}", stderr(&o));
}

#[test]
fn an_unknown_runtime_is_refused() {
    let o = viewer(&["--runtime", "tokio", "--headless", "rtsp://127.0.0.1:1/x"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unknown runtime `tokio`"),
        "{}",
        stderr(&o)
    );
}
