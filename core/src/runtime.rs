//! The small API every runtime crate exposes (std only).
//!
//! `runtime-mio` and `runtime-smol` each implement [`Runtime`] once, so the
//! viewer and the test suite can take either (`&dyn Runtime`) and nothing
//! else changes. A runtime runs its I/O loop on a thread of its own; the
//! handles here talk to that thread through channels.

use std::boxed::Box;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::string::{String, ToString};
use std::sync::mpsc;
use std::time::Duration;

pub use crate::client::{
    ClientError, ClientEvent, ClientTransport, MediaInfo, ReceivedFrame, ReceptionStats,
};
pub use crate::session::{Dialect, State};

/// The wall-clock instant a shell's core objects count from: turns
/// `std::time::Instant` into the core's [`Instant`](crate::time::Instant)
/// and back.
#[derive(Debug, Clone, Copy)]
pub struct Epoch(std::time::Instant);

impl Epoch {
    /// An epoch starting now.
    pub fn new() -> Epoch {
        Epoch(std::time::Instant::now())
    }

    /// The wall-clock instant of the core's `Instant::ZERO`.
    pub fn start(&self) -> std::time::Instant {
        self.0
    }

    /// Now, as the core counts time.
    pub fn now(&self) -> crate::time::Instant {
        let micros = u64::try_from(self.0.elapsed().as_micros()).unwrap_or(u64::MAX);
        crate::time::Instant::from_micros(micros)
    }

    /// The wall-clock instant of the core instant `t` (for a timer that
    /// fires at a deadline from `poll_timeout`: never before it).
    pub fn instant(&self, t: crate::time::Instant) -> std::time::Instant {
        self.0 + Duration::from_micros(t.total_micros())
    }

    /// How long from now until the core instant `t` (zero if past).
    ///
    /// Rounded up to a whole millisecond, so a poll with this timeout never
    /// wakes just before the deadline and spins.
    pub fn until(&self, t: crate::time::Instant) -> Duration {
        let d = t.saturating_duration_since(self.now());
        let ms = d.as_micros().div_ceil(1000);
        Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }
}

impl Default for Epoch {
    fn default() -> Self {
        Epoch::new()
    }
}

/// 32 bytes from the OS CSPRNG, to seed a core object's random numbers.
pub fn random_seed() -> io::Result<[u8; 32]> {
    let mut s = [0u8; 32];
    getrandom::fill(&mut s).map_err(|e| io::Error::other(std::format!("OS random source: {e}")))?;
    Ok(s)
}

/// The NTP timestamp (RFC 3550 Section 4: seconds since 1900 in the high 32
/// bits, fraction in the low 32) of now, for `ServerConfig::ntp_at_zero`.
pub fn ntp_now() -> u64 {
    const NTP_UNIX_OFFSET: u64 = 2_208_988_800;
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs() + NTP_UNIX_OFFSET;
    let frac = (u64::from(d.subsec_nanos()) << 32) / 1_000_000_000;
    (secs << 32) | frac
}

/// How to run a server.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerOptions {
    /// Address of the RTSP listener; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Directory whose files are served; nothing outside it ever is.
    pub media_dir: PathBuf,
    /// Frames per second (the lab's 20).
    pub fps: u32,
    /// Restart a clip at its end instead of ending the stream.
    pub looping: bool,
    /// Largest RTP packet, RTP header included, in bytes.
    pub mtu: usize,
    /// A session with no request (or RTCP) for this long is reaped (a
    /// lab-dialect session only once its connection has closed).
    pub session_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            bind: SocketAddr::from(([0, 0, 0, 0], 8554)),
            media_dir: PathBuf::from("."),
            fps: 20,
            looping: false,
            mtu: 1400,
            session_timeout: Duration::from_secs(60),
        }
    }
}

/// How to run a client.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientOptions {
    /// RTSP server host name or address.
    pub host: String,
    /// RTSP server port.
    pub port: u16,
    /// What to play: a path on the server (`clip.Mjpeg`, `dir/clip.Mjpeg`).
    pub path: String,
    /// UDP (with a local RTP port, 0 for any) or interleaved TCP.
    pub transport: ClientTransport,
    /// Standard RTSP, or the course lab's dialect.
    pub dialect: Dialect,
    /// How long to wait for the TCP connection and for each reply.
    pub timeout: Duration,
}

impl ClientOptions {
    /// Options for `rtsp://host[:port]/path` (default port 554), UDP on any port.
    pub fn from_url(url: &str) -> io::Result<ClientOptions> {
        let bad = || {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                std::format!("not an rtsp:// URL: {url}"),
            )
        };
        let rest = url.strip_prefix("rtsp://").ok_or_else(bad)?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, tail) = v6.split_once(']').ok_or_else(bad)?;
            let port = match tail.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| bad())?,
                None if tail.is_empty() => 554,
                None => return Err(bad()),
            };
            (h.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p.parse().map_err(|_| bad())?),
                None => (authority.to_string(), 554),
            }
        };
        if host.is_empty() {
            return Err(bad());
        }
        Ok(ClientOptions {
            host,
            port,
            path: path.to_string(),
            transport: ClientTransport::Udp { rtp_port: 0 },
            dialect: Dialect::Standard,
            timeout: Duration::from_secs(10),
        })
    }

    /// Options as the lab's `ClientLauncher.py host port rtp_port file` takes them.
    pub fn lab(host: &str, port: u16, rtp_port: u16, file: &str) -> ClientOptions {
        ClientOptions {
            host: host.to_string(),
            port,
            path: file.to_string(),
            transport: ClientTransport::Udp { rtp_port },
            dialect: Dialect::Lab,
            timeout: Duration::from_secs(10),
        }
    }

    /// The core client's configuration for this stream, once the shell has
    /// resolved the server and bound its UDP ports (`rtp_port` is the RTP
    /// port actually bound; ignored for TCP).
    pub fn client_config(&self, server: SocketAddr, rtp_port: u16) -> crate::client::ClientConfig {
        let url = match self.dialect {
            Dialect::Lab => self.path.clone(),
            Dialect::Standard => match server.ip() {
                std::net::IpAddr::V6(_) if self.host.contains(':') => {
                    std::format!("rtsp://[{}]:{}/{}", self.host, self.port, self.path)
                }
                _ => std::format!("rtsp://{}:{}/{}", self.host, self.port, self.path),
            },
        };
        let transport = match self.transport {
            ClientTransport::Udp { .. } => ClientTransport::Udp { rtp_port },
            ClientTransport::Tcp => ClientTransport::Tcp,
        };
        let mut config = crate::client::ClientConfig::new(&url, self.dialect, transport, server);
        config.reply_timeout = self.timeout;
        config
    }

    /// The server's socket address (resolves `host`).
    pub fn server_addr(&self) -> io::Result<SocketAddr> {
        (self.host.as_str(), self.port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    std::format!("{} does not resolve", self.host),
                )
            })
    }
}

/// A command for a running client.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClientCommand {
    /// DESCRIBE (standard dialect) then SETUP.
    Setup,
    /// PLAY from where the stream is.
    Play,
    /// PLAY from this offset (`Range: npt=<offset>-`).
    Seek(Duration),
    /// PAUSE.
    Pause,
    /// TEARDOWN.
    Teardown,
}

/// A runtime's server loop, bound and ready to run on the calling thread:
/// `runtime_mio::ServerLoop` and `runtime_smol::ServerLoop`. The binaries
/// run one on their main thread (`cli::server_main`, feature `cli`); a
/// [`Runtime`] runs one on a thread of its own ([`ServerHandle::spawn`]).
pub trait RunLoop: Sized + Send + 'static {
    /// Binds the RTSP listener and the RTP/RTCP pair.
    fn bind(options: &ServerOptions) -> io::Result<Self>;
    /// The RTSP listener's address (with the port actually bound).
    fn local_addr(&self) -> SocketAddr;
    /// A function that asks the running loop to shut down, from any thread
    /// or a signal handler (it only sets a flag and wakes the loop).
    fn stopper(&self) -> Box<dyn Fn() + Send + Sync>;
    /// Runs until stopped; then ends every session with RTCP BYE and returns.
    fn run(self) -> io::Result<()>;
}

/// A running server. Dropping it shuts it down.
pub struct ServerHandle {
    local_addr: SocketAddr,
    stop: Option<Box<dyn FnOnce() -> io::Result<()> + Send>>,
}

impl ServerHandle {
    /// For runtimes: a handle whose `shutdown` runs `stop` (which must end
    /// every session with RTCP BYE, stop the loop and join its thread).
    pub fn new(local_addr: SocketAddr, stop: Box<dyn FnOnce() -> io::Result<()> + Send>) -> Self {
        ServerHandle {
            local_addr,
            stop: Some(stop),
        }
    }

    /// Binds a `L` server loop for `options` and runs it on a new thread
    /// named `thread_name`; [`shutdown`](Self::shutdown) stops it and joins
    /// the thread.
    pub fn spawn<L: RunLoop>(options: &ServerOptions, thread_name: &str) -> io::Result<Self> {
        let server = L::bind(options)?;
        let addr = server.local_addr();
        let stop = server.stopper();
        let thread = std::thread::Builder::new()
            .name(thread_name.to_string())
            .spawn(move || server.run())?;
        Ok(ServerHandle::new(
            addr,
            Box::new(move || {
                stop();
                thread
                    .join()
                    .map_err(|_| io::Error::other("server thread panicked"))?
            }),
        ))
    }

    /// The RTSP listener's address (with the port actually bound).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Ends every session and stops the server.
    pub fn shutdown(mut self) -> io::Result<()> {
        self.stop.take().map_or(Ok(()), |stop| stop())
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop();
        }
    }
}

/// A running client. Dropping it closes the connection (without TEARDOWN:
/// send [`ClientCommand::Teardown`] first and wait for the state change).
pub struct ClientHandle {
    commands: Box<dyn Fn(ClientCommand) -> io::Result<()> + Send>,
    events: mpsc::Receiver<ClientEvent>,
    epoch: std::time::Instant,
    close: Option<Box<dyn FnOnce() + Send>>,
}

impl ClientHandle {
    /// For runtimes: `commands` forwards a command to the I/O thread,
    /// `events` delivers what the core emits, `epoch` is the wall-clock
    /// instant the core's `Instant::ZERO` stands for, and `close` stops the
    /// I/O thread and joins it.
    pub fn new(
        commands: Box<dyn Fn(ClientCommand) -> io::Result<()> + Send>,
        events: mpsc::Receiver<ClientEvent>,
        epoch: std::time::Instant,
        close: Box<dyn FnOnce() + Send>,
    ) -> Self {
        ClientHandle {
            commands,
            events,
            epoch,
            close: Some(close),
        }
    }

    /// Sends a command; fails only if the client has stopped.
    pub fn send(&self, command: ClientCommand) -> io::Result<()> {
        (self.commands)(command)
    }

    /// The event stream. It disconnects after [`ClientEvent::Closed`].
    pub fn events(&self) -> &mpsc::Receiver<ClientEvent> {
        &self.events
    }

    /// The next event, waiting at most `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<ClientEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Converts a core instant from this client's events to wall-clock time.
    pub fn to_std_instant(&self, t: crate::time::Instant) -> std::time::Instant {
        self.epoch + Duration::from_micros(t.total_micros())
    }

    /// Stops the client now.
    pub fn close(mut self) {
        if let Some(close) = self.close.take() {
            close();
        }
    }
}

impl Drop for ClientHandle {
    fn drop(&mut self) {
        if let Some(close) = self.close.take() {
            close();
        }
    }
}

/// One I/O runtime: a way to run servers and clients around the core.
pub trait Runtime: Sync {
    /// Short name, as `--runtime` takes it (`mio`, `smol`).
    fn name(&self) -> &'static str;
    /// Binds the listener and the server's UDP port pair and starts serving.
    fn start_server(&self, options: ServerOptions) -> io::Result<ServerHandle>;
    /// Connects to a server (fails if the TCP connection cannot be made
    /// within `options.timeout`). Nothing is requested until a command.
    fn connect(&self, options: ClientOptions) -> io::Result<ClientHandle>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let o = ClientOptions::from_url("rtsp://127.0.0.1:8554/dir/a.Mjpeg").unwrap();
        assert_eq!(
            (o.host.as_str(), o.port, o.path.as_str()),
            ("127.0.0.1", 8554, "dir/a.Mjpeg")
        );
        let o = ClientOptions::from_url("rtsp://[::1]/x").unwrap();
        assert_eq!(
            (o.host.as_str(), o.port, o.path.as_str()),
            ("::1", 554, "x")
        );
        assert!(ClientOptions::from_url("http://x/y").is_err());
        assert!(ClientOptions::from_url("rtsp://:5/y").is_err());
        assert!(ClientOptions::from_url("rtsp://h:notaport/y").is_err());
    }
}
