//! The real window, driven by the test suite's fake runtime: for looking at
//! the viewer (and taking screenshots) before a real runtime exists.
//!
//! ```text
//! cargo run -p viewer --example fake_window -- [--demo] [--autoplay] [--lab]
//!     [--clip FILE.Mjpeg] [--fps N] [--duration SECS] [--garbage-every N]
//!     [--refuse] [--not-found] [--close-after N]
//! ```
//! `--demo` goes through the demo path (in-process "server" + autoplay).

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::ExitCode;
use std::time::Duration;

use stream_core::runtime::ClientOptions;
use support::{FakeRuntime, Script, read_lab_clip};
use viewer::app::{self, AppConfig};
use viewer::demo::Demo;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,wgpu_core=warn,wgpu_hal=warn,naga=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args().skip(1);
    let mut script = Script {
        keep_open_after_teardown: false,
        ..Script::default()
    };
    let (mut demo, mut autoplay, mut lab, mut fps) = (false, false, false, 20);
    let mut clip = None;
    while let Some(a) = args.next() {
        let mut value = || args.next().expect("a value");
        match a.as_str() {
            "--demo" => demo = true,
            "--autoplay" => autoplay = true,
            "--lab" => lab = true,
            "--clip" => clip = Some(value()),
            "--fps" => fps = value().parse().expect("fps"),
            "--duration" => {
                script.duration = Some(Duration::from_secs_f64(value().parse().expect("secs")))
            }
            "--garbage-every" => script.garbage_every = Some(value().parse().expect("n")),
            "--refuse" => script.refuse_connect = true,
            "--not-found" => script.describe_status = Some((404, "Not Found")),
            "--close-after" => script.close_after_frames = Some(value().parse().expect("n")),
            other => {
                eprintln!("unknown argument {other}");
                return ExitCode::from(2);
            }
        }
    }
    let runtime = match clip {
        Some(path) => FakeRuntime::new(
            read_lab_clip(&std::fs::read(path).expect("clip")),
            fps,
            script,
        ),
        None => FakeRuntime::sample(fps, script),
    }
    .leak();
    let demo_server;
    let mut config = if demo {
        demo_server = Demo::start(runtime).expect("demo");
        let mut c = AppConfig::new(demo_server.client_options(Duration::from_secs(5)));
        c.autoplay = true;
        c
    } else if lab {
        AppConfig::new(ClientOptions::lab("127.0.0.1", 3000, 25000, "movie.Mjpeg"))
    } else {
        AppConfig::new(ClientOptions::from_url("rtsp://127.0.0.1:8554/movie.Mjpeg").unwrap())
    };
    config.autoplay |= autoplay;
    let result = app::run(runtime, config);
    tracing::debug!("window closed");
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
