//! RTSP session state machines (RFC 2326 Appendix A): the states both ends
//! share, the pure server transition function, and the client and server
//! session objects.

use core::fmt;

pub mod transition;

/// The state of an RTSP session, as both ends track it (RFC 2326 A.1, A.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// No session set up (before SETUP, after TEARDOWN).
    Init,
    /// Set up, not playing (after SETUP or PAUSE).
    Ready,
    /// Media flowing (after PLAY).
    Playing,
}

impl State {
    /// Upper-case name, as the lab client prints it.
    pub const fn as_str(self) -> &'static str {
        match self {
            State::Init => "INIT",
            State::Ready => "READY",
            State::Playing => "PLAYING",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which RTSP a connection speaks.
///
/// Decided by the server from a connection's first request and fixed for
/// the connection's life; chosen by the user on the client side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// RFC 2326 RTSP/1.0 with RFC 2435 RTP/JPEG payloads.
    #[default]
    Standard,
    /// The course lab's programs: bare `\n` lines, unterminated messages,
    /// `CSeq` then `Session` at fixed line positions, whole JPEG frames as
    /// RTP payloads (see `shared/docs/lab-dialect.md`).
    Lab,
}
