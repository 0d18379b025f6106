//! The RTSP client as one sans-IO object: one connection, one media session.

use alloc::string::String;
use alloc::vec::Vec;

use crate::session::State;
use crate::time::{Duration, Instant};

/// How the client asks for RTP to travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientTransport {
    /// RTP over UDP to `rtp_port` (RTCP on `rtp_port + 1`). 0 lets the shell
    /// pick a free even port before it builds the client.
    Udp {
        /// The local RTP port.
        rtp_port: u16,
    },
    /// RTP and RTCP interleaved on the RTSP connection (channels 0 and 1).
    Tcp,
}

/// What the server told us about the stream (from DESCRIBE's SDP).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MediaInfo {
    /// Length of the presentation, if the server gave one (`a=range:npt=0-…`).
    pub duration: Option<Duration>,
    /// Frames per second, if given (`a=framerate`).
    pub framerate: Option<f32>,
    /// The URL SETUP was sent to (the stream's control URL).
    pub control: String,
}

/// A whole JPEG frame reassembled from RTP.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedFrame {
    /// A complete JPEG image (SOI to EOI).
    pub jpeg: Vec<u8>,
    /// The frame's RTP timestamp (90 kHz clock).
    pub rtp_timestamp: u32,
    /// Extended RTP sequence number of the frame's first packet.
    pub sequence: u64,
    /// When its last packet arrived.
    pub received_at: Instant,
}

/// Reception statistics (RFC 3550 Section 6.4.1 and Appendix A).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ReceptionStats {
    /// Whole frames delivered.
    pub frames: u64,
    /// Frames dropped because packets were missing or inconsistent.
    pub frames_dropped: u64,
    /// RTP packets received (duplicates included).
    pub packets: u64,
    /// Packets expected but not received (RFC 3550 A.3; negative with duplicates).
    pub packets_lost: i64,
    /// Duplicate packets.
    pub duplicates: u64,
    /// Packets that arrived out of order.
    pub reordered: u64,
    /// Payload bytes received.
    pub bytes: u64,
    /// Interarrival jitter (RFC 3550 A.8), converted from timestamp units.
    pub jitter: Duration,
}

/// Something the client wants its owner to know about.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The session moved between states.
    StateChanged {
        /// Previous state.
        from: State,
        /// New state.
        to: State,
    },
    /// DESCRIBE answered; the stream is known.
    Described(MediaInfo),
    /// A frame arrived whole.
    Frame(ReceivedFrame),
    /// Periodic statistics.
    Stats(ReceptionStats),
    /// The server answered a request with an error status.
    RequestFailed {
        /// The request's method.
        method: &'static str,
        /// The status code.
        status: u16,
        /// The reason phrase.
        reason: String,
    },
    /// Something went wrong that is not an error reply.
    Error(ClientError),
    /// The connection is finished (after TEARDOWN, or lost); nothing more follows.
    Closed,
}

/// Client-side failures other than error replies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// No reply to a request within the reply timeout.
    #[error("no reply to {method} within {timeout:?}")]
    ReplyTimeout {
        /// The request's method.
        method: &'static str,
        /// How long we waited.
        timeout: Duration,
    },
    /// The server sent something we cannot parse or use.
    #[error("bad reply from server: {0}")]
    BadReply(String),
    /// A command that the current state does not allow.
    #[error("{command} is not allowed in state {state}")]
    NotAllowed {
        /// The command.
        command: &'static str,
        /// The state it was given in.
        state: State,
    },
    /// The transport (connection, sockets) failed; set by the shell.
    #[error("connection: {0}")]
    Transport(String),
}
