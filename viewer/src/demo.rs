//! The demo: `viewer` with no arguments serves the bundled sample clip from
//! an in-process server on loopback and plays it.
//!
//! The clip is compiled into the binary (so an installed viewer needs no
//! files beside it) and written to a fresh private directory, which the
//! server serves and which is removed when the demo ends. The server binds
//! 127.0.0.1 on a free port and loops the clip.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use stream_core::client::ClientTransport;
use stream_core::runtime::{ClientOptions, Dialect, Runtime, ServerHandle, ServerOptions};

/// The sample clip (see `src/bin/make-sample.rs`).
pub const SAMPLE: &[u8] = include_bytes!("../assets/sample.Mjpeg");

/// The name the server serves it under.
pub const SAMPLE_NAME: &str = "sample.Mjpeg";

/// A running demo server; dropping it stops the server and removes its files.
pub struct Demo {
    server: Option<ServerHandle>,
    dir: PathBuf,
    addr: SocketAddr,
}

impl Demo {
    /// Writes the sample to a new temporary directory and starts a server
    /// for it with `runtime`.
    pub fn start(runtime: &dyn Runtime) -> io::Result<Demo> {
        let dir = private_dir()?;
        let result = (|| {
            std::fs::write(dir.join(SAMPLE_NAME), SAMPLE)?;
            runtime.start_server(ServerOptions {
                bind: SocketAddr::from(([127, 0, 0, 1], 0)),
                media_dir: dir.clone(),
                looping: true,
                ..ServerOptions::default()
            })
        })();
        match result {
            Ok(server) => {
                let addr = server.local_addr();
                tracing::info!(
                    "demo server on rtsp://{addr}/{SAMPLE_NAME} (runtime {})",
                    runtime.name()
                );
                Ok(Demo {
                    server: Some(server),
                    dir,
                    addr,
                })
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                Err(e)
            }
        }
    }

    /// The stream's URL.
    pub fn url(&self) -> String {
        format!("rtsp://{}/{SAMPLE_NAME}", self.addr)
    }

    /// Options for a client of this server.
    pub fn client_options(&self, timeout: Duration) -> ClientOptions {
        ClientOptions {
            host: self.addr.ip().to_string(),
            port: self.addr.port(),
            path: SAMPLE_NAME.to_string(),
            transport: ClientTransport::Udp { rtp_port: 0 },
            dialect: Dialect::Standard,
            timeout,
        }
    }

    /// The directory served.
    pub fn media_dir(&self) -> &Path {
        &self.dir
    }

    /// Stops the server and removes the files.
    pub fn shutdown(mut self) -> io::Result<()> {
        let result = self.server.take().map_or(Ok(()), ServerHandle::shutdown);
        let _ = std::fs::remove_dir_all(&self.dir);
        result
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = server.shutdown();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A new directory only we use (`create_dir` fails if the name exists).
fn private_dir() -> io::Result<PathBuf> {
    let base = std::env::temp_dir();
    let pid = std::process::id();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut last_error = None;
    for attempt in 0..16u32 {
        let dir = base.join(format!("mjpeg-viewer-demo-{pid}-{nanos:x}-{attempt}"));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_error = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::other("cannot create a demo directory")))
}
