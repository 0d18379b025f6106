//! A simulated network for the sans-IO server and clients: in-memory links,
//! a virtual clock that jumps to the next deadline, seeded loss and
//! reordering, and byte streams re-chunked at random split points.
//! Minutes of playback run in milliseconds, deterministically.

#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use stream_core::client::{
    Client, ClientConfig, ClientEvent, ClientSocket, ClientTransmit, ClientTransport,
};
use stream_core::clip::{Clip, ClipConfig};
use stream_core::server::{
    ConnectionId, MediaError, Server, ServerConfig, ServerEvent, ServerSocket,
};
use stream_core::session::Dialect;
use stream_core::{Duration, Instant};

pub const SERVER_IP: [u8; 4] = [10, 0, 0, 1];
pub const CLIENT_IP: [u8; 4] = [10, 0, 0, 2];
pub const RTSP_PORT: u16 = 554;
pub const SERVER_RTP: u16 = 6970;

pub fn media(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/media")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn clip(name: &str, normalize: bool) -> Arc<Clip> {
    Arc::new(
        Clip::build(
            name,
            media(name),
            &ClipConfig {
                mtu: 1400,
                normalize,
            },
        )
        .unwrap(),
    )
}

/// A tiny deterministic generator (xorshift64*) for loss and chunking.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Link behaviour.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    /// One-way delay.
    pub delay: Duration,
    /// Extra random delay up to this (reorders datagrams).
    pub jitter: Duration,
    /// Percent of datagrams lost.
    pub loss_percent: u64,
    /// Percent of datagrams duplicated.
    pub duplicate_percent: u64,
    /// Largest chunk a byte stream is cut into (1 = byte by byte).
    pub max_chunk: usize,
}

impl Default for Link {
    fn default() -> Self {
        Link {
            delay: Duration::from_millis(1),
            jitter: Duration::ZERO,
            loss_percent: 0,
            duplicate_percent: 0,
            max_chunk: usize::MAX,
        }
    }
}

#[derive(Debug)]
enum Delivery {
    ToServerStream(ConnectionId, Vec<u8>),
    ToServerDatagram(ServerSocket, SocketAddr, Vec<u8>),
    ToClientStream(usize, Vec<u8>),
    ToClientDatagram(usize, ClientSocket, SocketAddr, Vec<u8>),
    ServerDisconnect(ConnectionId),
}

pub struct SimClient {
    pub client: Client,
    pub conn: ConnectionId,
    pub rtp_port: u16,
    pub events: Vec<(Instant, ClientEvent)>,
    /// When false the client is gone: nothing it would send is sent, nothing
    /// for it is delivered.
    pub alive: bool,
    pub addr: SocketAddr,
}

pub struct World {
    pub now: Instant,
    pub server: Server,
    pub clients: Vec<SimClient>,
    pub clips: HashMap<String, Arc<Clip>>,
    pub server_events: Vec<(Instant, ServerEvent)>,
    pub link: Link,
    pub rng: Rng,
    queue: BTreeMap<(Instant, u64), Delivery>,
    seq: u64,
    /// Datagrams the server sent to addresses no live client owns.
    pub stray_datagrams: Vec<(Instant, SocketAddr)>,
    /// Every datagram the server sent, with its time.
    pub sent_datagrams: Vec<(Instant, SocketAddr, usize)>,
}

pub fn server_config() -> ServerConfig {
    ServerConfig {
        rtp_port: SERVER_RTP,
        rtcp_port: SERVER_RTP + 1,
        ..ServerConfig::default()
    }
}

impl World {
    pub fn new(config: ServerConfig, link: Link, seed: u64) -> World {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        World {
            now: Instant::from_secs(1000),
            server: Server::new(config, key),
            clients: Vec::new(),
            clips: HashMap::new(),
            server_events: Vec::new(),
            link,
            rng: Rng::new(seed),
            queue: BTreeMap::new(),
            seq: 0,
            stray_datagrams: Vec::new(),
            sent_datagrams: Vec::new(),
        }
    }

    pub fn add_clip(&mut self, path: &str, clip: Arc<Clip>) {
        self.clips.insert(path.to_string(), clip);
    }

    /// Connects a client for `path` (a URL for standard, a file name for lab).
    pub fn connect(&mut self, path: &str, dialect: Dialect, tcp: bool) -> usize {
        let i = self.clients.len();
        let rtp_port = 5000 + 2 * i as u16;
        let addr = SocketAddr::from((CLIENT_IP, 40000 + i as u16));
        let server = SocketAddr::from((SERVER_IP, RTSP_PORT));
        let url = match dialect {
            Dialect::Standard => format!("rtsp://10.0.0.1:{RTSP_PORT}/{path}"),
            Dialect::Lab => path.to_string(),
        };
        let transport = if tcp {
            ClientTransport::Tcp
        } else {
            ClientTransport::Udp { rtp_port }
        };
        let config = ClientConfig::new(&url, dialect, transport, server);
        let client = Client::new(config, self.now, 0x1234_0000 + i as u32);
        let conn = self
            .server
            .handle_connect(self.now, server, addr)
            .expect("connect");
        self.clients.push(SimClient {
            client,
            conn,
            rtp_port,
            events: Vec::new(),
            alive: true,
            addr,
        });
        i
    }

    fn schedule(&mut self, extra: Duration, d: Delivery) {
        let mut at = self.now + self.link.delay + extra;
        if !self.link.jitter.is_zero() {
            at += Duration::from_micros(self.rng.below(self.link.jitter.as_micros() as u64 + 1));
        }
        self.seq += 1;
        self.queue.insert((at, self.seq), d);
    }

    /// Splits a byte stream into chunks as the link dictates, in order.
    fn schedule_stream(&mut self, bytes: Vec<u8>, make: impl Fn(Vec<u8>) -> Delivery) {
        let max = self.link.max_chunk;
        if max == usize::MAX {
            // In order, so no jitter for streams.
            let at = self.now + self.link.delay;
            self.seq += 1;
            self.queue.insert((at, self.seq), make(bytes));
            return;
        }
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let n = 1 + self.rng.below(max as u64) as usize;
            let n = n.min(rest.len());
            let at = self.now + self.link.delay;
            self.seq += 1;
            self.queue.insert((at, self.seq), make(rest[..n].to_vec()));
            rest = &rest[n..];
        }
    }

    fn client_by_port(&self, port: u16) -> Option<(usize, ClientSocket)> {
        self.clients
            .iter()
            .position(|c| c.rtp_port == port)
            .map(|i| (i, ClientSocket::Rtp))
            .or_else(|| {
                self.clients
                    .iter()
                    .position(|c| c.rtp_port + 1 == port)
                    .map(|i| (i, ClientSocket::Rtcp))
            })
    }

    /// Drains every output of every endpoint into the link.
    pub fn drain(&mut self) {
        let mut buf = Vec::new();
        loop {
            let mut progress = false;
            while let Some(d) = self.server.poll_transmit(&mut buf) {
                progress = true;
                self.sent_datagrams
                    .push((self.now, d.destination, buf.len()));
                let target = self
                    .client_by_port(d.destination.port())
                    .filter(|(i, _)| self.clients[*i].alive);
                match target {
                    Some((i, sock)) => {
                        let copies = if self.rng.chance(self.link.duplicate_percent) {
                            2
                        } else {
                            1
                        };
                        for _ in 0..copies {
                            if !self.rng.chance(self.link.loss_percent) {
                                let from = SocketAddr::from((
                                    SERVER_IP,
                                    if d.socket == ServerSocket::Rtp {
                                        SERVER_RTP
                                    } else {
                                        SERVER_RTP + 1
                                    },
                                ));
                                self.schedule(
                                    Duration::ZERO,
                                    Delivery::ToClientDatagram(i, sock, from, buf.clone()),
                                );
                            }
                        }
                    }
                    None => self.stray_datagrams.push((self.now, d.destination)),
                }
            }
            while let Some(conn) = self.server.poll_stream() {
                progress = true;
                // Output for raw test connections stays for `take_stream`;
                // a dead client never reads its socket.
                if let Some(i) = self.clients.iter().position(|c| c.conn == conn && c.alive) {
                    let bytes = self.server.stream_outgoing(conn).to_vec();
                    self.server.handle_stream_written(conn, bytes.len());
                    self.schedule_stream(bytes, move |b| Delivery::ToClientStream(i, b));
                }
            }
            while let Some(ev) = self.server.poll_event() {
                progress = true;
                match &ev {
                    ServerEvent::MediaRequest { request, path } => {
                        let answer = self.clips.get(path).cloned().ok_or(MediaError::NotFound);
                        let (request, now) = (*request, self.now);
                        self.server_events.push((now, ev));
                        self.server.handle_media(now, request, answer);
                        continue;
                    }
                    ServerEvent::CloseConnection(conn) => {
                        let conn = *conn;
                        if let Some(i) = self.clients.iter().position(|c| c.conn == conn && c.alive)
                        {
                            let bytes = self.server.stream_outgoing(conn).to_vec();
                            self.server.handle_stream_written(conn, bytes.len());
                            self.schedule_stream(bytes, move |b| Delivery::ToClientStream(i, b));
                            self.schedule(Duration::ZERO, Delivery::ServerDisconnect(conn));
                        }
                    }
                    ServerEvent::DropConnection { conn, .. } => {
                        // The shell closes it at once, whether or not the
                        // peer still reads: what was unwritten is gone.
                        self.schedule(Duration::ZERO, Delivery::ServerDisconnect(*conn));
                    }
                    _ => {}
                }
                self.server_events.push((self.now, ev));
            }
            for i in 0..self.clients.len() {
                while let Some(t) = self.clients[i].client.poll_transmit(&mut buf) {
                    if !self.clients[i].alive {
                        continue;
                    }
                    progress = true;
                    match t {
                        ClientTransmit::Stream => {
                            let conn = self.clients[i].conn;
                            self.schedule_stream(buf.clone(), move |b| {
                                Delivery::ToServerStream(conn, b)
                            });
                        }
                        ClientTransmit::Datagram { destination, .. } => {
                            let socket = if destination.port() == SERVER_RTP {
                                ServerSocket::Rtp
                            } else {
                                ServerSocket::Rtcp
                            };
                            let from = SocketAddr::from((CLIENT_IP, self.clients[i].rtp_port + 1));
                            self.schedule(
                                Duration::ZERO,
                                Delivery::ToServerDatagram(socket, from, buf.clone()),
                            );
                        }
                    }
                }
                while let Some(ev) = self.clients[i].client.poll_event() {
                    progress = true;
                    let now = self.now;
                    self.clients[i].events.push((now, ev));
                }
            }
            if !progress {
                return;
            }
        }
    }

    /// The next instant anything happens.
    fn next_time(&self) -> Option<Instant> {
        let mut t = self.queue.keys().next().map(|k| k.0);
        let mut min = |x: Option<Instant>| {
            if let Some(x) = x {
                t = Some(t.map_or(x, |t: Instant| t.min(x)));
            }
        };
        min(self.server.poll_timeout());
        for c in &self.clients {
            if c.alive {
                min(c.client.poll_timeout());
            }
        }
        t
    }

    /// Runs until `until` (virtual time), or until `stop` says so.
    pub fn run_until(&mut self, until: Instant, mut stop: impl FnMut(&World) -> bool) -> bool {
        loop {
            self.drain();
            if stop(self) {
                return true;
            }
            let Some(next) = self.next_time() else {
                return false;
            };
            if next > until {
                self.now = until;
                return false;
            }
            self.now = self.now.max(next);
            self.step();
        }
    }

    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until, |_| false);
    }

    fn step(&mut self) {
        let now = self.now;
        while let Some(entry) = self.queue.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let d = entry.remove();
            match d {
                Delivery::ToServerStream(conn, b) => self.server.handle_stream_data(now, conn, &b),
                Delivery::ToServerDatagram(s, from, b) => {
                    self.server.handle_datagram(now, s, from, &b)
                }
                Delivery::ToClientStream(i, b) => {
                    if self.clients[i].alive {
                        self.clients[i].client.handle_stream_data(now, &b);
                    }
                }
                Delivery::ToClientDatagram(i, s, from, b) => {
                    if self.clients[i].alive {
                        self.clients[i].client.handle_datagram(now, s, from, &b);
                    }
                }
                Delivery::ServerDisconnect(conn) => {
                    self.server.handle_disconnect(now, conn);
                    if let Some(i) = self.clients.iter().position(|c| c.conn == conn) {
                        self.clients[i].client.handle_disconnect(now);
                    }
                }
            }
        }
        if self.server.poll_timeout().is_some_and(|t| t <= now) {
            self.server.handle_timeout(now);
        }
        for c in &mut self.clients {
            if c.alive && c.client.poll_timeout().is_some_and(|t| t <= now) {
                c.client.handle_timeout(now);
            }
        }
    }

    /// Runs until client `i` reaches `state` (or `limit` passes).
    pub fn run_until_state(
        &mut self,
        i: usize,
        state: stream_core::session::State,
        limit: Duration,
    ) -> bool {
        let until = self.now + limit;
        self.run_until(until, |w| w.clients[i].client.state() == state)
    }

    pub fn frames(&self, i: usize) -> Vec<&stream_core::client::ReceivedFrame> {
        self.clients[i]
            .events
            .iter()
            .filter_map(|(_, e)| match e {
                ClientEvent::Frame(f) => Some(f),
                _ => None,
            })
            .collect()
    }

    pub fn frame_count(&self, i: usize) -> usize {
        self.frames(i).len()
    }

    pub fn client_errors(&self, i: usize) -> Vec<String> {
        self.clients[i]
            .events
            .iter()
            .filter_map(|(_, e)| match e {
                ClientEvent::Error(e) => Some(e.to_string()),
                ClientEvent::RequestFailed {
                    method,
                    status,
                    reason,
                } => Some(format!("{method} {status} {reason}")),
                _ => None,
            })
            .collect()
    }

    /// Sends raw bytes on a fresh connection and returns its id.
    pub fn raw_connection(&mut self, port: u16) -> ConnectionId {
        let addr = SocketAddr::from((CLIENT_IP, port));
        let server = SocketAddr::from((SERVER_IP, RTSP_PORT));
        self.server
            .handle_connect(self.now, server, addr)
            .expect("connect")
    }

    /// Everything the server wrote on `conn` so far (drains it).
    pub fn take_stream(&mut self, conn: ConnectionId) -> Vec<u8> {
        let bytes = self.server.stream_outgoing(conn).to_vec();
        self.server.handle_stream_written(conn, bytes.len());
        bytes
    }
}
