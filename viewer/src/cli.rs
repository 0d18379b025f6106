//! The command line.
//!
//! ```text
//! viewer                                         demo: in-process server + sample clip
//! viewer rtsp://HOST[:PORT]/PATH                 any RTSP server
//! viewer HOST PORT RTP_PORT FILE                 as the lab's ClientLauncher.py
//! ```
//! plus `--tcp`, `--lab`, `--runtime mio|smol`, `--record FILE`,
//! `--headless [--frames N] [--snapshot PNG]`, `--timeout SECS`, `--autoplay`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use stream_core::client::ClientTransport;
use stream_core::runtime::{ClientOptions, Dialect};

use crate::runtimes;

/// Plays an RTSP/RTP MJPEG stream in a window (or headless).
#[derive(Debug, Clone, Parser)]
#[command(
    name = "viewer",
    version,
    about = "Plays an RTSP/RTP MJPEG stream in a window, or headless for scripts.",
    after_help = "\
With no TARGET, starts a server on loopback with the bundled sample clip and plays it.

Examples:
  viewer
  viewer rtsp://127.0.0.1:8554/movie.Mjpeg
  viewer 127.0.0.1 8554 25000 movie.Mjpeg --lab      (the lab's Server.py)
  viewer --headless --frames 50 --snapshot last.png rtsp://127.0.0.1:8554/movie.Mjpeg

Keys: S setup, Space play/pause, T teardown, Left/Right seek 5 s, Q or Esc quit."
)]
pub struct Cli {
    /// Nothing (demo), an rtsp:// URL, or HOST PORT RTP_PORT FILE.
    #[arg(value_name = "TARGET")]
    pub target: Vec<String>,
    /// RTP over the RTSP connection (interleaved) instead of UDP.
    #[arg(long)]
    pub tcp: bool,
    /// Speak the course lab's RTSP dialect (its Server.py).
    #[arg(long)]
    pub lab: bool,
    /// I/O runtime: mio or smol.
    #[arg(long, value_name = "NAME", default_value = runtimes::DEFAULT)]
    pub runtime: String,
    /// Write every received frame to FILE as it arrives (lab container; FILE is replaced).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// No window: play, print state changes and a summary, exit.
    #[arg(long)]
    pub headless: bool,
    /// Headless: stop after N decoded frames [default: 100].
    #[arg(long, value_name = "N", requires = "headless")]
    pub frames: Option<u64>,
    /// Headless: write the last decoded frame to this PNG file.
    #[arg(long, value_name = "PATH", requires = "headless")]
    pub snapshot: Option<PathBuf>,
    /// Seconds to wait for the connection, each reply and (headless) each frame.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Send SETUP and PLAY at once (always on in the demo and headless).
    #[arg(long)]
    pub autoplay: bool,
}

/// What to play.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Start an in-process server with the sample clip; play it.
    Demo,
    /// Connect to a server.
    Remote(ClientOptions),
}

/// A command line that parses but does not make sense.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CliError {
    /// Two or three positional arguments, or more than four.
    ArgumentCount(usize),
    /// One positional argument that is not an rtsp:// URL.
    BadUrl(String),
    /// A port that is not a number in 1..=65535 (0 allowed for RTP: any).
    BadPort {
        /// Which one.
        which: &'static str,
        /// As given.
        value: String,
    },
    /// `--lab` without a server to talk to.
    LabNeedsServer,
    /// `--lab` with `--tcp`.
    LabOverTcp,
    /// `--timeout` not a positive number of seconds up to an hour.
    BadTimeout(String),
    /// `--frames 0`.
    ZeroFrames,
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::ArgumentCount(n) => write!(
                f,
                "expected no TARGET, one rtsp:// URL, or HOST PORT RTP_PORT FILE; got {n} arguments"
            ),
            CliError::BadUrl(why) => write!(f, "{why}"),
            CliError::BadPort { which, value } => {
                write!(f, "{which} must be a port number, not `{value}`")
            }
            CliError::LabNeedsServer => f.write_str(
                "--lab talks to the lab's Server.py: give HOST PORT RTP_PORT FILE (the demo uses our own server)",
            ),
            CliError::LabOverTcp => {
                f.write_str("the lab dialect carries RTP over UDP only: drop --tcp or --lab")
            }
            CliError::BadTimeout(v) => {
                write!(f, "--timeout must be a number of seconds in (0, 3600], not {v}")
            }
            CliError::ZeroFrames => f.write_str("--frames must be at least 1"),
        }
    }
}

impl std::error::Error for CliError {}

/// Frames a headless run plays when `--frames` is not given.
pub const DEFAULT_HEADLESS_FRAMES: u64 = 100;

impl Cli {
    /// The `--timeout` as a duration.
    pub fn timeout(&self) -> Result<Duration, CliError> {
        if self.timeout.is_finite() && self.timeout > 0.0 && self.timeout <= 3600.0 {
            Ok(Duration::from_secs_f64(self.timeout))
        } else {
            Err(CliError::BadTimeout(self.timeout.to_string()))
        }
    }

    /// Headless frame count.
    pub fn frames(&self) -> Result<u64, CliError> {
        match self.frames {
            Some(0) => Err(CliError::ZeroFrames),
            Some(n) => Ok(n),
            None => Ok(DEFAULT_HEADLESS_FRAMES),
        }
    }

    /// What to play, with `--tcp`, `--lab` and `--timeout` applied.
    pub fn resolve(&self) -> Result<Target, CliError> {
        let timeout = self.timeout()?;
        self.frames()?;
        if self.lab && self.tcp {
            return Err(CliError::LabOverTcp);
        }
        let mut options = match self.target.as_slice() {
            [] => {
                if self.lab {
                    return Err(CliError::LabNeedsServer);
                }
                return Ok(Target::Demo);
            }
            [url] => ClientOptions::from_url(url).map_err(|e| {
                CliError::BadUrl(format!(
                    "{e} (give an rtsp://host[:port]/path URL or HOST PORT RTP_PORT FILE)"
                ))
            })?,
            [host, port, rtp_port, file] => {
                let port = parse_port(port, "PORT", false)?;
                let rtp_port = parse_port(rtp_port, "RTP_PORT", true)?;
                let mut o = ClientOptions::lab(host, port, rtp_port, file);
                o.dialect = Dialect::Standard;
                o
            }
            other => return Err(CliError::ArgumentCount(other.len())),
        };
        if self.lab {
            options.dialect = Dialect::Lab;
        }
        if self.tcp {
            options.transport = ClientTransport::Tcp;
        }
        options.timeout = timeout;
        Ok(Target::Remote(options))
    }
}

fn parse_port(value: &str, which: &'static str, zero_ok: bool) -> Result<u16, CliError> {
    match value.parse::<u16>() {
        Ok(0) if !zero_ok => Err(CliError::BadPort {
            which,
            value: value.into(),
        }),
        Ok(p) => Ok(p),
        Err(_) => Err(CliError::BadPort {
            which,
            value: value.into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("viewer").chain(args.iter().copied()))
    }

    #[test]
    fn demo_by_default() {
        let cli = parse(&[]).unwrap();
        assert_eq!(cli.resolve(), Ok(Target::Demo));
        assert_eq!(cli.runtime, "mio");
        assert!(!cli.headless);
        assert_eq!(cli.timeout(), Ok(Duration::from_secs(10)));
    }

    #[test]
    fn lab_style_positional_arguments() {
        let cli = parse(&["127.0.0.1", "8554", "25000", "movie.Mjpeg", "--lab"]).unwrap();
        let Target::Remote(o) = cli.resolve().unwrap() else {
            panic!()
        };
        assert_eq!(
            o,
            ClientOptions::lab("127.0.0.1", 8554, 25000, "movie.Mjpeg")
        );
        // Without --lab: same target, standard RTSP.
        let cli = parse(&["h", "554", "0", "a/b.Mjpeg"]).unwrap();
        let Target::Remote(o) = cli.resolve().unwrap() else {
            panic!()
        };
        assert_eq!(o.dialect, Dialect::Standard);
        assert_eq!(o.transport, ClientTransport::Udp { rtp_port: 0 });
        assert_eq!(o.path, "a/b.Mjpeg");
    }

    #[test]
    fn urls_and_flags() {
        let cli = parse(&["--tcp", "--timeout", "2.5", "rtsp://[::1]:8554/x.Mjpeg"]).unwrap();
        let Target::Remote(o) = cli.resolve().unwrap() else {
            panic!()
        };
        assert_eq!(
            (o.host.as_str(), o.port, o.path.as_str()),
            ("::1", 8554, "x.Mjpeg")
        );
        assert_eq!(o.transport, ClientTransport::Tcp);
        assert_eq!(o.timeout, Duration::from_millis(2500));
        let cli = parse(&[
            "--headless",
            "--frames",
            "7",
            "--snapshot",
            "s.png",
            "--record",
            "r.Mjpeg",
            "--runtime",
            "smol",
        ])
        .unwrap();
        assert_eq!(cli.frames(), Ok(7));
        assert_eq!(cli.snapshot, Some(PathBuf::from("s.png")));
        assert_eq!(cli.record, Some(PathBuf::from("r.Mjpeg")));
        assert_eq!(cli.runtime, "smol");
        assert_eq!(parse(&["--headless"]).unwrap().frames(), Ok(100));
    }

    #[test]
    fn nonsense_is_refused_with_a_reason() {
        assert!(
            parse(&["--frames", "3"]).is_err(),
            "--frames needs --headless"
        );
        assert!(parse(&["--snapshot", "x.png"]).is_err());
        let bad = |args: &[&str]| parse(args).unwrap().resolve().unwrap_err();
        assert_eq!(bad(&["a", "b"]), CliError::ArgumentCount(2));
        assert_eq!(bad(&["a", "b", "c", "d", "e"]), CliError::ArgumentCount(5));
        assert!(matches!(bad(&["http://x/y"]), CliError::BadUrl(_)));
        assert!(matches!(
            bad(&["h", "http", "1", "f"]),
            CliError::BadPort { which: "PORT", .. }
        ));
        assert!(matches!(
            bad(&["h", "0", "1", "f"]),
            CliError::BadPort { which: "PORT", .. }
        ));
        assert!(matches!(
            bad(&["h", "1", "70000", "f"]),
            CliError::BadPort {
                which: "RTP_PORT",
                ..
            }
        ));
        assert_eq!(bad(&["--lab"]), CliError::LabNeedsServer);
        assert_eq!(
            bad(&["--lab", "--tcp", "h", "1", "2", "f"]),
            CliError::LabOverTcp
        );
        assert!(matches!(bad(&["--timeout", "0"]), CliError::BadTimeout(_)));
        assert!(matches!(
            bad(&["--timeout", "NaN"]),
            CliError::BadTimeout(_)
        ));
        assert_eq!(bad(&["--headless", "--frames", "0"]), CliError::ZeroFrames);
        // Every error says something useful.
        for e in [CliError::LabNeedsServer, CliError::ArgumentCount(2)] {
            assert!(e.to_string().len() > 20);
        }
    }
}
