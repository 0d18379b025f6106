//! The loopback suite every runtime must pass, written once against
//! `&dyn Runtime` and instantiated per runtime (and per mixed pair) by each
//! runtime crate's `tests/loopback.rs` with [`runtime_suite!`].
//!
//! Every server binds 127.0.0.1 on free ports; waits are on events with
//! generous deadlines, never fixed sleeps deciding an outcome.

#![allow(dead_code, unreachable_pub)]

pub mod binary;
pub mod lab;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use stream_core::jpeg::Jpeg;
use stream_core::mjpeg;
use stream_core::runtime::{
    ClientCommand, ClientEvent, ClientHandle, ClientOptions, ClientTransport, Dialect,
    ReceivedFrame, Runtime, ServerHandle, ServerOptions, State,
};

/// Generous: debug builds on a loaded 2-core machine load and normalise
/// whole files before the first reply.
pub const DEADLINE: Duration = Duration::from_secs(60);

pub fn media_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/media")
}

/// Every file in the shared media that must play.
pub const GOOD_FILES: &[&str] = &[
    "lab-384x288-444.Mjpeg",
    "testsrc-1280x720-420.Mjpeg",
    "testsrc-1280x720-420-opthuff.Mjpeg",
    "mandelbrot-640x480-422.Mjpeg",
    "testsrc-640x480-420.raw.mjpeg",
    "restart-640x480-420.Mjpeg",
    "progressive-640x480.Mjpeg",
    "gray-640x480.Mjpeg",
    "big-1920x1080-420.Mjpeg",
    "odd-zero-and-spaces.Mjpeg",
];

/// Sends the runtimes' logs (session starts and ends, refused requests,
/// closed connections) to the test harness, which shows them for a test
/// that fails and swallows them otherwise. `RUST_LOG` overrides the level.
pub fn log_to_harness() {
    let filter = std::env::var("RUST_LOG")
        .unwrap_or_else(|_| "info,stream_core=debug,runtime_mio=debug,runtime_smol=debug".into());
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .try_init();
}

pub fn start_server(
    rt: &dyn Runtime,
    dir: &Path,
    tweak: impl FnOnce(&mut ServerOptions),
) -> ServerHandle {
    log_to_harness();
    let mut options = ServerOptions {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        media_dir: dir.to_path_buf(),
        ..ServerOptions::default()
    };
    tweak(&mut options);
    rt.start_server(options).expect("server starts")
}

pub fn options(server: &ServerHandle, path: &str, dialect: Dialect, tcp: bool) -> ClientOptions {
    ClientOptions {
        host: "127.0.0.1".into(),
        port: server.local_addr().port(),
        path: path.into(),
        transport: if tcp {
            ClientTransport::Tcp
        } else {
            ClientTransport::Udp { rtp_port: 0 }
        },
        dialect,
        timeout: DEADLINE,
    }
}

/// What a client saw.
#[derive(Default, Debug)]
pub struct Seen {
    pub frames: Vec<ReceivedFrame>,
    pub states: Vec<State>,
    pub errors: Vec<String>,
    pub play_started: usize,
    pub end_of_stream: bool,
    pub closed: bool,
}

impl Seen {
    pub fn state(&self) -> State {
        self.states.last().copied().unwrap_or(State::Init)
    }

    fn take(&mut self, e: ClientEvent) {
        match e {
            ClientEvent::Frame(f) => self.frames.push(f),
            ClientEvent::StateChanged { to, .. } => self.states.push(to),
            ClientEvent::Error(e) => self.errors.push(e.to_string()),
            ClientEvent::RequestFailed {
                method,
                status,
                reason,
            } => self.errors.push(format!("{method} {status} {reason}")),
            ClientEvent::PlayStarted { .. } => self.play_started += 1,
            ClientEvent::EndOfStream => self.end_of_stream = true,
            ClientEvent::Closed => self.closed = true,
            _ => {}
        }
    }

    /// Waits (up to `limit`) until `done` holds, taking events as they come.
    pub fn until(
        &mut self,
        c: &ClientHandle,
        limit: Duration,
        mut done: impl FnMut(&Seen) -> bool,
    ) -> bool {
        let end = Instant::now() + limit;
        while !done(self) {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            match c.recv_timeout(left.min(Duration::from_millis(200))) {
                Some(e) => self.take(e),
                None if self.closed => return done(self),
                None => {}
            }
        }
        true
    }

    /// Sends a command and waits for `state`.
    pub fn command(&mut self, c: &ClientHandle, cmd: ClientCommand, state: State) {
        c.send(cmd).expect("client alive");
        let ok = self.until(c, DEADLINE, |s| s.state() == state);
        assert!(
            ok,
            "{cmd:?} did not reach {state}: errors {:?}",
            self.errors
        );
    }

    pub fn frames_at_least(&mut self, c: &ClientHandle, n: usize) {
        let ok = self.until(c, DEADLINE, |s| s.frames.len() >= n);
        assert!(
            ok,
            "only {} of {n} frames: errors {:?}",
            self.frames.len(),
            self.errors
        );
    }

    /// Collects events for `d` (for checks that something does NOT happen).
    pub fn idle(&mut self, c: &ClientHandle, d: Duration) {
        self.until(c, d, |_| false);
    }
}

/// The frames of a media file as the file holds them.
pub fn file_frames(name: &str) -> Vec<Vec<u8>> {
    let data = std::fs::read(media_dir().join(name)).unwrap();
    let index = mjpeg::index(&data);
    index
        .frames
        .iter()
        .map(|f| data[f.range.clone()].to_vec())
        .collect()
}

/// Entropy-coded data of a JPEG (what RFC 2435 carries unchanged).
pub fn scan(jpeg: &[u8]) -> Vec<u8> {
    Jpeg::parse(jpeg).expect("a JPEG").entropy_data().to_vec()
}

/// Decodes a JPEG; panics with context if it does not decode.
pub fn decode(jpeg: &[u8], what: &str) -> (usize, usize) {
    let mut d = zune_jpeg::JpegDecoder::new(zune_core::bytestream::ZCursor::new(jpeg));
    d.decode()
        .unwrap_or_else(|e| panic!("{what}: does not decode: {e:?}"));
    let (w, h) = d.dimensions().expect("dimensions");
    (w, h)
}

// ---- the cases -------------------------------------------------------------

/// Our client plays `file` from our server over `tcp`/UDP in the standard
/// dialect: frames arrive whole, decode, at the file's size.
pub fn plays_file(server_rt: &dyn Runtime, client_rt: &dyn Runtime, file: &str, tcp: bool) {
    let server = start_server(server_rt, &media_dir(), |_| {});
    let c = client_rt
        .connect(options(&server, file, Dialect::Standard, tcp))
        .unwrap();
    let mut seen = Seen::default();
    seen.command(&c, ClientCommand::Setup, State::Ready);
    seen.command(&c, ClientCommand::Play, State::Playing);
    let want = file_frames(file).len().clamp(1, 8);
    seen.frames_at_least(&c, want);
    let expect = file_frames(file)
        .iter()
        .find_map(|f| Jpeg::parse(f).ok())
        .map(|j| (j.frame.width, j.frame.height));
    for (i, f) in seen.frames.iter().enumerate() {
        let (w, h) = decode(&f.jpeg, &format!("{file} frame {i}"));
        let (ew, eh) = expect.unwrap();
        assert_eq!((w, h), (usize::from(ew), usize::from(eh)), "{file}");
    }
    seen.command(&c, ClientCommand::Teardown, State::Init);
    assert!(seen.errors.is_empty(), "{file}: {:?}", seen.errors);
    server.shutdown().unwrap();
}

/// Every good file, both transports.
pub fn plays_every_good_file(server_rt: &dyn Runtime, client_rt: &dyn Runtime) {
    for file in GOOD_FILES {
        for tcp in [false, true] {
            plays_file(server_rt, client_rt, file, tcp);
        }
    }
}

/// The lab dialect: frames byte-identical to the file's, numbered from 1.
pub fn lab_dialect_byte_identical(server_rt: &dyn Runtime, client_rt: &dyn Runtime) {
    let server = start_server(server_rt, &media_dir(), |_| {});
    for file in [
        "lab-384x288-444.Mjpeg",
        "testsrc-1280x720-420-opthuff.Mjpeg",
        "gray-640x480.Mjpeg",
    ] {
        let c = client_rt
            .connect(options(&server, file, Dialect::Lab, false))
            .unwrap();
        let mut seen = Seen::default();
        seen.command(&c, ClientCommand::Setup, State::Ready);
        seen.command(&c, ClientCommand::Play, State::Playing);
        seen.frames_at_least(&c, 12);
        let source = file_frames(file);
        for f in &seen.frames {
            let k = usize::try_from(f.sequence).unwrap() - 1;
            assert!(f.jpeg == source[k], "{file}: frame {k} not byte-identical");
        }
        seen.command(&c, ClientCommand::Teardown, State::Init);
        assert!(seen.errors.is_empty(), "{file}: {:?}", seen.errors);
    }
    server.shutdown().unwrap();
}

/// PAUSE stops the stream; PLAY resumes at the next frame.
pub fn pause_resumes(server_rt: &dyn Runtime, client_rt: &dyn Runtime, tcp: bool) {
    let file = "testsrc-640x480-420.raw.mjpeg";
    let server = start_server(server_rt, &media_dir(), |_| {});
    let c = client_rt
        .connect(options(&server, file, Dialect::Standard, tcp))
        .unwrap();
    let mut seen = Seen::default();
    seen.command(&c, ClientCommand::Setup, State::Ready);
    seen.command(&c, ClientCommand::Play, State::Playing);
    seen.frames_at_least(&c, 10);
    seen.command(&c, ClientCommand::Pause, State::Ready);
    // Stragglers sent before the PAUSE may still land; then silence.
    seen.idle(&c, Duration::from_millis(300));
    let paused = seen.frames.len();
    seen.idle(&c, Duration::from_secs(1));
    assert_eq!(seen.frames.len(), paused, "frames arrived while paused");
    seen.command(&c, ClientCommand::Play, State::Playing);
    seen.frames_at_least(&c, paused + 10);
    let source = file_frames(file);
    for (k, f) in seen.frames.iter().enumerate() {
        assert!(
            scan(&f.jpeg) == scan(&source[k]),
            "frame {k} is not the file's frame {k}"
        );
    }
    seen.command(&c, ClientCommand::Teardown, State::Init);
    server.shutdown().unwrap();
}

/// PLAY with a Range starts at that frame.
pub fn seek_with_range(server_rt: &dyn Runtime, client_rt: &dyn Runtime) {
    let file = "testsrc-640x480-420.raw.mjpeg";
    let server = start_server(server_rt, &media_dir(), |_| {});
    let c = client_rt
        .connect(options(&server, file, Dialect::Standard, false))
        .unwrap();
    let mut seen = Seen::default();
    seen.command(&c, ClientCommand::Setup, State::Ready);
    c.send(ClientCommand::Seek(Duration::from_millis(1500)))
        .unwrap();
    seen.frames_at_least(&c, 3);
    let source = file_frames(file);
    // 1.5 s at 20 fps: frame 30.
    assert!(
        scan(&seen.frames[0].jpeg) == scan(&source[30]),
        "first frame after the seek is frame 30"
    );
    seen.command(&c, ClientCommand::Teardown, State::Init);
    server.shutdown().unwrap();
}

/// Three clients, different positions, different transports, one server.
pub fn several_clients(server_rt: &dyn Runtime, client_rt: &dyn Runtime) {
    let file = "testsrc-640x480-420.raw.mjpeg";
    let server = start_server(server_rt, &media_dir(), |_| {});
    let source = file_frames(file);
    let mut clients = Vec::new();
    for (i, tcp) in [(0u64, false), (1, true), (2, false)] {
        let c = client_rt
            .connect(options(&server, file, Dialect::Standard, tcp))
            .unwrap();
        let mut seen = Seen::default();
        seen.command(&c, ClientCommand::Setup, State::Ready);
        c.send(ClientCommand::Seek(Duration::from_millis(500 * i)))
            .unwrap();
        clients.push((i, c, seen));
    }
    for (i, c, seen) in &mut clients {
        seen.frames_at_least(c, 5);
        let first = 10 * *i as usize;
        for (k, f) in seen.frames.iter().take(5).enumerate() {
            assert!(
                scan(&f.jpeg) == scan(&source[first + k]),
                "client {i} frame {k}"
            );
        }
    }
    for (_, c, seen) in &mut clients {
        seen.command(c, ClientCommand::Teardown, State::Init);
    }
    server.shutdown().unwrap();
}

/// A missing file is a clear 404, not a hang.
pub fn missing_file_is_404(server_rt: &dyn Runtime, client_rt: &dyn Runtime) {
    let server = start_server(server_rt, &media_dir(), |_| {});
    let c = client_rt
        .connect(options(
            &server,
            "no-such-file.Mjpeg",
            Dialect::Standard,
            false,
        ))
        .unwrap();
    let mut seen = Seen::default();
    c.send(ClientCommand::Setup).unwrap();
    assert!(seen.until(&c, DEADLINE, |s| !s.errors.is_empty()));
    assert!(seen.errors[0].contains("404"), "{:?}", seen.errors);
    server.shutdown().unwrap();
}

/// The end of a clip is announced (RTCP BYE) and the whole clip arrives.
pub fn end_of_stream(server_rt: &dyn Runtime, client_rt: &dyn Runtime) {
    let file = "restart-640x480-420.Mjpeg";
    let server = start_server(server_rt, &media_dir(), |_| {});
    let c = client_rt
        .connect(options(&server, file, Dialect::Standard, false))
        .unwrap();
    let mut seen = Seen::default();
    seen.command(&c, ClientCommand::Setup, State::Ready);
    seen.command(&c, ClientCommand::Play, State::Playing);
    assert!(
        seen.until(&c, DEADLINE, |s| s.end_of_stream),
        "BYE at the end"
    );
    assert_eq!(seen.frames.len(), 20);
    server.shutdown().unwrap();
}

/// Raw sockets: what a malformed request gets over a real connection.
pub fn raw_request(server: &ServerHandle, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(server.local_addr()).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s.write_all(bytes).unwrap();
    let mut buf = vec![0u8; 8192];
    let n = s.read(&mut buf).unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

pub fn status_of(reply: &str) -> u16 {
    reply
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Malformed requests and path escapes over real sockets, while another
/// client keeps playing.
pub fn bad_requests_and_escapes(server_rt: &dyn Runtime, client_rt: &dyn Runtime) {
    let root = std::env::temp_dir().join(format!(
        "suite-escape-{}-{}",
        server_rt.name(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("media/sub")).unwrap();
    std::fs::copy(
        media_dir().join("testsrc-640x480-420.raw.mjpeg"),
        root.join("media/sub/ok.mjpeg"),
    )
    .unwrap();
    std::fs::copy(
        media_dir().join("restart-640x480-420.Mjpeg"),
        root.join("secret.Mjpeg"),
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.join("secret.Mjpeg"), root.join("media/link.Mjpeg")).unwrap();
    std::fs::write(
        root.join("media/notmedia.Mjpeg"),
        b"hello, this is not a video",
    )
    .unwrap();
    let server = start_server(server_rt, &root.join("media"), |_| {});

    let c = client_rt
        .connect(options(&server, "sub/ok.mjpeg", Dialect::Standard, false))
        .unwrap();
    let mut seen = Seen::default();
    seen.command(&c, ClientCommand::Setup, State::Ready);
    seen.command(&c, ClientCommand::Play, State::Playing);

    let port = server.local_addr().port();
    let setup = |path: &str| {
        format!(
            "SETUP rtsp://127.0.0.1:{port}/{path} RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP;unicast;client_port=40000-40001\r\n\r\n"
        )
    };
    for path in [
        "../secret.Mjpeg",
        "sub/../../secret.Mjpeg",
        "%2e%2e/secret.Mjpeg",
        "sub/%2E%2E/%2e%2e/secret.Mjpeg",
        "link.Mjpeg",
        "/etc/passwd",
        "%2Fetc%2Fpasswd",
    ] {
        let r = raw_request(&server, setup(path).as_bytes());
        assert_eq!(status_of(&r), 404, "{path}: {r}");
    }
    assert_eq!(
        status_of(&raw_request(&server, setup("notmedia.Mjpeg").as_bytes())),
        415
    );
    let cases: &[(&[u8], u16)] = &[
        (b"GARBAGE\x00\x01\x02\r\n\r\n", 400),
        (b"OPTIONS * RTSP/1.0\r\nCSeq: abc\r\n\r\n", 400),
        (b"OPTIONS * RTSP/2.0\r\nCSeq: 1\r\n\r\n", 505),
        (b"BREW * RTSP/1.0\r\nCSeq: 1\r\n\r\n", 501),
        (
            b"PLAY * RTSP/1.0\r\nCSeq: 1\r\nSession: DEADBEEF00000000\r\n\r\n",
            454,
        ),
    ];
    for (bytes, code) in cases {
        assert_eq!(
            status_of(&raw_request(&server, bytes)),
            *code,
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
    let before = seen.frames.len();
    seen.frames_at_least(&c, before + 10);
    seen.command(&c, ClientCommand::Teardown, State::Init);
    server.shutdown().unwrap();
    let _ = std::fs::remove_dir_all(&root);
}

/// 200 idle connections and a slow-drip request do not disturb a player.
pub fn idle_connections_and_slow_drip(server_rt: &dyn Runtime, client_rt: &dyn Runtime) {
    let file = "testsrc-640x480-420.raw.mjpeg";
    let server = start_server(server_rt, &media_dir(), |o| o.looping = true);
    let idle: Vec<TcpStream> = (0..200)
        .map(|_| TcpStream::connect(server.local_addr()).unwrap())
        .collect();
    let mut drip = TcpStream::connect(server.local_addr()).unwrap();
    let c = client_rt
        .connect(options(&server, file, Dialect::Standard, false))
        .unwrap();
    let mut seen = Seen::default();
    seen.command(&c, ClientCommand::Setup, State::Ready);
    seen.command(&c, ClientCommand::Play, State::Playing);
    seen.frames_at_least(&c, 5);
    let start = Instant::now();
    let from = seen.frames.len();
    for b in b"OPTIONS * RTSP/1.0\r\nCSe" {
        let _ = drip.write_all(&[*b]);
        seen.idle(&c, Duration::from_millis(40));
    }
    seen.idle(&c, Duration::from_secs(2).saturating_sub(start.elapsed()));
    let elapsed = start.elapsed().as_secs_f64();
    let got = (seen.frames.len() - from) as f64;
    // 20 fps; allow for a loaded machine, but not for a stall.
    assert!(
        got >= elapsed * 20.0 * 0.7,
        "{got} frames in {elapsed:.2} s with 200 idle connections"
    );
    // Frames arrive in order and without gaps.
    for w in seen.frames[from..].windows(2) {
        assert_eq!(w[1].rtp_timestamp.wrapping_sub(w[0].rtp_timestamp), 4500);
    }
    seen.command(&c, ClientCommand::Teardown, State::Init);
    drop(idle);
    server.shutdown().unwrap();
}

/// A lab client killed without TEARDOWN: its session ends with its
/// connection, and nothing more is sent to its RTP port.
pub fn killed_client_gets_nothing_more(server_rt: &dyn Runtime) {
    let server = start_server(server_rt, &media_dir(), |o| o.looping = true);
    let rtp = UdpSocket::bind("127.0.0.1:0").unwrap();
    rtp.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let port = rtp.local_addr().unwrap().port();
    let mut lab = lab::LabClient::connect(server.local_addr(), "lab-384x288-444.Mjpeg", port);
    lab.setup();
    lab.play();
    let mut buf = vec![0u8; 65536];
    let mut got = 0;
    let end = Instant::now() + DEADLINE;
    while got < 5 && Instant::now() < end {
        if rtp.recv(&mut buf).is_ok() {
            got += 1;
        }
    }
    assert_eq!(got, 5, "frames before the kill");
    lab.kill();
    // Drain what was in flight, then expect silence.
    let quiet_from = Instant::now() + Duration::from_millis(500);
    let mut late = 0;
    while Instant::now() < quiet_from + Duration::from_secs(2) {
        if rtp.recv(&mut buf).is_ok() && Instant::now() > quiet_from {
            late += 1;
        }
    }
    assert_eq!(late, 0, "datagrams sent after the client's connection died");
    server.shutdown().unwrap();
}

/// Shutdown ends sessions with an RTCP BYE, sent before their connection
/// closes (over UDP, or in the interleaved stream itself), and returns.
pub fn shutdown_sends_bye(server_rt: &dyn Runtime, client_rt: &dyn Runtime, tcp: bool) {
    let server = start_server(server_rt, &media_dir(), |o| o.looping = true);
    let c = client_rt
        .connect(options(
            &server,
            "testsrc-640x480-420.raw.mjpeg",
            Dialect::Standard,
            tcp,
        ))
        .unwrap();
    let mut seen = Seen::default();
    seen.command(&c, ClientCommand::Setup, State::Ready);
    seen.command(&c, ClientCommand::Play, State::Playing);
    seen.frames_at_least(&c, 3);
    server.shutdown().unwrap();
    assert!(
        seen.until(&c, DEADLINE, |s| s.end_of_stream),
        "no BYE after shutdown (connection closed: {}); errors {:?}",
        seen.closed,
        seen.errors
    );
    assert!(
        seen.until(&c, DEADLINE, |s| s.closed),
        "the connection closes after the BYE"
    );
}

/// A peer that sends requests without end and never reads the replies is
/// disconnected (it sees its connection reset or closed), while another
/// client keeps playing.
pub fn flooder_that_never_reads_is_disconnected(server_rt: &dyn Runtime, client_rt: &dyn Runtime) {
    let file = "testsrc-640x480-420.raw.mjpeg";
    let server = start_server(server_rt, &media_dir(), |o| o.looping = true);
    let c = client_rt
        .connect(options(&server, file, Dialect::Standard, false))
        .unwrap();
    let mut seen = Seen::default();
    seen.command(&c, ClientCommand::Setup, State::Ready);
    seen.command(&c, ClientCommand::Play, State::Playing);
    seen.frames_at_least(&c, 3);

    let addr = server.local_addr();
    let flooder = std::thread::spawn(move || -> Result<String, String> {
        let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
        s.set_write_timeout(Some(Duration::from_millis(200)))
            .map_err(|e| e.to_string())?;
        let batch = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n".repeat(512);
        let end = Instant::now() + DEADLINE;
        let mut sent = 0usize;
        while Instant::now() < end {
            match s.write(batch.as_bytes()) {
                Ok(n) => sent += n,
                // The server does not read it (now): keep trying.
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Ok(format!("{e} after {sent} bytes")),
            }
        }
        Err(format!("still connected after sending {sent} bytes"))
    });
    // Meanwhile the player plays on.
    let before = seen.frames.len();
    seen.frames_at_least(&c, before + 10);
    let outcome = flooder.join().unwrap();
    assert!(outcome.is_ok(), "{outcome:?}");
    let before = seen.frames.len();
    seen.frames_at_least(&c, before + 10);
    seen.command(&c, ClientCommand::Teardown, State::Init);
    assert!(seen.errors.is_empty(), "{:?}", seen.errors);
    server.shutdown().unwrap();
}

/// Instantiates the suite for one (server, client) runtime pair as `#[test]`s
/// in a module named `$name`.
macro_rules! runtime_suite {
    ($name:ident, $server:expr, $client:expr) => {
        mod $name {
            use super::suite;
            fn rts() -> (
                &'static dyn stream_core::runtime::Runtime,
                &'static dyn stream_core::runtime::Runtime,
            ) {
                ($server, $client)
            }
            #[test]
            fn plays_every_good_file() {
                let (s, c) = rts();
                suite::plays_every_good_file(s, c);
            }
            #[test]
            fn lab_dialect_byte_identical() {
                let (s, c) = rts();
                suite::lab_dialect_byte_identical(s, c);
            }
            #[test]
            fn pause_resumes_udp() {
                let (s, c) = rts();
                suite::pause_resumes(s, c, false);
            }
            #[test]
            fn pause_resumes_tcp() {
                let (s, c) = rts();
                suite::pause_resumes(s, c, true);
            }
            #[test]
            fn seek_with_range() {
                let (s, c) = rts();
                suite::seek_with_range(s, c);
            }
            #[test]
            fn several_clients() {
                let (s, c) = rts();
                suite::several_clients(s, c);
            }
            #[test]
            fn missing_file_is_404() {
                let (s, c) = rts();
                suite::missing_file_is_404(s, c);
            }
            #[test]
            fn end_of_stream() {
                let (s, c) = rts();
                suite::end_of_stream(s, c);
            }
            #[test]
            fn bad_requests_and_escapes() {
                let (s, c) = rts();
                suite::bad_requests_and_escapes(s, c);
            }
            #[test]
            fn idle_connections_and_slow_drip() {
                let (s, c) = rts();
                suite::idle_connections_and_slow_drip(s, c);
            }
            #[test]
            fn killed_client_gets_nothing_more() {
                let (s, _) = rts();
                suite::killed_client_gets_nothing_more(s);
            }
            #[test]
            fn shutdown_sends_bye_udp() {
                let (s, c) = rts();
                suite::shutdown_sends_bye(s, c, false);
            }
            #[test]
            fn shutdown_sends_bye_tcp() {
                let (s, c) = rts();
                suite::shutdown_sends_bye(s, c, true);
            }
            #[test]
            fn flooder_that_never_reads_is_disconnected() {
                let (s, c) = rts();
                suite::flooder_that_never_reads_is_disconnected(s, c);
            }
            #[test]
            fn lab_conformance() {
                let (s, _) = rts();
                suite::lab::conformance(s);
            }
            #[test]
            fn client_plays_from_a_lab_server() {
                let (_, c) = rts();
                suite::lab::client_plays_from_lab_server(c);
            }
        }
    };
}

/// The server binary (`mio-server`, `smol-server`): the lab's command line
/// serves the current directory; `--help` documents every option; Ctrl-C
/// (SIGINT) ends sessions with RTCP BYE and exits 0.
pub fn server_binary(binary: &str, client_rt: &dyn Runtime) {
    use std::process::Command;
    let help = Command::new(binary).arg("--help").output().unwrap();
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    for option in [
        "--media",
        "--bind",
        "--fps",
        "--loop",
        "--mtu",
        "--session-timeout",
    ] {
        assert!(help.contains(option), "--help lacks {option}:\n{help}");
    }
    // Like `Server.py <port>`: the files of the working directory. Port 0,
    // and the port from the log line: a port found free beforehand may be
    // taken by a parallel test's server by the time the binary binds it.
    let mut child = binary::Running::start(
        Path::new(binary),
        &["0", "--bind", "127.0.0.1", "--loop"],
        Some(&media_dir()),
    );
    let port = child.rtsp_addr().port();
    let c = client_rt
        .connect(ClientOptions {
            host: "127.0.0.1".into(),
            port,
            path: "testsrc-640x480-420.raw.mjpeg".into(),
            transport: ClientTransport::Udp { rtp_port: 0 },
            dialect: Dialect::Standard,
            timeout: DEADLINE,
        })
        .unwrap();
    let mut seen = Seen::default();
    seen.command(&c, ClientCommand::Setup, State::Ready);
    seen.command(&c, ClientCommand::Play, State::Playing);
    seen.frames_at_least(&c, 3);
    child.signal("INT");
    assert!(
        seen.until(&c, DEADLINE, |s| s.end_of_stream),
        "RTCP BYE on Ctrl-C"
    );
    let status = child.exit_code();
    let log = child.log();
    assert_eq!(status, Some(0), "{binary} exit status:\n{log}");
    for line in [
        "listening on rtsp://127.0.0.1:",
        "start session",
        "end session",
        "reason=server shutdown",
    ] {
        assert!(log.contains(line), "log lacks {line:?}:\n{log}");
    }
}
