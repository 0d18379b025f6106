//! Interop with real peers: ffmpeg and GStreamer play from our server;
//! our client plays from gst-rtsp-server and from VLC's RTSP server.
//!
//! Runs only with the `interop` feature (`.ci/run` installs the peers). A
//! missing peer is a failure with a message saying what to install, never a
//! quiet skip.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use stream_core::jpeg::Jpeg;
use stream_core::runtime::{
    ClientCommand, ClientOptions, ClientTransport, Dialect, Runtime, State,
};

use crate::psnr::psnr;
use crate::suite::{
    DEADLINE, GOOD_FILES, Seen, decode, file_frames, log_to_harness, media_dir, start_server,
};

/// Files every peer must decode from our server; `lossless` when what the
/// server sends decodes to exactly the file's pixels (no transcoding).
pub const FILES: &[(&str, bool)] = &[
    ("lab-384x288-444.Mjpeg", false),
    ("testsrc-1280x720-420.Mjpeg", true),
    ("testsrc-1280x720-420-opthuff.Mjpeg", true),
    ("mandelbrot-640x480-422.Mjpeg", true),
    ("testsrc-640x480-420.raw.mjpeg", true),
    ("restart-640x480-420.Mjpeg", true),
    ("progressive-640x480.Mjpeg", true),
    ("gray-640x480.Mjpeg", true),
    ("big-1920x1080-420.Mjpeg", true),
    ("odd-zero-and-spaces.Mjpeg", false),
];

/// The lab movie is transcoded 4:4:4 → 4:2:2 (RFC 2435 has no 4:4:4 type);
/// the core's normaliser tests measure 49.7 dB with zune-jpeg. Real
/// decoders upsample chroma their own way; 38 dB still means "the same
/// picture", far above what a wrong or corrupt frame gives (< 20 dB).
pub const MIN_PSNR_TRANSCODED: f64 = 38.0;

/// Where a peer program is, or a panic saying how to get it.
pub fn require(program: &str, package: &str) -> PathBuf {
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        let p = Path::new(dir).join(program);
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "interop peer `{program}` is missing: install Debian's `{package}` (the interop suite never skips a peer)"
    );
}

/// A child process, started in a process group of its own, whose whole
/// group is killed when dropped (`runuser` does not pass signals on to VLC).
pub struct Peer(pub Child);

impl Peer {
    pub fn spawn(cmd: &mut Command) -> Peer {
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        Peer(cmd.spawn().unwrap_or_else(|e| panic!("{cmd:?}: {e}")))
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.0.id())])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How a peer program ended.
pub struct Finished {
    pub what: String,
    pub limit: Duration,
    /// `None`: killed at the time limit.
    pub status: Option<std::process::ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

/// Runs a command to completion (or kills it at `limit`).
pub fn finish(cmd: &mut Command, limit: Duration) -> Finished {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let end = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    Finished {
        what,
        limit,
        status,
        stdout: out.join().unwrap(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    }
}

impl Finished {
    /// Stdout, or a panic with stderr unless the program succeeded.
    pub fn stdout(self) -> Vec<u8> {
        let Finished {
            what,
            limit,
            status,
            stdout,
            stderr,
        } = self;
        match status {
            Some(s) if s.success() => stdout,
            Some(s) => panic!("{what} failed ({s}):\n{stderr}"),
            None => panic!("{what} did not finish in {limit:?}:\n{stderr}"),
        }
    }
}

/// Runs a command to completion (or kills it at `limit`); returns stdout.
pub fn run(cmd: &mut Command, limit: Duration) -> Vec<u8> {
    finish(cmd, limit).stdout()
}

/// Whether gst-launch's only errors are its own shutdown race: at EOS it
/// takes the pipeline down to NULL, which queues a PAUSE on rtspsrc's
/// thread and at once flushes the connection for TEARDOWN; the PAUSE in
/// flight then fails within microseconds with "Could not send message.
/// (Received end-of-file)" although the server never closed the connection
/// (rtspsrc's debug log shows the TEARDOWN that follows answered 200 on it).
fn only_gst_shutdown_race(stderr: &str) -> bool {
    let errors: Vec<&str> = stderr.split("ERROR: ").skip(1).collect();
    !errors.is_empty()
        && errors.iter().all(|e| {
            e.contains("Could not send message. (Received end-of-file)")
                && (e.contains("gst_rtspsrc_pause ()") || e.contains("gst_rtspsrc_try_send ()"))
        })
        && errors.iter().any(|e| e.contains("gst_rtspsrc_pause ()"))
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A temporary directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("interop-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        // Readable by VLC, which refuses to run as root and runs as nobody.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755));
        }
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The file's frames as a raw MJPEG stream (what ffmpeg, GStreamer and VLC
/// read; none of them reads the lab container).
pub fn write_raw(name: &str, dest: &Path) {
    let raw: Vec<u8> = file_frames(name).concat();
    std::fs::write(dest, raw).unwrap();
}

fn dims(name: &str) -> (usize, usize) {
    let frames = file_frames(name);
    let j = Jpeg::parse(&frames[0]).unwrap();
    (usize::from(j.frame.width), usize::from(j.frame.height))
}

/// Checks decoded frames of the stream against the decoder's own decoding
/// of the file. The stream starts at frame 0, but a receiver may miss the
/// very first frame while it sets up: frame `k` of the stream is matched
/// against file frame `k + skip`, with `skip` fixed by the first frame.
fn compare(what: &str, got: &[u8], reference: &[u8], frame_len: usize, lossless: bool) {
    let n = got.len() / frame_len;
    assert!(n >= 3, "{what}: only {n} frames decoded");
    let refs: Vec<&[u8]> = reference.chunks_exact(frame_len).collect();
    let first = &got[..frame_len];
    let skip = (0..refs.len().min(4))
        .max_by(|&a, &b| psnr(first, refs[a]).total_cmp(&psnr(first, refs[b])))
        .unwrap();
    let mut worst = f64::INFINITY;
    for k in 0..n.min(refs.len() - skip) {
        let p = psnr(&got[k * frame_len..(k + 1) * frame_len], refs[k + skip]);
        worst = worst.min(p);
    }
    if lossless {
        assert!(
            worst.is_infinite(),
            "{what}: not pixel-identical (worst PSNR {worst:.2} dB)"
        );
    } else {
        assert!(
            worst >= MIN_PSNR_TRANSCODED,
            "{what}: worst PSNR {worst:.2} dB"
        );
    }
    eprintln!("{what}: {n} frames, worst PSNR {worst:.2} dB");
}

/// ffmpeg decodes N frames of every good file from our server, over UDP and
/// TCP, to the pixels its own decoding of the file gives.
pub fn ffmpeg_plays_every_good_file(server_rt: &dyn Runtime) {
    let ffmpeg = require("ffmpeg", "ffmpeg");
    let server = start_server(server_rt, &media_dir(), |_| {});
    let tmp = TempDir::new(&format!("ffmpeg-{}", server_rt.name()));
    for &(name, lossless) in FILES {
        let (w, h) = dims(name);
        let frame_len = w * h * 3;
        let n = file_frames(name).len().min(10);
        let raw = tmp.0.join("ref.mjpeg");
        write_raw(name, &raw);
        let reference = run(
            Command::new(&ffmpeg)
                .args(["-v", "error", "-f", "mjpeg", "-i"])
                .arg(&raw)
                .args([
                    "-frames:v",
                    &n.to_string(),
                    "-f",
                    "rawvideo",
                    "-pix_fmt",
                    "rgb24",
                    "-",
                ]),
            DEADLINE,
        );
        for transport in ["udp", "tcp"] {
            let url = format!("rtsp://127.0.0.1:{}/{name}", server.local_addr().port());
            let got = run(
                Command::new(&ffmpeg).args([
                    "-v",
                    "error",
                    "-rtsp_transport",
                    transport,
                    "-buffer_size",
                    "8388608",
                    "-i",
                    &url,
                    "-frames:v",
                    &n.to_string(),
                    "-f",
                    "rawvideo",
                    "-pix_fmt",
                    "rgb24",
                    "-",
                ]),
                DEADLINE,
            );
            compare(
                &format!("ffmpeg {transport} {name}"),
                &got,
                &reference,
                frame_len,
                lossless,
            );
        }
    }
    server.shutdown().unwrap();
}

/// GStreamer's `rtspsrc ! rtpjpegdepay ! jpegdec` likewise.
pub fn gstreamer_plays_every_good_file(server_rt: &dyn Runtime) {
    let gst = require("gst-launch-1.0", "gstreamer1.0-tools");
    let server = start_server(server_rt, &media_dir(), |_| {});
    let tmp = TempDir::new(&format!("gst-{}", server_rt.name()));
    for &(name, lossless) in FILES {
        let (w, h) = dims(name);
        let frame_len = w * h * 3;
        let n = file_frames(name).len().min(10);
        let raw = tmp.0.join("ref.mjpeg");
        write_raw(name, &raw);
        let out = tmp.0.join("out.rgb");
        let decode_to_rgb = format!(
            "jpegdec ! videoconvert ! video/x-raw,format=RGB ! identity eos-after={} ! filesink location={}",
            n + 1,
            out.display()
        );
        // Frames a stream must deliver before a shutdown error is forgiven
        // (a receiver may miss the first frame while it sets up).
        let enough = (n - 1) * frame_len;
        let gst_run = |pipeline: String| -> Vec<u8> {
            let _ = std::fs::remove_file(&out);
            let done = finish(
                Command::new(&gst).arg("-q").args(pipeline.split(' ')),
                DEADLINE,
            );
            let decoded = std::fs::read(&out).unwrap_or_default();
            if done.status.is_some_and(|s| !s.success())
                && only_gst_shutdown_race(&done.stderr)
                && decoded.len() >= enough
            {
                eprintln!(
                    "{}: forgiven GStreamer shutdown race:\n{}",
                    done.what, done.stderr
                );
                return decoded;
            }
            done.stdout();
            decoded
        };
        let reference = gst_run(format!(
            "filesrc location={} ! image/jpeg,framerate=20/1 ! jpegparse ! {decode_to_rgb}",
            raw.display()
        ));
        for transport in ["udp", "tcp"] {
            let url = format!("rtsp://127.0.0.1:{}/{name}", server.local_addr().port());
            let got = gst_run(format!(
                "rtspsrc location={url} protocols={transport} latency=200 ! rtpjpegdepay ! {decode_to_rgb}"
            ));
            compare(
                &format!("gstreamer {transport} {name}"),
                &got,
                &reference,
                frame_len,
                lossless,
            );
        }
    }
    server.shutdown().unwrap();
}

#[test]
fn gst_shutdown_race_is_recognised_and_nothing_else() {
    let race = "ERROR: from element /GstPipeline:pipeline0/GstRTSPSrc:rtspsrc0: Could not write to resource.
Additional debug info:
../gst/rtsp/gstrtspsrc.c(6766): gst_rtspsrc_try_send (): /GstPipeline:pipeline0/GstRTSPSrc:rtspsrc0:
Could not send message. (Received end-of-file)
ERROR: from element /GstPipeline:pipeline0/GstRTSPSrc:rtspsrc0: Could not write to resource.
Additional debug info:
../gst/rtsp/gstrtspsrc.c(9240): gst_rtspsrc_pause (): /GstPipeline:pipeline0/GstRTSPSrc:rtspsrc0:
Could not send message. (Received end-of-file)
";
    assert!(only_gst_shutdown_race(race));
    assert!(!only_gst_shutdown_race(""));
    // The same error on PLAY or SETUP is a real failure.
    assert!(!only_gst_shutdown_race(
        &race.replace("gst_rtspsrc_pause", "gst_rtspsrc_play")
    ));
    let decode_error = "ERROR: from element /GstPipeline:pipeline0/GstJpegDec:jpegdec0: Failed to decode JPEG image\n";
    assert!(!only_gst_shutdown_race(&format!("{race}{decode_error}")));
}

/// Plays `path` from a server at `port` with our client; returns the frames.
fn play_from(client_rt: &dyn Runtime, port: u16, path: &str, tcp: bool, frames: usize) -> Seen {
    log_to_harness();
    let c = client_rt
        .connect(ClientOptions {
            host: "127.0.0.1".into(),
            port,
            path: path.into(),
            transport: if tcp {
                ClientTransport::Tcp
            } else {
                ClientTransport::Udp { rtp_port: 0 }
            },
            dialect: Dialect::Standard,
            timeout: DEADLINE,
        })
        .unwrap();
    let mut seen = Seen::default();
    seen.command(&c, ClientCommand::Setup, State::Ready);
    seen.command(&c, ClientCommand::Play, State::Playing);
    seen.frames_at_least(&c, frames);
    seen.command(&c, ClientCommand::Teardown, State::Init);
    seen
}

/// Every received frame must carry exactly the entropy data of one of the
/// file's frames (the server sends the scan, the client rebuilds headers).
fn frames_are_the_files(what: &str, seen: &Seen, name: &str) {
    let scans: Vec<Vec<u8>> = file_frames(name)
        .iter()
        .map(|f| Jpeg::parse(f).unwrap().entropy_data().to_vec())
        .collect();
    for (i, f) in seen.frames.iter().enumerate() {
        decode(&f.jpeg, &format!("{what} frame {i}"));
        let s = Jpeg::parse(&f.jpeg).unwrap().entropy_data().to_vec();
        assert!(
            scans.contains(&s),
            "{what}: frame {i} is not one of the file's frames"
        );
    }
}

fn wait_for_port(port: u16, child: &mut Child) {
    // A listener that accepts is not yet a server that answers: peers are
    // given a moment after the port opens (checked again by the RTSP
    // exchange itself, which fails loudly).
    let end = Instant::now() + DEADLINE;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("peer exited ({status}) before listening on {port}");
        }
        assert!(Instant::now() < end, "peer did not listen on {port}");
        thread::sleep(Duration::from_millis(50));
    }
}

/// Our client plays from gst-rtsp-server (RFC 2435 from `rtpjpegpay`), over
/// UDP and TCP, for the files gst-rtsp-server can stream.
pub fn client_plays_from_gst_rtsp_server(client_rt: &dyn Runtime) {
    let python = Path::new("/usr/bin/python3");
    assert!(
        python.is_file(),
        "interop peer /usr/bin/python3 is missing: install Debian's python3-gi and gir1.2-gst-rtsp-server-1.0"
    );
    let tmp = TempDir::new(&format!("gst-rtsp-server-{}", client_rt.name()));
    let files = [
        "testsrc-1280x720-420.Mjpeg",
        "restart-640x480-420.Mjpeg",
        "big-1920x1080-420.Mjpeg",
    ];
    for (i, name) in files.iter().enumerate() {
        let dir = tmp.0.join(format!("clip{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        for (k, frame) in file_frames(name).iter().enumerate() {
            std::fs::write(dir.join(format!("{k:05}.jpg")), frame).unwrap();
        }
    }
    let port = free_port();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../runtime-mio/tests/peers/gst_rtsp_server.py");
    let mut peer = Peer::spawn(
        Command::new(python)
            .arg(&script)
            .arg(port.to_string())
            .arg(&tmp.0)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit()),
    );
    let mut line = String::new();
    BufReader::new(peer.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready", "gst-rtsp-server launcher: {line:?}");
    wait_for_port(port, &mut peer.0);
    for (i, name) in files.iter().enumerate() {
        for tcp in [false, true] {
            let what = format!("gst-rtsp-server {} {name}", if tcp { "tcp" } else { "udp" });
            let seen = play_from(client_rt, port, &format!("clip{i}"), tcp, 8);
            frames_are_the_files(&what, &seen, name);
            eprintln!("{what}: {} frames", seen.frames.len());
        }
    }
}

/// Our client plays from VLC's RTSP server (`#rtp{sdp=rtsp://…}`; UDP only,
/// and VLC sends a single 64-byte quantization table for one-table JPEGs).
pub fn client_plays_from_vlc(client_rt: &dyn Runtime) {
    let cvlc = require("cvlc", "vlc-bin");
    let tmp = TempDir::new(&format!("vlc-{}", client_rt.name()));
    let name = "testsrc-640x480-420.raw.mjpeg";
    let clip = tmp.0.join("clip.mjpeg");
    // A minute of video: VLC's `--loop` restarts its RTSP output at every
    // loop (refusing connections meanwhile), so play one long file instead.
    let raw: Vec<u8> = file_frames(name).concat();
    std::fs::write(&clip, raw.repeat(20)).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&clip, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let port = free_port();
    let sout = format!("#rtp{{sdp=rtsp://127.0.0.1:{port}/x}}");
    let vlc_args = [
        "-I",
        "dummy",
        "--no-audio",
        clip.to_str().unwrap(),
        "--demux=mjpeg",
        "--mjpeg-fps=20",
        "--sout",
        &sout,
    ];
    // VLC refuses to run as root.
    let is_root = std::env::var("USER").map(|u| u == "root").unwrap_or(false)
        || Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.starts_with(b"0"))
            .unwrap_or(false);
    let mut cmd = if is_root {
        let mut c = Command::new(require("runuser", "util-linux"));
        c.args(["-u", "nobody", "--"]).arg(&cvlc);
        c
    } else {
        Command::new(&cvlc)
    };
    let mut peer = Peer::spawn(
        cmd.args(vlc_args)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    wait_for_port(port, &mut peer.0);
    // VLC answers DESCRIBE with 500 until its input has started; a player
    // would show the error, the test waits for VLC to be ready.
    let end = Instant::now() + DEADLINE;
    loop {
        let c = client_rt
            .connect(ClientOptions {
                host: "127.0.0.1".into(),
                port,
                path: "x".into(),
                transport: ClientTransport::Udp { rtp_port: 0 },
                dialect: Dialect::Standard,
                timeout: DEADLINE,
            })
            .unwrap();
        let mut seen = Seen::default();
        c.send(ClientCommand::Setup).unwrap();
        seen.until(&c, DEADLINE, |s| {
            s.state() == State::Ready || !s.errors.is_empty()
        });
        if seen.state() == State::Ready {
            break;
        }
        assert!(
            seen.errors.iter().all(|e| e.contains("500")) && Instant::now() < end,
            "VLC: {:?}",
            seen.errors
        );
        thread::sleep(Duration::from_millis(200));
    }
    let seen = play_from(client_rt, port, "x", false, 10);
    frames_are_the_files(&format!("vlc udp {name}"), &seen, name);
    eprintln!("vlc udp {name}: {} frames", seen.frames.len());
}

/// Instantiates the interop suite for a runtime pair, as `#[test]`s.
macro_rules! interop_suite {
    ($name:ident, $server:expr, $client:expr) => {
        mod $name {
            use super::interop;
            #[test]
            fn ffmpeg_plays_every_good_file() {
                interop::ffmpeg_plays_every_good_file($server);
            }
            #[test]
            fn gstreamer_plays_every_good_file() {
                interop::gstreamer_plays_every_good_file($server);
            }
            #[test]
            fn client_plays_from_gst_rtsp_server() {
                interop::client_plays_from_gst_rtsp_server($client);
            }
            #[test]
            fn client_plays_from_vlc() {
                interop::client_plays_from_vlc($client);
            }
        }
    };
}

const _: &[&str] = GOOD_FILES;
