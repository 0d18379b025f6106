//! `mio-server <port> [options]`: serves the MJPEG files of a directory over
//! RTSP, like the course lab's `Server.py <port>`, on the mio runtime.

use std::process::ExitCode;

use clap::Parser;
use runtime_mio::ServerLoop;
use stream_core::cli::ServerArgs;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let args = ServerArgs::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let server = match ServerLoop::bind(&args.options()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stop = server.stop_signal();
    if let Err(e) = ctrlc::set_handler(move || stop.stop()) {
        tracing::error!("cannot install the Ctrl-C handler: {e}");
        return ExitCode::FAILURE;
    }
    match server.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
