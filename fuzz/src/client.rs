//! Target `client`: the RTSP client (`stream_core::client::Client`) driven
//! by a sequence of operations, against a server played by the harness.
//!
//! Input: a few configuration bytes (dialect, UDP or interleaved TCP, frame
//! cap), then operations: commands (setup, play from a time, pause,
//! teardown), replies to the request in flight built from templates (any
//! status, matching CSeq or not, with or without Session, Transport, Range,
//! RTP-Info, SDP bodies from real servers), raw bytes on the connection,
//! RTP packets of a real frame (reordered, lost, duplicated, from another
//! SSRC), raw datagrams, RTCP sender reports and BYEs, datagrams from a
//! stranger, time passing, a lost connection.
//!
//! After every operation the harness does what a shell does: sends what
//! `poll_transmit` gives, takes the events, and calls `handle_timeout`
//! while `poll_timeout` says a deadline has passed.
//!
//! Oracles:
//! - no panic, and no busy loop: after `handle_timeout(now)` the next
//!   deadline is eventually after `now`;
//! - everything written on the connection is a well-formed request in the
//!   configured dialect (the lab's: bare `\n`, no terminator, `CSeq` on line
//!   2, `Transport: RTP/UDP; client_port= N` or `Session` on line 3) or an
//!   interleaved RTCP frame, with CSeq going up by one;
//! - one request at a time: no request is written while another is
//!   unanswered and its reply timeout has not passed;
//! - the state changes only on a success reply to the request in flight,
//!   or to INIT when the connection is lost, and `StateChanged` events
//!   chain (each `from` is the previous `to`, and the last is `state()`);
//! - frames stay within the frame cap (and whole lab frames within one
//!   datagram); nothing follows `Closed`;
//! - datagrams go only to the server's address;
//! - the live heap stays within what the caps allow (the input buffer, two
//!   frames in flight, cached tables), whatever the server sends.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::OnceLock;

use stream_core::client::{
    Client, ClientConfig, ClientEvent, ClientSocket, ClientTransmit, ClientTransport,
};
use stream_core::jpeg::Jpeg;
use stream_core::jpeg::rfc2435::{PacketizeConfig, packetize};
use stream_core::rtp::{Bye, RtpHeader, SenderReport};
use stream_core::rtsp::{self, Message, Method, ParseOptions, Status};
use stream_core::sdp::{SdpParams, write_sdp};
use stream_core::session::{Dialect, State};
use stream_core::{Duration, Instant, mjpeg};

use crate::heap;
use crate::util::Cursor;

const SERVER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 554);
const STRANGER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 9)), 6970);
const SERVER_RTP: u16 = 6970;
const SERVER_SSRC: u32 = 0x1234_5678;
const SPIN_LIMIT: usize = 20_000;

/// A JPEG frame and its RTP/JPEG payloads.
type Frame = (Vec<u8>, Vec<Vec<u8>>);

/// Two real frames, each with its RTP/JPEG payloads.
fn frames() -> &'static [Frame] {
    static FRAMES: OnceLock<Vec<Frame>> = OnceLock::new();
    FRAMES.get_or_init(|| {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/media/restart-640x480-420.Mjpeg");
        let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let idx = mjpeg::index(&data);
        (0..2)
            .map(|i| {
                let jpeg = idx.frame(&data, i).unwrap().to_vec();
                let parsed = Jpeg::parse(&jpeg).unwrap();
                let cfg = PacketizeConfig {
                    mtu: 4000,
                    ..PacketizeConfig::default()
                };
                let packets = packetize(&parsed, &cfg)
                    .unwrap()
                    .iter()
                    .map(<[u8]>::to_vec)
                    .collect();
                (jpeg, packets)
            })
            .collect()
    })
}

#[derive(Debug, Clone, Copy, Default)]
struct Setup {
    lab: bool,
    tcp: bool,
    small_cap: bool,
}

#[derive(Debug, Clone)]
enum Op {
    Command {
        which: u8,
        from_ms: u16,
    },
    Reply {
        status: u8,
        variant: u8,
        chunks: Vec<u8>,
    },
    Raw {
        bytes: Vec<u8>,
    },
    Rtp {
        frame: u8,
        order: u8,
        loss: u8,
        seq_step: u8,
        other_ssrc: bool,
    },
    RtpRaw {
        bytes: Vec<u8>,
    },
    Rtcp {
        bye: bool,
        raw: Vec<u8>,
    },
    Stranger {
        bytes: Vec<u8>,
    },
    Advance {
        millis: u16,
    },
    Wait,
    Disconnect,
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    let b = &b[..b.len().min(255)];
    out.push(b.len() as u8);
    out.extend_from_slice(b);
}

impl Op {
    fn decode(c: &mut Cursor<'_>) -> Option<Op> {
        Some(match c.u8()? % 10 {
            0 => Op::Command {
                which: c.u8()?,
                from_ms: c.u16()?,
            },
            1 => Op::Reply {
                status: c.u8()?,
                variant: c.u8()?,
                chunks: c.bytes()?.to_vec(),
            },
            2 => Op::Raw {
                bytes: c.bytes()?.to_vec(),
            },
            3 => Op::Rtp {
                frame: c.u8()?,
                order: c.u8()?,
                loss: c.u8()?,
                seq_step: c.u8()?,
                other_ssrc: c.u8()? & 1 != 0,
            },
            4 => Op::RtpRaw {
                bytes: c.bytes()?.to_vec(),
            },
            5 => Op::Rtcp {
                bye: c.u8()? & 1 != 0,
                raw: c.bytes()?.to_vec(),
            },
            6 => Op::Stranger {
                bytes: c.bytes()?.to_vec(),
            },
            7 => Op::Advance { millis: c.u16()? },
            8 => Op::Wait,
            _ => Op::Disconnect,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Op::Command { which, from_ms } => {
                out.extend_from_slice(&[0, *which]);
                out.extend_from_slice(&from_ms.to_be_bytes());
            }
            Op::Reply {
                status,
                variant,
                chunks,
            } => {
                out.extend_from_slice(&[1, *status, *variant]);
                put_bytes(out, chunks);
            }
            Op::Raw { bytes } => {
                out.push(2);
                put_bytes(out, bytes);
            }
            Op::Rtp {
                frame,
                order,
                loss,
                seq_step,
                other_ssrc,
            } => {
                out.extend_from_slice(&[3, *frame, *order, *loss, *seq_step, u8::from(*other_ssrc)])
            }
            Op::RtpRaw { bytes } => {
                out.push(4);
                put_bytes(out, bytes);
            }
            Op::Rtcp { bye, raw } => {
                out.extend_from_slice(&[5, u8::from(*bye)]);
                put_bytes(out, raw);
            }
            Op::Stranger { bytes } => {
                out.push(6);
                put_bytes(out, bytes);
            }
            Op::Advance { millis } => {
                out.push(7);
                out.extend_from_slice(&millis.to_be_bytes());
            }
            Op::Wait => out.push(8),
            Op::Disconnect => out.push(9),
        }
    }
}

/// The client's RTSP input as the client reads it (same parser, same
/// framing, same 256 KiB cap, the lab's pause), to know which of its
/// requests have been answered.
#[derive(Debug, Default)]
struct InputMirror {
    buf: Vec<u8>,
    last_input: Instant,
    tail_read: bool,
}

impl InputMirror {
    /// Bytes the server sent; the replies completed, as (CSeq, status).
    fn push(&mut self, now: Instant, data: &[u8]) -> Vec<(Option<u32>, u16)> {
        if data.is_empty() {
            return Vec::new();
        }
        if self.buf.len() + data.len() > 256 * 1024 {
            self.buf.clear();
            return Vec::new();
        }
        self.buf.extend_from_slice(data);
        self.last_input = now;
        self.tail_read = false;
        self.read(false)
    }

    /// The pause that completes a lab reply.
    fn tail(&mut self, now: Instant, delay: Duration) -> Vec<(Option<u32>, u16)> {
        if self.buf.is_empty() || self.tail_read || self.last_input + delay > now {
            return Vec::new();
        }
        self.tail_read = true;
        self.read(true)
    }

    fn read(&mut self, end_of_input: bool) -> Vec<(Option<u32>, u16)> {
        let opts = ParseOptions {
            end_of_input,
            ..ParseOptions::default()
        };
        let mut replies = Vec::new();
        while !self.buf.is_empty() {
            let n = match rtsp::parse(&self.buf, &opts) {
                Ok(Status::Partial) => break,
                Ok(Status::Complete((m, n))) => {
                    if let Message::Response(r) = m {
                        replies.push((r.headers.cseq().ok().flatten(), r.status.0));
                    }
                    n
                }
                Err(e) => e.resync.unwrap_or(self.buf.len()),
            };
            self.buf.drain(..n.min(self.buf.len()));
        }
        replies
    }
}

/// A request the client wrote, as the harness (the server) read it.
#[derive(Debug, Clone)]
struct Sent {
    method: Option<Method>,
    cseq: u32,
    at: Instant,
    answered: bool,
}

struct Harness {
    client: Client,
    config: ClientConfig,
    now: Instant,
    /// The client's stream output not yet read as whole messages.
    pending: Vec<u8>,
    /// The client's input, read as the client reads it.
    input: InputMirror,
    sent: Vec<Sent>,
    state: State,
    /// The state may change during the current operation (a success reply
    /// to the request in flight was delivered, or the connection was lost).
    may_change: bool,
    closed: bool,
    seq: u16,
    rtp_timestamp: u32,
    buf: Vec<u8>,
    heap_base: usize,
    heap_bound: usize,
}

impl Harness {
    fn new(s: Setup) -> Harness {
        let dialect = if s.lab {
            Dialect::Lab
        } else {
            Dialect::Standard
        };
        let url = if s.lab {
            "movie.Mjpeg"
        } else {
            "rtsp://10.0.0.1:554/clip.mjpeg"
        };
        let transport = if s.tcp && !s.lab {
            ClientTransport::Tcp
        } else {
            ClientTransport::Udp { rtp_port: 5008 }
        };
        let mut config = ClientConfig::new(url, dialect, transport, SERVER);
        config.reply_timeout = Duration::from_secs(2);
        config.rtcp_interval = Duration::from_secs(1);
        if s.small_cap {
            config.max_frame_len = 8 * 1024;
        } else {
            config.max_frame_len = 256 * 1024;
        }
        // Unparsed input (256 KiB, twice with growth), two frames in flight
        // (each at most the cap, twice with growth, plus a copy when tables
        // come last), 127 cached table pairs, RTP held while a PLAY is in
        // flight (2 MiB in at most 1024 packets, the queue twice with
        // growth), queues drained every step.
        let held = (2 << 20) + 2 * 1024 * std::mem::size_of::<(Instant, Vec<u8>)>();
        let heap_bound =
            2 * 256 * 1024 + 5 * config.max_frame_len + 127 * 512 + held + (512 << 10);
        let heap_base = heap::live_bytes();
        Harness {
            client: Client::new(config.clone(), Instant::ZERO, 0xC0FFEE),
            config,
            now: Instant::ZERO,
            pending: Vec::new(),
            input: InputMirror::default(),
            sent: Vec::new(),
            state: State::Init,
            may_change: false,
            closed: false,
            seq: 1000,
            rtp_timestamp: 90_000,
            buf: Vec::new(),
            heap_base,
            heap_bound,
        }
    }

    fn lab(&self) -> bool {
        self.config.dialect == Dialect::Lab
    }

    /// The request awaiting a reply, if its timeout has not passed.
    fn in_flight(&self) -> Option<&Sent> {
        self.sent
            .last()
            .filter(|s| !s.answered && s.at + self.config.reply_timeout > self.now)
    }

    fn op(&mut self, op: Op) {
        self.may_change = false;
        match op {
            Op::Command { which, from_ms } => {
                let now = self.now;
                let r = match which % 5 {
                    0 => self.client.setup(now),
                    1 => self.client.play(now, None),
                    2 => self
                        .client
                        .play(now, Some(Duration::from_millis(u64::from(from_ms)))),
                    3 => self.client.pause(now),
                    _ => self.client.teardown(now),
                };
                if self.closed {
                    assert!(r.is_err(), "a command after the connection closed");
                }
                self.service();
            }
            Op::Reply {
                status,
                variant,
                chunks,
            } => {
                let bytes = self.reply(status, variant);
                let mut at = 0;
                let mut i = 0;
                while at < bytes.len() {
                    let n = chunks
                        .get(i)
                        .map_or(bytes.len() - at, |&c| usize::from(c).max(1))
                        .min(bytes.len() - at);
                    i += 1;
                    self.stream(&bytes[at..at + n]);
                    at += n;
                }
            }
            Op::Raw { bytes } => self.stream(&bytes),
            Op::Rtp {
                frame,
                order,
                loss,
                seq_step,
                other_ssrc,
            } => self.rtp(frame, order, loss, seq_step, other_ssrc),
            Op::RtpRaw { bytes } => self.datagram(ClientSocket::Rtp, SERVER_RTP, &bytes),
            Op::Rtcp { bye, raw } => {
                let mut packet = raw;
                if packet.is_empty() {
                    let sr = SenderReport {
                        ssrc: SERVER_SSRC,
                        ntp_timestamp: 0xE000_0000_0000_0000 + u64::from(self.rtp_timestamp),
                        rtp_timestamp: self.rtp_timestamp,
                        packet_count: 10,
                        octet_count: 1000,
                        reports: &[],
                    };
                    let report = stream_core::rtp::Report::Sender(sr);
                    let written = if bye {
                        stream_core::rtp::write_bye_compound(
                            &mut packet,
                            &report,
                            "server",
                            &Bye {
                                ssrcs: &[SERVER_SSRC],
                                reason: Some("end"),
                            },
                        )
                    } else {
                        stream_core::rtp::write_report_compound(&mut packet, &report, "server")
                    };
                    written.expect("small report");
                }
                if matches!(self.config.transport, ClientTransport::Tcp) {
                    let mut frame = Vec::new();
                    if rtsp::write_interleaved(&mut frame, 1, &packet).is_ok() {
                        self.stream(&frame);
                    }
                } else {
                    self.datagram(ClientSocket::Rtcp, SERVER_RTP + 1, &packet);
                }
            }
            Op::Stranger { bytes } => {
                let now = self.now;
                self.client
                    .handle_datagram(now, ClientSocket::Rtp, STRANGER, &bytes);
                self.service();
            }
            Op::Advance { millis } => self.advance(Duration::from_millis(u64::from(millis % 8000))),
            Op::Wait => self.advance(self.config.lab_tail_delay + Duration::from_millis(1)),
            Op::Disconnect => {
                self.may_change = true;
                self.client.handle_disconnect(self.now);
                self.service();
            }
        }
    }

    /// Bytes from the server on the RTSP connection.
    fn stream(&mut self, bytes: &[u8]) {
        let now = self.now;
        if !self.closed {
            let replies = self.input.push(now, bytes);
            self.answered(&replies);
        }
        self.client.handle_stream_data(now, bytes);
        self.service();
    }

    /// Marks the request in flight answered by one of `replies`; a success
    /// reply to it may change the state.
    fn answered(&mut self, replies: &[(Option<u32>, u16)]) {
        let in_flight = self.in_flight().map(|s| s.cseq);
        for &(cseq, status) in replies {
            if cseq.is_some() && cseq == in_flight {
                if let Some(s) = self.sent.last_mut() {
                    s.answered = true;
                }
                if (200..300).contains(&status) {
                    self.may_change = true;
                }
            }
        }
    }

    fn datagram(&mut self, socket: ClientSocket, port: u16, bytes: &[u8]) {
        let now = self.now;
        let from = SocketAddr::new(SERVER.ip(), port);
        self.client.handle_datagram(now, socket, from, bytes);
        self.service();
    }

    /// A reply to the request in flight (or to another CSeq), in the
    /// dialect; delivering it may change the state.
    fn reply(&mut self, status: u8, variant: u8) -> Vec<u8> {
        let Some(last) = self.sent.last().cloned() else {
            return b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n".to_vec();
        };
        let code = match status % 8 {
            0..=3 => 200,
            4 => 454,
            5 => 455,
            6 => 461,
            _ => 500,
        };
        let cseq = if variant % 11 == 10 {
            last.cseq + 7
        } else {
            last.cseq
        };
        let session = match variant % 5 {
            0 => None,
            1 => Some("12345678".to_string()),
            2 => Some("0123456789ABCDEF;timeout=30".to_string()),
            3 => Some("bad id!".to_string()),
            _ => Some("42;timeout=0".to_string()),
        };
        if self.lab() {
            // RTSP/1.0 200 OK\nCSeq: n\nSession: id, nothing after it.
            let id = match variant % 4 {
                0 => "123456",
                1 => "0",
                2 => "abc",
                _ => "654321",
            };
            let reason = if code == 200 { "OK" } else { "Error" };
            return format!("RTSP/1.0 {code} {reason}\nCSeq: {cseq}\nSession: {id}").into_bytes();
        }
        let mut head = format!("RTSP/1.0 {code} Whatever\r\nCSeq: {cseq}\r\n");
        if let Some(s) = &session {
            if last.method != Some(Method::Describe) || variant & 0x20 != 0 {
                head.push_str(&format!("Session: {s}\r\n"));
            }
        }
        let mut body = Vec::new();
        match last.method {
            Some(Method::Describe) => {
                head.push_str("Content-Type: application/sdp\r\n");
                if variant & 0x40 != 0 {
                    head.push_str("Content-Base: rtsp://10.0.0.1:554/clip.mjpeg/\r\n");
                }
                match (variant >> 2) % 4 {
                    0 => write_sdp(
                        &mut body,
                        &SdpParams {
                            session_id: 1,
                            origin_address: SERVER.ip(),
                            session_name: "clip.mjpeg",
                            duration: Some(Duration::from_millis(150)),
                            framerate: 20,
                            control: "trackID=0",
                            width: Some(640),
                            height: Some(480),
                        },
                    ),
                    n => body.extend_from_slice(
                        crate::seeds::SDPS[usize::from(n) % crate::seeds::SDPS.len()].as_bytes(),
                    ),
                }
            }
            Some(Method::Setup) => match (variant >> 2) % 4 {
                0 => head.push_str(&format!(
                    "Transport: RTP/AVP;unicast;client_port=5008-5009;server_port={}-{};ssrc={SERVER_SSRC:08X}\r\n",
                    SERVER_RTP,
                    SERVER_RTP + 1
                )),
                1 => head.push_str("Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"),
                2 => head.push_str("Transport: RTP/AVP/TCP;unicast;interleaved=254-255;ssrc=12345678\r\n"),
                _ => head.push_str("Transport: garbage\r\n"),
            },
            Some(Method::Play) => {
                head.push_str("Range: npt=0.000-\r\n");
                if variant & 0x40 != 0 {
                    head.push_str(&format!(
                        "RTP-Info: url=rtsp://10.0.0.1:554/clip.mjpeg/trackID=0;seq={};rtptime={}\r\n",
                        self.seq, self.rtp_timestamp
                    ));
                }
            }
            _ => {}
        }
        if !body.is_empty() {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        out.extend_from_slice(&body);
        out
    }

    /// One frame's packets, in some order, some lost, to the client.
    fn rtp(&mut self, frame: u8, order: u8, loss: u8, seq_step: u8, other_ssrc: bool) {
        let (jpeg, payloads) = &frames()[usize::from(frame) % frames().len()];
        let ssrc = if other_ssrc { 7 } else { SERVER_SSRC };
        self.rtp_timestamp = self.rtp_timestamp.wrapping_add(4500);
        let mut packets: Vec<Vec<u8>> = Vec::new();
        if self.lab() {
            // The lab server: one whole JPEG per packet, sequence = frame number.
            let mut p = Vec::new();
            RtpHeader {
                marker: false,
                payload_type: 26,
                sequence_number: self.seq,
                timestamp: self.rtp_timestamp,
                ssrc: 0,
            }
            .write(&mut p);
            p.extend_from_slice(jpeg);
            packets.push(p);
            self.seq = self.seq.wrapping_add(1);
        } else {
            for (i, payload) in payloads.iter().enumerate() {
                let mut p = Vec::new();
                RtpHeader {
                    marker: i + 1 == payloads.len(),
                    payload_type: 26,
                    sequence_number: self.seq,
                    timestamp: self.rtp_timestamp,
                    ssrc,
                }
                .write(&mut p);
                p.extend_from_slice(payload);
                packets.push(p);
                self.seq = self.seq.wrapping_add(1);
            }
        }
        self.seq = self.seq.wrapping_add(u16::from(seq_step % 4) * 1000);
        let n = packets.len();
        let mut idx: Vec<usize> = (0..n).collect();
        if order & 1 != 0 {
            idx.reverse();
        }
        if order & 2 != 0 && n > 2 {
            idx.swap(0, n / 2);
        }
        if order & 4 != 0 {
            idx.push(idx[0]);
        }
        for (k, &i) in idx.iter().enumerate() {
            if loss != 0 && k % 8 == usize::from(loss % 8) && loss & 0x80 != 0 {
                continue;
            }
            if matches!(self.config.transport, ClientTransport::Tcp) {
                let mut f = Vec::new();
                if rtsp::write_interleaved(&mut f, 0, &packets[i]).is_ok() {
                    self.stream(&f);
                }
            } else {
                self.datagram(ClientSocket::Rtp, SERVER_RTP, &packets[i]);
            }
        }
    }

    fn advance(&mut self, d: Duration) {
        let target = self.now + d;
        for _ in 0..100_000 {
            match self.client.poll_timeout() {
                Some(t) if t <= target => {
                    self.now = self.now.max(t);
                    self.tail();
                    self.service();
                }
                _ => break,
            }
        }
        self.now = target;
        self.tail();
        self.service();
    }

    /// The lab's pause, as the client will take it at this instant.
    fn tail(&mut self) {
        if self.lab() && !self.closed {
            let replies = self.input.tail(self.now, self.config.lab_tail_delay);
            self.answered(&replies);
        }
    }

    fn service(&mut self) {
        for _ in 0..SPIN_LIMIT {
            self.drain();
            match self.client.poll_timeout() {
                Some(t) if t <= self.now => {
                    assert!(!self.closed, "a closed client asks for timeouts");
                    let now = self.now;
                    self.client.handle_timeout(now);
                }
                _ => {
                    self.check();
                    return;
                }
            }
        }
        panic!(
            "poll_timeout stays at or before now ({:?}) after {SPIN_LIMIT} handle_timeout calls",
            self.now
        );
    }

    fn drain(&mut self) {
        loop {
            let mut progress = false;
            while let Some(t) = self.client.poll_transmit(&mut self.buf) {
                progress = true;
                assert!(!self.closed, "the client sends after Closed");
                match t {
                    ClientTransmit::Stream => {
                        if std::env::var_os("FUZZ_DEBUG").is_some() {
                            eprintln!("  sent {:?}", String::from_utf8_lossy(&self.buf));
                        }
                        let bytes = std::mem::take(&mut self.buf);
                        self.pending.extend_from_slice(&bytes);
                        self.buf = bytes;
                        self.read_requests();
                    }
                    ClientTransmit::Datagram {
                        socket,
                        destination,
                    } => {
                        assert_eq!(destination.ip(), SERVER.ip(), "datagram to a stranger");
                        assert_eq!(socket, ClientSocket::Rtcp, "the client sends no RTP");
                        for r in stream_core::rtp::parse_compound(&self.buf) {
                            r.unwrap_or_else(|e| panic!("client RTCP: {e}"));
                        }
                    }
                }
            }
            while let Some(ev) = self.client.poll_event() {
                progress = true;
                assert!(!self.closed, "an event after Closed: {ev:?}");
                self.event(ev);
            }
            if !progress {
                return;
            }
        }
    }

    fn event(&mut self, ev: ClientEvent) {
        if std::env::var_os("FUZZ_DEBUG").is_some() {
            eprintln!("  event {:.200}", format!("{ev:?}"));
        }
        match ev {
            ClientEvent::StateChanged { from, to } => {
                assert_eq!(from, self.state, "StateChanged does not chain");
                assert!(
                    self.may_change,
                    "state {from} -> {to} without a reply or a loss"
                );
                self.state = to;
            }
            ClientEvent::Frame(f) => {
                if self.lab() {
                    assert!(f.jpeg.len() <= 65_507);
                } else {
                    assert!(
                        f.jpeg.len() <= self.config.max_frame_len,
                        "frame over the cap"
                    );
                    assert!(f.jpeg.starts_with(&[0xFF, 0xD8]) && f.jpeg.ends_with(&[0xFF, 0xD9]));
                }
            }
            ClientEvent::Closed => {
                self.closed = true;
                assert_eq!(self.client.state(), State::Init);
            }
            other => {
                let _ = format!("{other:?}");
            }
        }
    }

    /// Reads the whole requests and interleaved frames the client wrote.
    fn read_requests(&mut self) {
        let opts = ParseOptions {
            end_of_input: self.lab(),
            ..ParseOptions::default()
        };
        loop {
            if self.pending.is_empty() {
                return;
            }
            if self.lab() {
                // Each lab request is written whole, on its own: it is all
                // of what is pending.
                let text = String::from_utf8(std::mem::take(&mut self.pending))
                    .expect("lab request is text");
                self.lab_request(&text);
                return;
            }
            let (consumed, sent) = match rtsp::parse(&self.pending, &opts) {
                Ok(Status::Complete((Message::Request(r), n))) => {
                    assert!(r.terminated && r.line_ending == rtsp::LineEnding::CrLf);
                    let cseq = r.headers.cseq().expect("CSeq parses").expect("CSeq");
                    if let Some(list) = r.headers.transports() {
                        for t in list {
                            t.expect("our Transport parses");
                        }
                    }
                    r.headers.session().expect("our Session parses");
                    r.headers.range().expect("our Range parses");
                    (n, Some((r.method, cseq)))
                }
                Ok(Status::Complete((Message::Interleaved(f), n))) => {
                    assert_eq!(f.channel % 2, 1, "interleaved data on an RTP channel");
                    for r in stream_core::rtp::parse_compound(f.payload) {
                        r.unwrap_or_else(|e| panic!("client RTCP: {e}"));
                    }
                    (n, None)
                }
                Ok(Status::Partial) => panic!("client wrote a cut message: {:?}", self.pending),
                other => panic!("client wrote something else: {other:?}"),
            };
            self.pending.drain(..consumed);
            if let Some((method, cseq)) = sent {
                self.record(method, cseq);
            }
        }
    }

    /// `METHOD name RTSP/1.0\nCSeq: n\nTransport: RTP/UDP; client_port= N`
    /// or `...\nSession: id` (lab-dialect.md).
    fn lab_request(&mut self, text: &str) {
        let lines: Vec<&str> = text.split('\n').collect();
        assert_eq!(lines.len(), 3, "lab request is three lines: {text:?}");
        let words: Vec<&str> = lines[0].split(' ').collect();
        assert_eq!(words.len(), 3, "{text:?}");
        assert_eq!(
            (words[1], words[2]),
            ("movie.Mjpeg", "RTSP/1.0"),
            "{text:?}"
        );
        let method = Method::from_token(words[0]);
        let cseq: u32 = lines[1]
            .strip_prefix("CSeq: ")
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("lab line 2: {text:?}"));
        if method == Some(Method::Setup) {
            // The lab server reads the port as the fourth word of line 3.
            assert_eq!(lines[2].split(' ').nth(3), Some("5008"), "{text:?}");
        } else {
            let id = lines[2]
                .strip_prefix("Session: ")
                .unwrap_or_else(|| panic!("lab line 3: {text:?}"));
            assert!(!id.is_empty());
        }
        self.record(method, cseq);
    }

    fn record(&mut self, method: Option<Method>, cseq: u32) {
        if let Some(prev) = self.in_flight() {
            panic!(
                "request {cseq} written while {:?} {} waits for its reply",
                prev.method, prev.cseq
            );
        }
        if let Some(prev) = self.sent.last() {
            assert_eq!(
                cseq,
                prev.cseq.wrapping_add(1),
                "CSeq does not go up by one"
            );
        }
        self.sent.push(Sent {
            method,
            cseq,
            at: self.now,
            answered: false,
        });
    }

    fn check(&self) {
        assert_eq!(
            self.client.state(),
            self.state,
            "state() and the events disagree"
        );
        if self.closed {
            assert!(self.client.is_closed() && self.client.poll_timeout().is_none());
        }
        let used = heap::live_bytes().saturating_sub(
            self.heap_base
                + self.pending.capacity()
                + self.buf.capacity()
                + self.sent.capacity() * std::mem::size_of::<Sent>(),
        );
        assert!(
            used <= self.heap_bound,
            "client holds {used} heap bytes, bound {}",
            self.heap_bound
        );
    }
}

/// Runs the target.
pub fn run(data: &[u8]) {
    let mut c = Cursor::new(data);
    let Some(b) = c.u8() else { return };
    let setup = Setup {
        lab: b & 1 != 0,
        tcp: b & 2 != 0,
        small_cap: b & 4 != 0,
    };
    frames();
    let mut h = Harness::new(setup);
    let mut ops = 0;
    while ops < 256 {
        let Some(op) = Op::decode(&mut c) else { break };
        if std::env::var_os("FUZZ_DEBUG").is_some() {
            eprintln!("{:?} {:?} {op:?}", h.now, h.state);
        }
        h.op(op);
        ops += 1;
    }
}

fn encode(setup: u8, ops: &[Op]) -> Vec<u8> {
    let mut out = vec![setup];
    for op in ops {
        op.encode(&mut out);
    }
    out
}

/// Seed inputs: a standard session over UDP and over TCP, and the lab
/// client's session.
pub fn seed_inputs() -> Vec<(String, Vec<u8>)> {
    let cmd = |which: u8| Op::Command { which, from_ms: 0 };
    let ok = |variant: u8| Op::Reply {
        status: 0,
        variant,
        chunks: Vec::new(),
    };
    let rtp = |frame: u8, order: u8| Op::Rtp {
        frame,
        order,
        loss: 0,
        seq_step: 0,
        other_ssrc: false,
    };
    let standard = |setup_variant: u8| {
        vec![
            cmd(0),
            ok(0x40),
            ok(2 | (setup_variant << 2)),
            cmd(1),
            ok(0x42),
            rtp(0, 0),
            rtp(1, 3),
            Op::Rtcp {
                bye: false,
                raw: Vec::new(),
            },
            Op::Advance { millis: 1500 },
            cmd(3),
            ok(2),
            cmd(2),
            ok(2),
            rtp(0, 4),
            Op::Rtcp {
                bye: true,
                raw: Vec::new(),
            },
            cmd(4),
            ok(2),
            Op::Advance { millis: 3000 },
            Op::Disconnect,
        ]
    };
    let lab = vec![
        cmd(0),
        ok(3),
        Op::Wait,
        cmd(1),
        ok(3),
        Op::Wait,
        rtp(0, 0),
        rtp(1, 0),
        cmd(3),
        ok(3),
        Op::Wait,
        cmd(4),
        ok(3),
        Op::Wait,
    ];
    let abuse = vec![
        cmd(0),
        Op::Raw {
            bytes: b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 99999999\r\n\r\n".to_vec(),
        },
        Op::Raw {
            bytes: b"RTSP".to_vec(),
        },
        Op::Advance { millis: 2500 },
        Op::Stranger {
            bytes: vec![0x80, 26, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF, 0xD8],
        },
        cmd(1),
        cmd(1),
        cmd(3),
    ];
    vec![
        ("standard-udp".to_string(), encode(0, &standard(0))),
        ("standard-tcp".to_string(), encode(2, &standard(1))),
        ("lab".to_string(), encode(1, &lab)),
        ("lab-abuse".to_string(), encode(1 | 4, &abuse)),
        ("standard-abuse".to_string(), encode(4, &abuse)),
    ]
}
