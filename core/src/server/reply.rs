//! Writing replies in the connection's dialect.

use alloc::string::String;
use alloc::vec::Vec;

use crate::rtsp::{LineEnding, MessageWriter, MethodSet, StatusCode};
use crate::session::Dialect;
use crate::time::Duration;

/// A reply being built by a request handler.
#[derive(Debug)]
pub(super) struct Reply {
    pub(super) status: StatusCode,
    /// The request's CSeq, echoed (absent when it could not be read).
    pub(super) cseq: Option<u32>,
    /// The session id to put in `Session:` (with the timeout when standard).
    pub(super) session: Option<String>,
    pub(super) headers: Vec<(&'static str, String)>,
    pub(super) body: Vec<u8>,
    /// Why the request failed, for the log (not sent).
    pub(super) detail: String,
}

impl Reply {
    pub(super) fn new(status: StatusCode) -> Reply {
        Reply {
            status,
            cseq: None,
            session: None,
            headers: Vec::new(),
            body: Vec::new(),
            detail: String::new(),
        }
    }

    pub(super) fn ok() -> Reply {
        Reply::new(StatusCode::OK)
    }

    /// An error reply with a reason for the log.
    pub(super) fn error(status: StatusCode, detail: impl Into<String>) -> Reply {
        let mut r = Reply::new(status);
        r.detail = detail.into();
        r
    }

    pub(super) fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    pub(super) fn allow(self, methods: MethodSet) -> Reply {
        self.header("Allow", alloc::format!("{methods}"))
    }

    pub(super) fn session(mut self, id: &str) -> Reply {
        self.session = Some(String::from(id));
        self
    }
}

/// Appends `reply` to `out`.
///
/// Lab dialect: exactly `RTSP/1.0 <code> <reason>\nCSeq: <n>\nSession: <id>`
/// with no terminator — the lab client reads the CSeq from line 2 and the
/// session from line 3 with `int()`, so a reply without a session still
/// carries `Session: 0` rather than crash it; nothing else is sent.
pub(super) fn write_reply(
    out: &mut Vec<u8>,
    dialect: Dialect,
    reply: &Reply,
    session_timeout: Duration,
    server_name: &str,
) {
    let cseq = reply.cseq;
    match dialect {
        Dialect::Lab => {
            let mut w = MessageWriter::response(out, reply.status, LineEnding::Lf);
            w.header("CSeq", cseq.unwrap_or(0));
            w.header("Session", reply.session.as_deref().unwrap_or("0"));
            w.finish_unterminated();
        }
        Dialect::Standard => {
            let mut w = MessageWriter::response(out, reply.status, LineEnding::CrLf);
            if let Some(c) = cseq {
                w.header("CSeq", c);
            }
            if let Some(id) = &reply.session {
                w.header(
                    "Session",
                    alloc::format!("{id};timeout={}", session_timeout.as_secs()),
                );
            }
            if !server_name.is_empty() {
                w.header("Server", server_name);
            }
            for (name, value) in &reply.headers {
                w.header(name, value);
            }
            w.finish(&reply.body);
        }
    }
}

/// An error reply to something that could not be parsed into a request.
pub(super) fn write_error(
    out: &mut Vec<u8>,
    dialect: Dialect,
    status: StatusCode,
    cseq: Option<u32>,
    allow: Option<MethodSet>,
) {
    let mut r = Reply::new(status);
    r.cseq = cseq;
    if let Some(a) = allow {
        r = r.allow(a);
    }
    write_reply(out, dialect, &r, Duration::ZERO, "");
}
