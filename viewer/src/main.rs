//! `viewer`: plays an RTSP/RTP MJPEG stream in a window, or headless.
//!
//! See `viewer --help`. With no arguments it starts an in-process server on
//! loopback with the bundled sample clip and plays it.

use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Parser;
use tracing_subscriber::EnvFilter;
use viewer::app::{self, AppConfig};
use viewer::cli::{Cli, Target};
use viewer::demo::Demo;
use viewer::headless::{self, HeadlessConfig};
use viewer::record::Recorder;
use viewer::runtimes;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(&cli) {
        Ok(code) => code,
        Err(message) => {
            tracing::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr; `RUST_LOG` overrides the default (info for us, warnings
/// for the graphics stack, which is chatty at info).
fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("info,wgpu_core=warn,wgpu_hal=warn,naga=warn,wgpu=warn")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn run(cli: &Cli) -> Result<ExitCode, String> {
    let target = match cli.resolve() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("viewer: {e}\n\nRun `viewer --help` for usage.");
            return Ok(ExitCode::from(2));
        }
    };
    let timeout = cli.timeout().map_err(|e| e.to_string())?;
    let runtime = runtimes::by_name(&cli.runtime)?;
    let recorder = match &cli.record {
        Some(path) => {
            let r = Recorder::create(path).map_err(|e| format!("--record: {e}"))?;
            tracing::info!("recording received frames to {}", path.display());
            Some(Arc::new(Mutex::new(r)))
        }
        None => None,
    };

    // The demo's server lives until the window (or headless run) ends.
    let (demo, options, autoplay) = match target {
        Target::Demo => {
            let demo =
                Demo::start(runtime).map_err(|e| format!("cannot start the demo server: {e}"))?;
            let mut options = demo.client_options(timeout);
            if cli.tcp {
                options.transport = stream_core::client::ClientTransport::Tcp;
            }
            (Some(demo), options, true)
        }
        Target::Remote(options) => (None, options, cli.autoplay),
    };

    let result = if cli.headless {
        let config = HeadlessConfig {
            frames: cli.frames().map_err(|e| e.to_string())?,
            snapshot: cli.snapshot.clone(),
            stall_timeout: timeout + std::time::Duration::from_secs(2),
            recorder: recorder.clone(),
            ..HeadlessConfig::default()
        };
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let summary = headless::run(runtime, options, config, &mut out)
            .map_err(|e| format!("cannot write to stdout: {e}"))?;
        let _ = out.flush();
        Ok(if summary.success {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    } else {
        let mut config = AppConfig::new(options);
        config.autoplay = autoplay;
        config.recorder = recorder.clone();
        app::run(runtime, config)
            .map(|()| ExitCode::SUCCESS)
            .map_err(|e| e.to_string())
    };

    if let Some(recorder) = recorder {
        if let Ok(r) = recorder.lock() {
            tracing::info!(
                "recorded {} frames ({} bytes) to {}",
                r.frames(),
                r.bytes(),
                r.path().display()
            );
        }
    }
    if let Some(demo) = demo {
        if let Err(e) = demo.shutdown() {
            tracing::warn!("stopping the demo server: {e}");
        }
    }
    result
}
