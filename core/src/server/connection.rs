//! One RTSP connection's buffers and timers.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::net::SocketAddr;

use crate::clip::Clip;
use crate::session::Dialect;
use crate::time::{Duration, Instant};

use super::{ConnectionId, MediaError, MediaRequestId, ServerConfig};

/// What a connection's timers say at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expiry {
    /// Nothing due.
    None,
    /// An unterminated lab-dialect request has been followed by enough
    /// silence: parse it as complete.
    TailComplete,
    /// A message started arriving and did not complete in time.
    Stalled,
    /// No session and nothing said for a session timeout: close.
    Idle,
    /// Closing, and the peer has not taken its last bytes within the
    /// linger: drop it.
    Linger,
}

pub(super) struct Connection {
    pub(super) id: ConnectionId,
    pub(super) local: SocketAddr,
    pub(super) peer: SocketAddr,
    input: Vec<u8>,
    output: Vec<u8>,
    output_start: usize,
    /// Decided by the first request (lab-dialect.md); fixed afterwards.
    pub(super) dialect: Option<Dialect>,
    /// A CloseConnection event has been emitted; ignore further input.
    pub(super) closing: bool,
    /// When a closing connection whose output is still unwritten is
    /// dropped (the peer stopped reading).
    linger_until: Option<Instant>,
    /// A DropConnection event has been emitted; the output is discarded.
    pub(super) dropped: bool,
    /// The length of the message at the front of `input` when it went to
    /// wait for media: what arrives meanwhile is not part of it (a lab
    /// request completed by a pause has no end of its own).
    pub(super) blocked_front: Option<usize>,
    /// Queued in the server's `stream_ready` list.
    pub(super) announced: bool,
    /// The request at the front of `input` waits for this media answer.
    pub(super) waiting_for: Option<MediaRequestId>,
    /// The media answer for the request at the front of `input`.
    pub(super) media_answer: Option<(MediaRequestId, Result<Arc<Clip>, MediaError>)>,
    /// Set when the lab tail timer fired: parse the buffer as complete.
    pub(super) tail_complete: bool,
    /// The buffer holds an unterminated message that may be a lab request.
    pub(super) tail_pending: bool,
    /// Sessions this connection set up and that still exist.
    pub(super) sessions: usize,
    last_input: Instant,
    last_activity: Instant,
    partial_since: Option<Instant>,
}

impl Connection {
    pub(super) fn new(
        id: ConnectionId,
        local: SocketAddr,
        peer: SocketAddr,
        now: Instant,
        _config: &ServerConfig,
    ) -> Connection {
        Connection {
            id,
            local,
            peer,
            input: Vec::new(),
            output: Vec::new(),
            output_start: 0,
            dialect: None,
            closing: false,
            linger_until: None,
            dropped: false,
            blocked_front: None,
            announced: false,
            waiting_for: None,
            media_answer: None,
            tail_complete: false,
            tail_pending: false,
            sessions: 0,
            last_input: now,
            last_activity: now,
            partial_since: None,
        }
    }

    /// Appends received bytes. A new byte restarts the lab tail timer: the
    /// dialect's messages end with a pause, not a delimiter.
    pub(super) fn receive(&mut self, now: Instant, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        self.input.extend_from_slice(data);
        self.last_input = now;
        self.last_activity = now;
        self.tail_complete = false;
        if self.partial_since.is_none() {
            self.partial_since = Some(now);
        }
    }

    /// The unparsed input.
    pub(super) fn input(&self) -> &[u8] {
        &self.input
    }

    /// Takes the input buffer out (to parse it while the server is borrowed
    /// mutably); give it back with [`restore_input`](Self::restore_input).
    pub(super) fn take_input(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.input)
    }

    /// Puts the input back after dropping its first `consumed` bytes.
    pub(super) fn restore_input(&mut self, mut input: Vec<u8>, consumed: usize, now: Instant) {
        if consumed > 0 {
            input.drain(..consumed.min(input.len()));
            self.tail_complete = false;
            self.last_activity = now;
        }
        if !input.iter().all(|b| b.is_ascii_whitespace()) {
            if consumed > 0 || self.partial_since.is_none() {
                self.partial_since = Some(now);
            }
        } else {
            self.partial_since = None;
            self.tail_pending = false;
        }
        // Appended while it was out? Cannot happen (single-threaded), but
        // never lose bytes.
        input.extend_from_slice(&self.input);
        self.input = input;
    }

    /// Drops all input (after an error the stream cannot recover from).
    pub(super) fn discard_input(&mut self) {
        self.input.clear();
        self.blocked_front = None;
        self.partial_since = None;
        self.tail_pending = false;
    }

    pub(super) fn outgoing(&self) -> &[u8] {
        &self.output[self.output_start..]
    }

    pub(super) fn outgoing_len(&self) -> usize {
        self.output.len() - self.output_start
    }

    pub(super) fn push_outgoing(&mut self, bytes: &[u8]) {
        self.output.extend_from_slice(bytes);
    }

    /// The buffer to append to directly (interleaved frames).
    pub(super) fn output_buffer(&mut self) -> &mut Vec<u8> {
        &mut self.output
    }

    pub(super) fn consume_outgoing(&mut self, n: usize) {
        self.output_start = (self.output_start + n).min(self.output.len());
        if self.output_start == self.output.len() {
            self.output.clear();
            self.output_start = 0;
        } else if self.output_start > 64 * 1024 && self.output_start * 2 > self.output.len() {
            self.output.drain(..self.output_start);
            self.output_start = 0;
        }
    }

    /// Starts closing: input is ignored from now on, and what is left to
    /// write gets until `now + linger`.
    pub(super) fn start_closing(&mut self, now: Instant, linger: Duration) {
        self.closing = true;
        self.linger_until = Some(now + linger);
    }

    /// Gives up on the peer: input and unwritten output are discarded,
    /// the shell closes the socket at once.
    pub(super) fn drop_now(&mut self) {
        self.closing = true;
        self.dropped = true;
        self.linger_until = None;
        self.output.clear();
        self.output_start = 0;
        self.discard_input();
    }

    pub(super) fn touch(&mut self, now: Instant) {
        self.last_activity = now;
    }

    pub(super) fn deadline(&self, config: &ServerConfig) -> Option<Instant> {
        if self.closing {
            return self.linger_until;
        }
        let mut d: Option<Instant> = None;
        let mut min = |t: Instant| d = Some(d.map_or(t, |x| x.min(t)));
        if self.waiting_for.is_none() {
            if self.tail_pending && !self.tail_complete {
                min(self.last_input + config.lab_tail_delay);
            }
            if let Some(p) = self.partial_since {
                min(p + config.request_timeout);
            }
        }
        if self.sessions == 0 {
            min(self.last_activity + config.session_timeout);
        }
        d
    }

    pub(super) fn expired(&self, now: Instant, config: &ServerConfig) -> Expiry {
        if self.closing {
            return match self.linger_until {
                Some(t) if t <= now => Expiry::Linger,
                _ => Expiry::None,
            };
        }
        if self.waiting_for.is_none() {
            if self.tail_pending
                && !self.tail_complete
                && self.last_input + config.lab_tail_delay <= now
            {
                return Expiry::TailComplete;
            }
            if let Some(p) = self.partial_since {
                if p + config.request_timeout <= now {
                    return Expiry::Stalled;
                }
            }
        }
        if self.sessions == 0 && self.last_activity + config.session_timeout <= now {
            return Expiry::Idle;
        }
        Expiry::None
    }
}

/// Whether an incomplete buffer may be a lab-dialect request: its first line
/// is complete and names a bare file, not an `rtsp://` URL (standard clients
/// always send absolute URIs, RFC 2326 Section 6.1, and are never completed
/// by a timeout).
pub(super) fn looks_like_lab(buf: &[u8]) -> bool {
    let start = buf
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(buf.len());
    let buf = &buf[start..];
    let Some(nl) = buf.iter().position(|&b| b == b'\n') else {
        return false;
    };
    let line = &buf[..nl];
    let mut words = line.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let (Some(_method), Some(uri)) = (words.next(), words.next()) else {
        return false;
    };
    uri != b"*" && !uri.windows(3).any(|w| w == b"://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_detection() {
        assert!(looks_like_lab(
            b"SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 50"
        ));
        assert!(looks_like_lab(b"\r\nPLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\n"));
        assert!(!looks_like_lab(b"SETUP movie.Mjpeg RTSP/1.0"));
        assert!(!looks_like_lab(
            b"OPTIONS rtsp://h/x RTSP/1.0\r\nCSeq: 1\r\n"
        ));
        assert!(!looks_like_lab(b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n"));
        assert!(!looks_like_lab(b"$\x00\x00\x10"));
    }
}
