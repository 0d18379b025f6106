//! The command line both server binaries share (`mio-server`,
//! `smol-server`): the lab's `Server.py <port>` plus options, and the
//! binaries' whole `main` ([`server_main`]), so both behave alike on every
//! input.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::prelude::rust_2024::*;
use std::string::String;
use std::time::Duration;

use crate::runtime::{RunLoop, ServerOptions};

/// Serve MJPEG files over RTSP/RTP (RFC 2326, RFC 2435), and to the course
/// lab's client in its own dialect.
#[derive(Debug, Clone, clap::Parser)]
#[command(version, about, long_about = None)]
pub struct ServerArgs {
    /// RTSP port to listen on (the lab uses e.g. 1025; the RTSP default is 554).
    pub port: u16,
    /// Directory whose files are served (requests name files relative to it).
    #[arg(long, default_value = ".")]
    pub media: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::UNSPECIFIED))]
    pub bind: IpAddr,
    /// Frames per second.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=240))]
    pub fps: u32,
    /// Restart a clip at its end instead of ending the stream.
    #[arg(long = "loop")]
    pub looping: bool,
    /// Largest RTP packet in bytes, RTP header included.
    #[arg(long, default_value_t = 1400, value_parser = clap::value_parser!(u16).range(100..=65000))]
    pub mtu: u16,
    /// Seconds without a request or RTCP report before a session is reaped
    /// (a lab-dialect session, whose client sends neither: only once its
    /// connection has closed).
    #[arg(long = "session-timeout", default_value_t = 60, value_parser = clap::value_parser!(u64).range(2..=86400))]
    pub session_timeout: u64,
}

impl ServerArgs {
    /// The options these arguments describe.
    pub fn options(&self) -> ServerOptions {
        ServerOptions {
            bind: SocketAddr::new(self.bind, self.port),
            media_dir: self.media.clone(),
            fps: self.fps,
            looping: self.looping,
            mtu: usize::from(self.mtu),
            session_timeout: Duration::from_secs(self.session_timeout),
        }
    }
}

/// The `main` of a server binary, for the runtime whose loop is `L`:
/// parses [`ServerArgs`] (exit 2 with clap's message on bad arguments),
/// logs to stderr (`RUST_LOG` filter, `info` by default), binds (exit 1 with
/// "cannot start: …" if it cannot), then serves on this thread until Ctrl-C
/// or SIGTERM, which ends every session with RTCP BYE; exit 0 after that.
pub fn server_main<L: RunLoop>() -> std::process::ExitCode {
    use clap::Parser;
    use std::process::ExitCode;
    use tracing_subscriber::EnvFilter;

    let args = ServerArgs::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let server = match L::bind(&args.options()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stop = server.stopper();
    if let Err(e) = ctrlc::set_handler(stop) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn lab_style_and_options() {
        let a = ServerArgs::try_parse_from(["mio-server", "1025"]).unwrap();
        let o = a.options();
        assert_eq!(o.bind.port(), 1025);
        assert_eq!((o.fps, o.mtu, o.looping), (20, 1400, false));
        let a = ServerArgs::try_parse_from([
            "x",
            "8554",
            "--media",
            "/m",
            "--bind",
            "127.0.0.1",
            "--fps",
            "25",
            "--loop",
            "--mtu",
            "1200",
            "--session-timeout",
            "30",
        ])
        .unwrap();
        let o = a.options();
        assert_eq!(o.bind, "127.0.0.1:8554".parse().unwrap());
        assert_eq!(o.media_dir, PathBuf::from("/m"));
        assert_eq!(
            (o.fps, o.mtu, o.looping, o.session_timeout),
            (25, 1200, true, Duration::from_secs(30))
        );
        assert!(ServerArgs::try_parse_from(["x"]).is_err());
        assert!(ServerArgs::try_parse_from(["x", "1", "--fps", "0"]).is_err());
    }
}
