//! The viewer binary, headless, against a real standard server:
//! gst-rtsp-server (`--features interop`; `.ci/run` installs it). The
//! snapshot must be exactly a source frame decoded directly.
#![cfg(feature = "interop")]

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use stream_core::mjpeg;
use viewer::decode::decode_jpeg;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn media(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/media")
            .join(name),
    )
    .unwrap()
}

fn read_png(path: &Path) -> Vec<u8> {
    let mut reader = png::Decoder::new(BufReader::new(std::fs::File::open(path).unwrap()))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    buf
}

#[test]
fn headless_viewer_plays_from_gst_rtsp_server() {
    let python = Path::new("/usr/bin/python3");
    assert!(
        python.is_file(),
        "/usr/bin/python3 is missing: install Debian's python3-gi and gir1.2-gst-rtsp-server-1.0"
    );
    let name = "testsrc-1280x720-420.Mjpeg";
    let data = media(name);
    let frames: Vec<&[u8]> = mjpeg::index(&data)
        .frames
        .iter()
        .map(|f| &data[f.range.clone()])
        .collect();
    let dir = std::env::temp_dir().join(format!("viewer-gst-{}", std::process::id()));
    let clip = dir.join("clip");
    std::fs::create_dir_all(&clip).unwrap();
    for (k, f) in frames.iter().enumerate() {
        std::fs::write(clip.join(format!("{k:05}.jpg")), f).unwrap();
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../runtime-mio/tests/peers/gst_rtsp_server.py");
    let mut server = Killed(
        Command::new(python)
            .arg(script)
            .arg(port.to_string())
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    let end = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < end, "gst-rtsp-server does not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    for transport in [None, Some("--tcp")] {
        let shot = dir.join("shot.png");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_viewer"));
        cmd.arg(format!("rtsp://127.0.0.1:{port}/clip"))
            .args(["--headless", "--frames", "8", "--snapshot"])
            .arg(&shot);
        if let Some(t) = transport {
            cmd.arg(t);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{transport:?}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("state READY -> PLAYING"), "{stdout}");
        let summary = stdout
            .lines()
            .find(|l| l.starts_with("summary "))
            .expect("a summary line");
        assert!(summary.contains("frames_decoded=8"), "{summary}");
        let got = read_png(&shot);
        let exact = frames
            .iter()
            .any(|f| decode_jpeg(f).unwrap().as_bytes() == got.as_slice());
        assert!(
            exact,
            "{transport:?}: the snapshot is not one of the file's frames decoded directly"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
