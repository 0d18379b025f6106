//! The real window under Xvfb (`--features interop`; `.ci/run` installs
//! Xvfb, xdotool, ImageMagick and Mesa): the lab-style command line, the
//! four buttons clicked with xdotool, and screenshots checked for what a
//! person would see — the clip in the video area, the state in the status
//! line, the right buttons enabled.
#![cfg(feature = "interop")]
#[path = "../../core/tests/common/psnr.rs"]
mod psnr;

use psnr::psnr;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use stream_core::mjpeg;
use stream_core::runtime::{Runtime, ServerOptions};
use viewer::decode::decode_jpeg;
use viewer::image::{Rgba, RgbaImage};
use viewer::scale::{Filter, blit_scaled, fit};
use viewer::session::Control;
use viewer::text::{draw_text, line_height, text_width};
use viewer::ui::{STATUS_LINES, colours, layout};

const DEADLINE: Duration = Duration::from_secs(60);
const FILE: &str = "testsrc-640x480-420.raw.mjpeg";

fn media_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/media")
}

fn require(program: &str, package: &str) {
    let found = std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .any(|d| Path::new(d).join(program).is_file());
    assert!(
        found,
        "`{program}` is missing: install Debian's `{package}` (the window test never skips)"
    );
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn output(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Screen {
    display: String,
    _xvfb: Killed,
    _one_at_a_time: std::sync::MutexGuard<'static, ()>,
}

/// One Xvfb at a time: two tests picking a display number at once could
/// pick the same one (and software rendering two windows at once on a
/// small machine only makes both slow).
static SCREENS: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Screen {
    fn start() -> Screen {
        let guard = SCREENS.lock().unwrap_or_else(|p| p.into_inner());
        let n = (90..200)
            .find(|n| {
                !Path::new(&format!("/tmp/.X{n}-lock")).exists()
                    && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            })
            .expect("a free display number");
        let display = format!(":{n}");
        let xvfb = Command::new("Xvfb")
            .args([&display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts");
        let end = Instant::now() + DEADLINE;
        while !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
            assert!(Instant::now() < end, "Xvfb did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Screen {
            display,
            _xvfb: Killed(xvfb),
            _one_at_a_time: guard,
        }
    }

    fn cmd(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("DISPLAY", &self.display);
        c
    }

    /// A screenshot of the window, as RGBA.
    fn shot(&self, window: &str, keep: Option<&Path>) -> RgbaImage {
        let path = std::env::temp_dir().join(format!("viewer-window-{}.png", std::process::id()));
        // PNG32: always RGBA (ImageMagick would write a grey-only window as grayscale).
        output(
            self.cmd("import")
                .args(["-window", window])
                .arg(format!("PNG32:{}", path.display())),
        );
        let mut reader =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()))
                .read_info()
                .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        let rgba: Vec<u8> = match info.color_type {
            png::ColorType::Rgba => buf,
            png::ColorType::Rgb => buf
                .chunks(3)
                .flat_map(|p| [p[0], p[1], p[2], 255])
                .collect(),
            other => panic!("unexpected screenshot format {other:?}"),
        };
        if let Some(keep) = keep {
            std::fs::copy(&path, keep).unwrap();
        }
        let _ = std::fs::remove_file(&path);
        RgbaImage::from_raw(info.width, info.height, rgba).unwrap()
    }
}

/// Whether the first status line of `shot` reads `word`: the glyphs of
/// `word`, drawn by the viewer's own font at one of the scales the status
/// line uses, are exactly the pixels of the status colour there.
fn status_reads(shot: &RgbaImage, word: &str) -> bool {
    let l = layout(shot.width(), shot.height(), 1.0);
    (l.unit..=l.text_scale).any(|scale| {
        let line = l.status.height / STATUS_LINES;
        let y = l.status.y + (line.saturating_sub(line_height(scale)) / 2) as i32;
        let w = text_width(word, scale);
        let mut expected = RgbaImage::filled(w, line_height(scale), Rgba::rgb(0, 0, 0));
        draw_text(&mut expected.canvas(), 0, 0, word, scale, colours::STATUS);
        (0..expected.height()).all(|dy| {
            (0..w).all(|dx| {
                let want = expected.pixel(dx, dy) == Some(colours::STATUS);
                let got =
                    shot.pixel(l.status.x as u32 + dx, y as u32 + dy) == Some(colours::STATUS);
                want == got
            })
        })
    })
}

/// The best match between the picture in the video area and the clip's
/// frames, scaled the way the viewer scales them.
fn best_picture_match(shot: &RgbaImage, frames: &[RgbaImage]) -> f64 {
    let l = layout(shot.width(), shot.height(), 1.0);
    let area = fit(frames[0].width(), frames[0].height(), l.video);
    let crop = |img: &RgbaImage| -> Vec<u8> {
        let mut v = Vec::new();
        for y in area.y..area.y + area.height as i32 {
            for x in area.x..area.x + area.width as i32 {
                let p = img.pixel(x as u32, y as u32).unwrap();
                v.extend_from_slice(&p.0[..3]);
            }
        }
        v
    };
    let got = crop(shot);
    frames
        .iter()
        .map(|f| {
            let mut expected = RgbaImage::filled(shot.width(), shot.height(), Rgba::rgb(0, 0, 0));
            blit_scaled(f, &mut expected.canvas(), area, Filter::Bilinear);
            psnr(&got, &crop(&expected))
        })
        .fold(0.0, f64::max)
}

fn wait_log(log: &Path, line: &str) {
    let end = Instant::now() + DEADLINE;
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains(line) {
            return;
        }
        assert!(
            Instant::now() < end,
            "the viewer never logged {line:?}:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn click(screen: &Screen, window: &str, shot: &RgbaImage, control: Control) {
    let l = layout(shot.width(), shot.height(), 1.0);
    let (_, r) = l.buttons.iter().find(|(c, _)| *c == control).unwrap();
    let (x, y) = (r.x + r.width as i32 / 2, r.y + r.height as i32 / 2);
    output(screen.cmd("xdotool").args([
        "mousemove",
        "--window",
        window,
        &x.to_string(),
        &y.to_string(),
        "click",
        "1",
    ]));
}

fn button_look(shot: &RgbaImage, control: Control) -> Rgba {
    let l = layout(shot.width(), shot.height(), 1.0);
    let (_, r) = l.buttons.iter().find(|(c, _)| *c == control).unwrap();
    // A point on the button's face, clear of its label.
    shot.pixel((r.x + 4) as u32, (r.y + r.height as i32 / 2) as u32)
        .unwrap()
}

#[test]
fn lab_style_window_setup_play_pause_teardown() {
    require("Xvfb", "xvfb");
    require("xdotool", "xdotool");
    require("import", "imagemagick");
    let screen = Screen::start();
    let runtime: &dyn Runtime = viewer::runtimes::by_name("mio").unwrap();
    let server = runtime
        .start_server(ServerOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            media_dir: media_dir(),
            looping: true,
            ..ServerOptions::default()
        })
        .unwrap();
    let data = std::fs::read(media_dir().join(FILE)).unwrap();
    let frames: Vec<RgbaImage> = mjpeg::index(&data)
        .frames
        .iter()
        .map(|f| decode_jpeg(&data[f.range.clone()]).unwrap())
        .collect();
    let rtp_port = {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap().port() & !1
    };
    let log = std::env::temp_dir().join(format!("viewer-window-{}.log", std::process::id()));
    let viewer = Killed(
        screen
            .cmd(env!("CARGO_BIN_EXE_viewer"))
            .args([
                "127.0.0.1",
                &server.local_addr().port().to_string(),
                &rtp_port.to_string(),
                FILE,
            ])
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let window = output(screen.cmd("xdotool").args([
        "search",
        "--sync",
        "--onlyvisible",
        "--pid",
        &viewer.0.id().to_string(),
    ]))
    .lines()
    .next()
    .expect("a window")
    .to_string();
    // Give the first frame time to be presented.
    std::thread::sleep(Duration::from_millis(1500));
    let shot = screen.shot(&window, None);
    assert!(status_reads(&shot, "INIT"), "status line should read INIT");
    assert_eq!(
        button_look(&shot, Control::Setup),
        colours::BUTTON,
        "Setup enabled in INIT"
    );
    assert_eq!(
        button_look(&shot, Control::Play),
        colours::DISABLED,
        "Play disabled in INIT"
    );

    click(&screen, &window, &shot, Control::Setup);
    wait_log(&log, "state INIT -> READY");
    std::thread::sleep(Duration::from_millis(500));
    let shot = screen.shot(&window, None);
    assert!(
        status_reads(&shot, "READY"),
        "status line should read READY"
    );

    click(&screen, &window, &shot, Control::Play);
    wait_log(&log, "state READY -> PLAYING");
    std::thread::sleep(Duration::from_millis(2000));
    let shot = screen.shot(&window, None);
    assert!(
        status_reads(&shot, "PLAYING"),
        "status line should read PLAYING"
    );
    let match_db = best_picture_match(&shot, &frames);
    assert!(
        match_db >= 40.0,
        "the video area does not show the clip ({match_db:.1} dB at best)"
    );
    assert_eq!(
        button_look(&shot, Control::Pause),
        colours::BUTTON,
        "Pause enabled while playing"
    );
    assert_eq!(
        button_look(&shot, Control::Setup),
        colours::DISABLED,
        "Setup disabled while playing"
    );

    click(&screen, &window, &shot, Control::Pause);
    wait_log(&log, "state PLAYING -> READY");
    std::thread::sleep(Duration::from_millis(500));
    let paused = screen.shot(&window, None);
    assert!(status_reads(&paused, "READY"));
    // The last good frame stays up.
    assert!(best_picture_match(&paused, &frames) >= 40.0);

    click(&screen, &window, &paused, Control::Teardown);
    wait_log(&log, "state READY -> INIT");
    std::thread::sleep(Duration::from_millis(500));
    let torn = screen.shot(&window, None);
    assert!(status_reads(&torn, "INIT"));
    drop(viewer);
    server.shutdown().unwrap();
    let _ = std::fs::remove_file(&log);
    let _ = TcpListener::bind("127.0.0.1:0");
}

/// `cargo run -p viewer` with no arguments: the demo plays the bundled
/// sample in a window, with nothing but the repository.
#[test]
fn demo_window_shows_frames() {
    require("Xvfb", "xvfb");
    require("xdotool", "xdotool");
    require("import", "imagemagick");
    let screen = Screen::start();
    let log = std::env::temp_dir().join(format!("viewer-demo-{}.log", std::process::id()));
    let started = Instant::now();
    let viewer = Killed(
        screen
            .cmd(env!("CARGO_BIN_EXE_viewer"))
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    wait_log(&log, "state READY -> PLAYING");
    let window = output(screen.cmd("xdotool").args([
        "search",
        "--sync",
        "--onlyvisible",
        "--pid",
        &viewer.0.id().to_string(),
    ]))
    .lines()
    .next()
    .expect("a window")
    .to_string();
    std::thread::sleep(Duration::from_millis(1500));
    let sample =
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/sample.Mjpeg"))
            .unwrap();
    let frames: Vec<RgbaImage> = mjpeg::index(&sample)
        .frames
        .iter()
        .map(|f| decode_jpeg(&sample[f.range.clone()]).unwrap())
        .collect();
    let failed = std::env::temp_dir().join(format!("viewer-demo-{}.png", std::process::id()));
    let shot = screen.shot(&window, Some(&failed));
    assert!(
        status_reads(&shot, "PLAYING"),
        "status should read PLAYING: see {}",
        failed.display()
    );
    // VIEWER_SCREENSHOT=path keeps the picture (the README's is made so).
    match std::env::var_os("VIEWER_SCREENSHOT") {
        Some(keep) => std::fs::rename(&failed, keep).unwrap(),
        None => std::fs::remove_file(&failed).unwrap(),
    }
    let db = best_picture_match(&shot, &frames);
    assert!(
        db >= 40.0,
        "the demo window does not show the sample ({db:.1} dB at best)"
    );
    eprintln!(
        "demo: playing {:?} after start, picture matches at {db:.1} dB",
        started.elapsed()
    );
    drop(viewer);
    let _ = std::fs::remove_file(&log);
}
