//! One media session: its transport, its position in the clip, its pacing,
//! and the packets it sends.

use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::net::SocketAddr;

use crate::clip::Clip;
use crate::jpeg::rfc2435::MAX_LAB_PAYLOAD;
use crate::pacing::Pacer;
use crate::rtp::RtpHeader;
use crate::rtp::rtcp::{self, Bye, Report, RtcpPacket, SenderReport};
use crate::rtsp::write_interleaved;
use crate::session::{Dialect, State};
use crate::time::{Duration, Instant};

use super::connection::Connection;
use super::{ConnectionId, Datagram, ServerConfig, ServerEvent, ServerSocket, SessionInfo};

/// RTP payload type of JPEG (RFC 3551 Section 6).
pub(super) const PT_JPEG: u8 = 26;
/// RTP clock rate of JPEG (RFC 2435 Section 3).
pub(super) const JPEG_CLOCK_RATE: u32 = 90_000;

/// How a session's media travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// RTP/AVP over UDP to the client's port pair.
    Udp {
        /// Where RTP goes.
        rtp: SocketAddr,
        /// Where RTCP goes (and comes from).
        rtcp: SocketAddr,
    },
    /// RTP/AVP/TCP interleaved on the RTSP connection.
    Interleaved {
        /// Channel for RTP.
        rtp_channel: u8,
        /// Channel for RTCP.
        rtcp_channel: u8,
    },
    /// The lab dialect's `RTP/UDP`: whole JPEG frames, no RTCP.
    LabUdp {
        /// Where RTP goes.
        rtp: SocketAddr,
    },
}

impl TransportKind {
    /// The client's UDP addresses media and reports go to.
    pub(super) fn client_addrs(&self) -> [Option<SocketAddr>; 2] {
        match *self {
            TransportKind::Udp { rtp, rtcp } => [Some(rtp), Some(rtcp)],
            TransportKind::LabUdp { rtp } => [Some(rtp), None],
            TransportKind::Interleaved { .. } => [None, None],
        }
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportKind::Udp { rtp, rtcp } => {
                write!(f, "RTP/AVP/UDP to {rtp} (RTCP {})", rtcp.port())
            }
            TransportKind::Interleaved {
                rtp_channel,
                rtcp_channel,
            } => write!(f, "RTP/AVP/TCP interleaved={rtp_channel}-{rtcp_channel}"),
            TransportKind::LabUdp { rtp } => write!(f, "RTP/UDP (lab) to {rtp}"),
        }
    }
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The client sent TEARDOWN.
    Teardown,
    /// Nothing heard from the client for the session timeout.
    Timeout,
    /// The RTSP connection that set it up closed.
    Disconnected,
    /// The server is shutting down.
    Shutdown,
}

impl fmt::Display for EndReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EndReason::Teardown => "teardown",
            EndReason::Timeout => "timeout",
            EndReason::Disconnected => "connection closed",
            EndReason::Shutdown => "server shutdown",
        })
    }
}

/// What a session sent and heard, for its end-of-session log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionStats {
    /// Frames sent whole.
    pub frames_sent: u64,
    /// RTP packets sent.
    pub packets_sent: u64,
    /// RTP payload bytes sent.
    pub octets_sent: u64,
    /// Frames skipped (late, backlogged, or not carriable).
    pub frames_skipped: u64,
    /// RTCP packets received from the client.
    pub rtcp_received: u64,
    /// Cumulative loss from the client's last receiver report.
    pub reported_lost: Option<i32>,
    /// Jitter from the client's last receiver report (timestamp units).
    pub reported_jitter: Option<u32>,
}

impl fmt::Display for SessionStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "frames={} packets={} bytes={} skipped={} rtcp_in={}",
            self.frames_sent,
            self.packets_sent,
            self.octets_sent,
            self.frames_skipped,
            self.rtcp_received
        )?;
        if let Some(l) = self.reported_lost {
            write!(f, " client_lost={l}")?;
        }
        if let Some(j) = self.reported_jitter {
            write!(
                f,
                " client_jitter_ms={:.1}",
                f64::from(j) * 1000.0 / f64::from(JPEG_CLOCK_RATE)
            )?;
        }
        Ok(())
    }
}

/// Frames a session may have queued for `poll_transmit` before the oldest
/// is dropped (the shell drains after every input, so this only fills when
/// it cannot send).
const MAX_PENDING_FRAMES: usize = 4;

/// A frame being handed out packet by packet through `poll_transmit`.
#[derive(Debug, Clone, Copy)]
struct Pending {
    file_frame: usize,
    packet: usize,
    rtp_timestamp: u32,
}

/// What a call to [`Session::pump`] produced.
#[derive(Debug, Default)]
pub(super) struct PumpOutcome {
    /// The session has datagrams for `poll_transmit`.
    pub(super) udp_pending: bool,
    /// Bytes were appended to the owner connection's output.
    pub(super) stream_written: bool,
    /// Something to log.
    pub(super) event: Option<ServerEvent>,
}

/// The range a PLAY started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PlayStart {
    pub(super) npt: Duration,
    pub(super) sequence: u16,
    pub(super) rtp_timestamp: u32,
}

pub(super) struct Session {
    pub(super) id: String,
    pub(super) owner: ConnectionId,
    pub(super) peer: SocketAddr,
    pub(super) path: String,
    pub(super) control_url: String,
    pub(super) dialect: Dialect,
    pub(super) transport: TransportKind,
    pub(super) clip: Arc<Clip>,
    pub(super) state: State,
    ssrc: u32,
    next_seq: u16,
    /// Paces the media timeline; its `next_frame` is the index of the next
    /// frame to send (it keeps growing when looping; the file frame is this
    /// modulo the clip length).
    pacer: Pacer,
    ended: bool,
    /// When to send the end-of-stream BYE: one frame period after the last
    /// frame, so it cannot overtake that frame at a receiver that reads its
    /// RTCP socket first.
    bye_due: Option<Instant>,
    last_activity: Instant,
    next_rtcp: Option<Instant>,
    /// Frames being handed out packet by packet (at most a burst's worth).
    pending: VecDeque<Pending>,
    stats: SessionStats,
    warned_lab_size: bool,
    scratch: Vec<u8>,
}

/// Randomness for one session (drawn by the server from its seeded RNG).
pub(super) struct SessionRandom {
    pub(super) ssrc: u32,
    pub(super) sequence: u16,
    pub(super) rtp_timestamp: u32,
}

impl Session {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        id: String,
        owner: ConnectionId,
        peer: SocketAddr,
        path: String,
        control_url: String,
        dialect: Dialect,
        transport: TransportKind,
        clip: Arc<Clip>,
        random: SessionRandom,
        now: Instant,
        config: &ServerConfig,
    ) -> Session {
        // The lab client shows a packet only if its sequence number is
        // above the last one shown, and the lab server numbers frames from 1.
        let next_seq = match transport {
            TransportKind::LabUdp { .. } => 1,
            _ => random.sequence,
        };
        Session {
            id,
            owner,
            peer,
            path,
            control_url,
            dialect,
            transport,
            clip,
            state: State::Ready,
            ssrc: random.ssrc,
            next_seq,
            pacer: Pacer::new(config.fps.max(1), JPEG_CLOCK_RATE, random.rtp_timestamp),
            ended: false,
            bye_due: None,
            last_activity: now,
            next_rtcp: None,
            pending: VecDeque::new(),
            stats: SessionStats::default(),
            warned_lab_size: false,
            scratch: Vec::new(),
        }
    }

    pub(super) fn info(&self) -> SessionInfo {
        SessionInfo {
            id: self.id.clone(),
            peer: self.peer,
            path: self.path.clone(),
            transport: self.transport,
            dialect: self.dialect,
        }
    }

    pub(super) fn stats(&self) -> SessionStats {
        self.stats
    }

    pub(super) fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// Lab payloads (whole JPEGs, frame-number sequence, no RTCP).
    pub(super) fn is_lab(&self) -> bool {
        matches!(self.transport, TransportKind::LabUdp { .. })
    }

    pub(super) fn is_interleaved(&self) -> bool {
        matches!(self.transport, TransportKind::Interleaved { .. })
    }

    pub(super) fn client_rtcp(&self) -> Option<SocketAddr> {
        match self.transport {
            TransportKind::Udp { rtcp, .. } => Some(rtcp),
            _ => None,
        }
    }

    pub(super) fn touch(&mut self, now: Instant) {
        self.last_activity = now;
    }

    /// When the session is reaped for silence. Never for a lab-dialect
    /// session while the connection that set it up is open: the lab client
    /// sends neither keepalives nor RTCP, and the lab's own server never
    /// times sessions out (lab-dialect.md).
    pub(super) fn timeout_at(&self, config: &ServerConfig, owner_open: bool) -> Option<Instant> {
        (self.dialect != Dialect::Lab || !owner_open)
            .then(|| self.last_activity + config.session_timeout)
    }

    /// Length of the clip as media time, or `None` when looping (endless).
    pub(super) fn duration(&self, config: &ServerConfig) -> Option<Duration> {
        (!config.looping).then(|| self.pacer.media_time(self.clip.len() as u64))
    }

    pub(super) fn deadline(&self, config: &ServerConfig, owner_open: bool) -> Option<Instant> {
        let mut d = self.timeout_at(config, owner_open);
        let mut min = |t: Instant| d = Some(d.map_or(t, |x| x.min(t)));
        if self.state == State::Playing {
            if !self.ended {
                if let Some(due) = self.pacer.next_due() {
                    min(due);
                }
            }
            if let Some(r) = self.next_rtcp {
                min(r);
            }
            if let Some(b) = self.bye_due {
                min(b);
            }
        }
        d
    }

    /// Starts (or restarts, or seeks) playback at `from` (media time), or
    /// where it stopped when `from` is `None`. Fails with the clip's
    /// duration when `from` lies past the end.
    pub(super) fn play(
        &mut self,
        now: Instant,
        from: Option<Duration>,
        config: &ServerConfig,
    ) -> Result<PlayStart, Duration> {
        let len = self.clip.len() as u64;
        let position = match from {
            Some(t) => {
                let frame = self.pacer.frame_at(t);
                if frame >= len && !config.looping {
                    return Err(self.pacer.media_time(len));
                }
                if config.looping { frame % len } else { frame }
            }
            // Played to the end: PLAY without a range starts over.
            None if self.ended || (!config.looping && self.pacer.next_frame() >= len) => 0,
            // PLAY after PAUSE: resume where it stopped.
            None => self.pacer.next_frame(),
        };
        self.ended = false;
        self.bye_due = None;
        self.pending.clear();
        self.pacer.start(now, position);
        if !self.is_lab() {
            self.next_rtcp = Some(now + config.rtcp_interval);
        }
        Ok(PlayStart {
            npt: self.pacer.media_time(position),
            sequence: self.next_seq,
            rtp_timestamp: self.pacer.rtp_timestamp(position),
        })
    }

    /// Stops sending; returns the media time where a later PLAY resumes.
    pub(super) fn pause(&mut self) -> Duration {
        self.pacer.stop();
        self.pending.clear();
        self.next_rtcp = None;
        self.bye_due = None;
        self.pacer.media_time(self.pacer.next_frame())
    }

    /// Sends what is due at `now`: the due frames (a sender that fell
    /// behind, say after a stall, sends at most the pacer's burst of the
    /// newest and skips the rest) and an RTCP sender report when one is due.
    pub(super) fn pump(
        &mut self,
        now: Instant,
        config: &ServerConfig,
        control: &mut VecDeque<(Datagram, Vec<u8>)>,
        connections: &mut [Option<Connection>],
    ) -> PumpOutcome {
        let mut out = PumpOutcome::default();
        if self.state != State::Playing {
            return out;
        }
        if !self.ended {
            let due = self.pacer.take_due(now);
            self.stats.frames_skipped += due.skipped.end - due.skipped.start;
            let len = self.clip.len() as u64;
            for frame in due.send {
                let file_frame = if config.looping { frame % len } else { frame };
                if file_frame < len {
                    self.send_frame(frame, file_frame as usize, config, connections, &mut out);
                }
                if !config.looping && frame + 1 >= len {
                    // End of stream: RTCP BYE tells standard receivers
                    // (ffmpeg, GStreamer) the stream is over.
                    self.ended = true;
                    self.bye_due = Some(self.pacer.due(frame + 1).unwrap_or(now));
                    break;
                }
            }
        }
        if self.bye_due.is_some_and(|t| t <= now) {
            self.bye_due = None;
            self.queue_rtcp(now, config, control, connections, true, &mut out);
        }
        if self.next_rtcp.is_some_and(|t| t <= now) {
            self.next_rtcp = Some(now + config.rtcp_interval);
            if !self.ended {
                self.queue_rtcp(now, config, control, connections, false, &mut out);
            }
        }
        out
    }

    fn send_frame(
        &mut self,
        frame: u64,
        file_frame: usize,
        config: &ServerConfig,
        connections: &mut [Option<Connection>],
        out: &mut PumpOutcome,
    ) {
        let rtp_timestamp = self.pacer.rtp_timestamp(frame);
        match self.transport {
            TransportKind::LabUdp { .. } => {
                let len = self.clip.jpeg(file_frame).len();
                if len > MAX_LAB_PAYLOAD {
                    self.stats.frames_skipped += 1;
                    // The sequence number is the frame number: it still moves.
                    self.next_seq = self.next_seq.wrapping_add(1);
                    if !self.warned_lab_size {
                        self.warned_lab_size = true;
                        out.event = Some(ServerEvent::FrameSkipped {
                            session: self.id.clone(),
                            path: self.path.clone(),
                            frame: self.clip.frames()[file_frame].number,
                            reason: format!(
                                "{len} bytes do not fit one UDP datagram (max {MAX_LAB_PAYLOAD} bytes of payload); skipping every such frame"
                            ),
                        });
                    }
                    return;
                }
                self.replace_pending(Pending {
                    file_frame,
                    packet: 0,
                    rtp_timestamp,
                });
                out.udp_pending = true;
            }
            TransportKind::Udp { .. } => {
                if self.clip.frames()[file_frame].rtp.is_err() {
                    self.stats.frames_skipped += 1;
                    return;
                }
                self.replace_pending(Pending {
                    file_frame,
                    packet: 0,
                    rtp_timestamp,
                });
                out.udp_pending = true;
            }
            TransportKind::Interleaved { rtp_channel, .. } => {
                let clip = Arc::clone(&self.clip);
                let Ok(packets) = &clip.frames()[file_frame].rtp else {
                    self.stats.frames_skipped += 1;
                    return;
                };
                let Some(conn) = connections
                    .get_mut(self.owner_index())
                    .and_then(Option::as_mut)
                    .filter(|c| c.id == self.owner)
                else {
                    return;
                };
                if conn.outgoing_len() > config.interleaved_backlog {
                    // The client reads slower than we send: drop whole
                    // frames (never part of one) until it catches up.
                    self.stats.frames_skipped += 1;
                    return;
                }
                let n = packets.len();
                for i in 0..n {
                    let payload = packets.payload(i);
                    self.scratch.clear();
                    self.header(i + 1 == n, rtp_timestamp)
                        .write(&mut self.scratch);
                    self.scratch.extend_from_slice(payload);
                    // Payloads fit the MTU, far below 64 KiB.
                    let _ = write_interleaved(conn.output_buffer(), rtp_channel, &self.scratch);
                    self.count_packet(payload.len());
                }
                self.stats.frames_sent += 1;
                out.stream_written = true;
            }
        }
    }

    fn owner_index(&self) -> usize {
        self.owner.index as usize
    }

    fn replace_pending(&mut self, p: Pending) {
        self.pending.push_back(p);
        if self.pending.len() > MAX_PENDING_FRAMES {
            // The shell has not drained frames for several frame periods;
            // the oldest is cut short (counted as skipped).
            self.pending.pop_front();
            self.stats.frames_skipped += 1;
        }
    }

    fn header(&mut self, marker: bool, rtp_timestamp: u32) -> RtpHeader {
        let h = RtpHeader {
            marker,
            payload_type: PT_JPEG,
            sequence_number: self.next_seq,
            timestamp: rtp_timestamp,
            ssrc: self.ssrc,
        };
        self.next_seq = self.next_seq.wrapping_add(1);
        h
    }

    fn count_packet(&mut self, payload_len: usize) {
        self.stats.packets_sent += 1;
        self.stats.octets_sent += payload_len as u64;
    }

    /// The next datagram of the frame being sent, into `buf`; `true` when
    /// more follow.
    pub(super) fn next_datagram(&mut self, buf: &mut Vec<u8>) -> Option<(Datagram, bool)> {
        let p = *self.pending.front()?;
        let clip = Arc::clone(&self.clip);
        match self.transport {
            TransportKind::LabUdp { rtp } => {
                self.pending.pop_front();
                let jpeg = clip.jpeg(p.file_frame);
                // The lab header: M=0, sequence number = frame number.
                self.header(false, p.rtp_timestamp).write(buf);
                buf.extend_from_slice(jpeg);
                self.count_packet(jpeg.len());
                self.stats.frames_sent += 1;
                Some((
                    Datagram {
                        socket: ServerSocket::Rtp,
                        destination: rtp,
                    },
                    !self.pending.is_empty(),
                ))
            }
            TransportKind::Udp { rtp, .. } => {
                let Ok(packets) = &clip.frames()[p.file_frame].rtp else {
                    self.pending.pop_front();
                    return None;
                };
                let n = packets.len();
                let last = p.packet + 1 >= n;
                let payload = packets.payload(p.packet);
                self.header(last, p.rtp_timestamp).write(buf);
                buf.extend_from_slice(payload);
                self.count_packet(payload.len());
                if last {
                    self.pending.pop_front();
                    self.stats.frames_sent += 1;
                } else if let Some(front) = self.pending.front_mut() {
                    front.packet += 1;
                }
                Some((
                    Datagram {
                        socket: ServerSocket::Rtp,
                        destination: rtp,
                    },
                    !self.pending.is_empty(),
                ))
            }
            TransportKind::Interleaved { .. } => {
                self.pending.clear();
                None
            }
        }
    }

    /// The RTP timestamp that corresponds to `now` (for sender reports).
    fn rtp_timestamp_at(&self, now: Instant) -> u32 {
        let last = self.pacer.next_frame().saturating_sub(1);
        let base = self.pacer.rtp_timestamp(last);
        let Some(due) = self.pacer.due(last) else {
            return base;
        };
        let elapsed = now.saturating_duration_since(due);
        let ticks = elapsed.as_micros() * u128::from(JPEG_CLOCK_RATE) / 1_000_000;
        base.wrapping_add(ticks as u32)
    }

    fn ntp_at(now: Instant, config: &ServerConfig) -> u64 {
        let micros = now.total_micros();
        let secs = micros / 1_000_000;
        let frac = ((micros % 1_000_000) << 32) / 1_000_000;
        config.ntp_at_zero.wrapping_add((secs << 32) | frac)
    }

    /// Queues an RTCP compound packet: SR + SDES, plus BYE when `bye`.
    fn queue_rtcp(
        &mut self,
        now: Instant,
        config: &ServerConfig,
        control: &mut VecDeque<(Datagram, Vec<u8>)>,
        connections: &mut [Option<Connection>],
        bye: bool,
        out: &mut PumpOutcome,
    ) {
        if self.is_lab() {
            return;
        }
        let mut packet = Vec::new();
        let sr = SenderReport {
            ssrc: self.ssrc,
            ntp_timestamp: Self::ntp_at(now, config),
            rtp_timestamp: self.rtp_timestamp_at(now),
            packet_count: self.stats.packets_sent as u32,
            octet_count: self.stats.octets_sent as u32,
            reports: &[],
        };
        // Writing fails only for over-long CNAMEs or too many blocks; a
        // report we cannot write is simply not sent.
        let written = if bye {
            rtcp::write_bye_compound(
                &mut packet,
                &Report::Sender(sr),
                &config.cname,
                &Bye {
                    ssrcs: &[self.ssrc],
                    reason: None,
                },
            )
        } else {
            rtcp::write_sender_report_compound(&mut packet, &sr, &config.cname)
        };
        if written.is_err() {
            return;
        }
        match self.transport {
            TransportKind::Udp { rtcp, .. } => control.push_back((
                Datagram {
                    socket: ServerSocket::Rtcp,
                    destination: rtcp,
                },
                packet,
            )),
            TransportKind::Interleaved { rtcp_channel, .. } => {
                if let Some(conn) = connections
                    .get_mut(self.owner_index())
                    .and_then(Option::as_mut)
                    .filter(|c| c.id == self.owner && !c.closing)
                {
                    let _ = write_interleaved(conn.output_buffer(), rtcp_channel, &packet);
                    out.stream_written = true;
                }
            }
            TransportKind::LabUdp { .. } => {}
        }
    }

    /// Queues RTCP BYE (shutdown, teardown).
    pub(super) fn queue_bye(
        &mut self,
        now: Instant,
        config: &ServerConfig,
        control: &mut VecDeque<(Datagram, Vec<u8>)>,
        connections: &mut [Option<Connection>],
    ) -> bool {
        let mut out = PumpOutcome::default();
        self.queue_rtcp(now, config, control, connections, true, &mut out);
        out.stream_written
    }

    /// RTCP from the client: liveness, and its reception report about us.
    pub(super) fn handle_rtcp(&mut self, now: Instant, data: &[u8]) {
        let mut any = false;
        for packet in rtcp::parse_compound(data) {
            let Ok(packet) = packet else { break };
            any = true;
            let blocks = match packet {
                RtcpPacket::ReceiverReport { reports, .. }
                | RtcpPacket::SenderReport { reports, .. } => reports,
                _ => continue,
            };
            for b in blocks {
                if b.ssrc == self.ssrc {
                    self.stats.reported_lost = Some(b.cumulative_lost);
                    self.stats.reported_jitter = Some(b.jitter);
                }
            }
        }
        if any {
            self.stats.rtcp_received += 1;
            self.last_activity = now;
        }
    }
}
