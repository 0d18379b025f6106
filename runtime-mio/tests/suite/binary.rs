//! The server binaries (`mio-server`, `smol-server`) beyond what
//! `suite::server_binary` checks (`--help`, Ctrl-C with BYE, exit 0): SIGTERM
//! (what `kill` and service managers send) ends sessions the same way, and
//! bad command lines fail with the right exit code. Each runtime crate's
//! `tests/binary.rs` runs these against its own binary.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::{DEADLINE, media_dir};

/// A running server binary and its log lines as they come.
pub struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    /// Starts `exe` with `args` (in `dir`, if given), logging at info level.
    pub fn start(exe: &Path, args: &[&str], dir: Option<&Path>) -> Running {
        let mut cmd = Command::new(exe);
        cmd.args(args)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(dir) = dir {
            cmd.current_dir(dir);
        }
        let mut child = cmd.spawn().expect("the server binary starts");
        let stderr: ChildStderr = child.stderr.take().expect("piped");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a log line containing `needle`; returns it.
    pub fn line(&mut self, needle: &str) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            if let Some(l) = self.seen.iter().find(|l| l.contains(needle)) {
                return l.clone();
            }
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => self.seen.push(l),
                Err(_) => panic!("no log line with {needle:?}; saw {:#?}", self.seen),
            }
        }
    }

    /// The RTSP address from the "listening on rtsp://…" line.
    pub fn rtsp_addr(&mut self) -> SocketAddr {
        let listening = self.line("listening on rtsp://");
        listening
            .split("rtsp://")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("an address in {listening:?}"))
    }

    /// Waits for the process to exit; its exit code.
    pub fn exit_code(&mut self) -> Option<i32> {
        let end = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            assert!(Instant::now() < end, "the server did not exit");
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every log line, once the process has exited (its stderr is closed).
    pub fn log(&mut self) -> String {
        while let Ok(l) = self.lines.recv_timeout(DEADLINE) {
            self.seen.push(l);
        }
        self.seen.join("\n")
    }

    /// Sends the process a signal (`INT`, `TERM`).
    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("kill runs")
            .success();
        assert!(ok, "kill -{name}");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SIGTERM while a lab client plays: the session ends, the server logs it
/// and exits 0, as on Ctrl-C.
pub fn terminate_ends_sessions_and_exits_0(exe: &Path) {
    let media = media_dir();
    let mut server = Running::start(
        exe,
        &[
            "0",
            "--bind",
            "127.0.0.1",
            "--media",
            media.to_str().unwrap(),
            "--loop",
        ],
        None,
    );
    let addr = server.rtsp_addr();
    let rtp = UdpSocket::bind("127.0.0.1:0").unwrap();
    rtp.set_read_timeout(Some(DEADLINE)).unwrap();
    let port = rtp.local_addr().unwrap().port();
    let mut lab = super::lab::LabClient::connect(addr, "lab-384x288-444.Mjpeg", port);
    lab.setup();
    lab.play();
    let mut buf = vec![0u8; 65536];
    rtp.recv(&mut buf).expect("a frame");
    server.line("start session");
    server.signal("TERM");
    assert_eq!(server.exit_code(), Some(0), "exit status after SIGTERM");
    server.line("shutting down");
    let end = server.line("end session");
    assert!(end.contains("reason="), "{end}");
}

/// Bad arguments exit 2 with clap's error; a media directory that does
/// not exist exits 1 saying why.
pub fn bad_command_lines(exe: &Path) {
    for args in [
        &[][..],
        &["notaport"],
        &["8554", "--fps", "0"],
        &["8554", "--mtu", "10"],
        &["8554", "--session-timeout", "1"],
        &["8554", "--no-such-option"],
    ] {
        let out = Command::new(exe).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error:"), "{args:?}: {err}");
    }
    let out = Command::new(exe)
        .args(["0", "--bind", "127.0.0.1", "--media", "/no/such/directory"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot start"), "{err}");
}
