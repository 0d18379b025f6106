//! Parsing a connection's input and answering its requests.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr};

use crate::clip::Clip;
use crate::rtsp::{
    LowerTransport, Message, Method, NptTime, ParseOptions, Profile, Request, RequestUri, Status,
    StatusCode, TransportSpec, parse, parse_request_uri,
};
use crate::sdp::{SdpParams, write_sdp};
use crate::session::transition::{Transition, public_methods, server_transition};
use crate::session::{Dialect, State};
use crate::time::Instant;

use super::connection::looks_like_lab;
use super::reply::{Reply, write_error, write_reply};
use super::session::{Session, SessionRandom, TransportKind};
use super::{ConnectionId, MediaError, MediaRequestId, Server, ServerEvent};

/// The control attribute of our single stream (SDP `a=control:`); SETUP
/// may name it (`…/clip.Mjpeg/trackID=0`) or the presentation itself.
pub(super) const TRACK_CONTROL: &str = "trackID=0";

/// What handling one request came to.
enum Handled {
    /// Answer with this; then, if given, start sending for this session.
    Reply(Reply, Option<usize>),
    /// The request waits for media; leave it at the front of the input.
    Blocked,
}

impl Server {
    /// Parses and handles everything complete in a connection's input.
    pub(super) fn process_input(&mut self, now: Instant, id: ConnectionId) {
        loop {
            let limits = self.config.limits;
            let Some(c) = self.conn_mut(id) else { return };
            if c.closing || c.waiting_for.is_some() {
                return;
            }
            if c.input().is_empty() {
                c.tail_pending = false;
                return;
            }
            let input = c.take_input();
            // A message that waited for media is parsed as it was then.
            let (front, end_of_input) = match c.blocked_front.take() {
                Some(n) => (&input[..n.min(input.len())], true),
                None => (&input[..], c.tail_complete),
            };
            let options = ParseOptions {
                limits,
                end_of_input,
            };
            let dialect = c.dialect;
            match parse(front, &options) {
                Ok(Status::Partial) => {
                    // Only a lab client's request is ever completed by a
                    // pause; a standard client's message waits for its end.
                    let lab = match dialect {
                        Some(Dialect::Lab) => true,
                        Some(Dialect::Standard) => false,
                        None => looks_like_lab(&input),
                    };
                    c.tail_pending = lab;
                    c.restore_input(input, 0, now);
                    return;
                }
                Ok(Status::Complete((message, consumed))) => {
                    let handled = self.handle_message(now, id, message);
                    let Some(c) = self.conn_mut(id) else { return };
                    if !matches!(handled, Some(Handled::Blocked)) {
                        // Answered (maybe before it used its media answer):
                        // the answer is no one else's.
                        c.media_answer = None;
                    }
                    match handled {
                        Some(Handled::Blocked) => {
                            c.blocked_front = Some(consumed);
                            c.restore_input(input, 0, now);
                            return;
                        }
                        Some(Handled::Reply(reply, start)) => {
                            c.restore_input(input, consumed, now);
                            self.send_reply(id, &reply, start, now);
                        }
                        None => c.restore_input(input, consumed, now),
                    }
                }
                Err(e) => {
                    let dialect = dialect.unwrap_or_else(|| {
                        if looks_like_lab(&input) {
                            Dialect::Lab
                        } else {
                            Dialect::Standard
                        }
                    });
                    c.media_answer = None;
                    let peer = c.peer;
                    let method = first_word(&input);
                    let mut out = Vec::new();
                    write_error(&mut out, dialect, e.status(), e.cseq, None);
                    c.push_outgoing(&out);
                    match e.resync {
                        Some(n) => c.restore_input(input, n, now),
                        None => c.discard_input(),
                    }
                    self.events.push_back(ServerEvent::RequestFailed {
                        peer,
                        method,
                        status: e.status().0,
                        detail: e.to_string(),
                    });
                    self.announce(now, id);
                    if e.resync.is_none() {
                        self.close_connection(now, id);
                        return;
                    }
                }
            }
        }
    }

    /// Writes a reply in the connection's dialect, logs failures, and
    /// starts a session's stream after its PLAY reply is out.
    fn send_reply(&mut self, id: ConnectionId, reply: &Reply, start: Option<usize>, now: Instant) {
        let timeout = self.config.session_timeout;
        let name = self.config.server_name.clone();
        let Some(c) = self.conn_mut(id) else { return };
        let mut out = Vec::new();
        write_reply(
            &mut out,
            c.dialect.unwrap_or_default(),
            reply,
            timeout,
            &name,
        );
        c.push_outgoing(&out);
        self.announce(now, id);
        if let Some(s) = start {
            self.pump_session(now, s);
        }
    }

    fn handle_message(
        &mut self,
        now: Instant,
        id: ConnectionId,
        message: Message<'_>,
    ) -> Option<Handled> {
        match message {
            Message::Request(req) => Some(self.handle_request(now, id, &req)),
            Message::Interleaved(frame) => {
                // RTCP from an interleaved client (its receiver reports).
                let s = self.sessions.iter().position(|s| {
                    s.as_ref().is_some_and(|s| {
                        s.owner == id
                            && matches!(s.transport, TransportKind::Interleaved { rtcp_channel, .. } if rtcp_channel == frame.channel)
                    })
                });
                if let Some(s) = s.and_then(|s| self.sessions[s].as_mut()) {
                    s.handle_rtcp(now, frame.payload);
                }
                None
            }
            // Clients do not send responses to a server that sends no
            // requests; ignore any.
            Message::Response(_) => None,
        }
    }

    fn handle_request(&mut self, now: Instant, id: ConnectionId, req: &Request<'_>) -> Handled {
        let peer;
        {
            let Some(c) = self.conn_mut(id) else {
                return Handled::Blocked;
            };
            if c.dialect.is_none() {
                let lab = matches!(parse_request_uri(req.uri), Ok(RequestUri::Bare(_)));
                c.dialect = Some(if lab { Dialect::Lab } else { Dialect::Standard });
            }
            c.touch(now);
            peer = c.peer;
        }
        let handled = self.dispatch(now, id, req);
        if let Handled::Reply(reply, _) = &handled {
            if !reply.status.is_success() {
                self.events.push_back(ServerEvent::RequestFailed {
                    peer,
                    method: req.method_token.to_string(),
                    status: reply.status.0,
                    detail: reply.detail.clone(),
                });
            }
        }
        handled
    }

    fn dispatch(&mut self, now: Instant, id: ConnectionId, req: &Request<'_>) -> Handled {
        let cseq = match req.headers.cseq() {
            Ok(Some(n)) => n,
            Ok(None) => {
                return reply(
                    Reply::error(StatusCode::BAD_REQUEST, "no CSeq header"),
                    None,
                );
            }
            Err(e) => {
                return reply(
                    Reply::error(StatusCode::BAD_REQUEST, format!("bad CSeq: {e}")),
                    None,
                );
            }
        };
        let with_cseq = |r: Reply| with_cseq(r, cseq);
        if let Some(required) = req.headers.get("Require") {
            // We implement no RTSP option tags (RFC 2326 Section 12.32).
            return Handled::Reply(
                with_cseq(
                    Reply::error(
                        StatusCode::OPTION_NOT_SUPPORTED,
                        format!("Require: {required}"),
                    )
                    .header("Unsupported", required),
                ),
                None,
            );
        }
        let dialect = self.conn(id).and_then(|c| c.dialect);
        let session = match req.headers.session() {
            // A session belongs to the dialect that set it up: a lab reply
            // must carry a decimal id (the lab client reads it with int()),
            // and a lab session has no RTCP or RTP-Info for a standard
            // client. Another dialect's id is no session of this one.
            Ok(Some(h)) => match self
                .session_ids
                .get(h.id)
                .filter(|&&s| self.sessions[s].as_ref().map(|x| x.dialect) == dialect)
            {
                Some(&s) => Some(s),
                None => {
                    return Handled::Reply(
                        with_cseq(Reply::error(
                            StatusCode::SESSION_NOT_FOUND,
                            format!("no session {:?}", h.id),
                        )),
                        None,
                    );
                }
            },
            Ok(None) => None,
            Err(e) => {
                return Handled::Reply(
                    with_cseq(Reply::error(
                        StatusCode::SESSION_NOT_FOUND,
                        format!("bad Session header: {e}"),
                    )),
                    None,
                );
            }
        };
        if let Some(s) = session {
            if let Some(sess) = self.sessions[s].as_mut() {
                sess.touch(now);
            }
        }
        let needs_session = matches!(
            req.method,
            Some(Method::Play | Method::Pause | Method::Teardown)
        );
        if needs_session && session.is_none() {
            // RFC 2326 Section 11.3.9: 454 covers a missing Session header.
            return Handled::Reply(
                with_cseq(Reply::error(
                    StatusCode::SESSION_NOT_FOUND,
                    "no Session header",
                )),
                None,
            );
        }
        let state = session
            .and_then(|s| self.sessions[s].as_ref())
            .map_or(State::Init, |s| s.state);
        let transition = match server_transition(state, req.method) {
            Ok(t) => t,
            Err(refusal) => {
                let mut r = Reply::error(
                    refusal.status,
                    format!("{} not valid in state {state}", req.method_token),
                );
                if let Some(allow) = refusal.allow {
                    r = r.allow(allow);
                }
                if refusal.status == StatusCode::NOT_IMPLEMENTED {
                    r = r.header("Public", format!("{}", public_methods()));
                }
                return Handled::Reply(with_cseq(self.attach_session(r, session)), None);
            }
        };
        let Some(method) = req.method else {
            return Handled::Reply(
                with_cseq(Reply::error(StatusCode::NOT_IMPLEMENTED, "unknown method")),
                None,
            );
        };
        let handled = match method {
            Method::Options => reply(
                Reply::ok().header("Public", format!("{}", public_methods())),
                None,
            ),
            Method::Describe => self.describe(id, req),
            Method::Setup => self.setup(now, id, req, session),
            Method::Play => self.play(now, req, session),
            Method::Pause => self.pause(session),
            Method::Teardown => self.teardown(now, session),
            Method::GetParameter | Method::SetParameter => {
                if req.body.iter().all(u8::is_ascii_whitespace) {
                    reply(Reply::ok(), None)
                } else {
                    // We have no parameters to get or set (RFC 2326 §10.8, §10.9).
                    reply(
                        Reply::error(StatusCode::PARAMETER_NOT_UNDERSTOOD, "unknown parameters"),
                        None,
                    )
                }
            }
            Method::Announce | Method::Record | Method::Redirect => {
                // server_transition refuses these.
                reply(
                    Reply::error(StatusCode::METHOD_NOT_ALLOWED, "not served"),
                    None,
                )
            }
        };
        match handled {
            Handled::Reply(r, start) => {
                // The one place a session's state changes: after its request
                // succeeded, to what the transition table says.
                if let (Transition::To(to), true, Some(s)) =
                    (transition, r.status.is_success(), session)
                {
                    if let Some(sess) = self.sessions[s].as_mut() {
                        sess.state = to;
                    }
                }
                let session = match method {
                    // A new session's id is already attached by setup().
                    Method::Setup | Method::Teardown => None,
                    _ => session,
                };
                Handled::Reply(with_cseq(self.attach_session(r, session)), start)
            }
            Handled::Blocked => Handled::Blocked,
        }
    }

    fn attach_session(&self, r: Reply, session: Option<usize>) -> Reply {
        match session.and_then(|s| self.sessions[s].as_ref()) {
            Some(s) if r.session.is_none() => r.session(&s.id),
            _ => r,
        }
    }

    /// The clip for `path`: the answer stored for the request at the front
    /// of the connection's input, or a new media request (then `None`).
    fn media_for(&mut self, id: ConnectionId, path: &str) -> Option<Result<Arc<Clip>, MediaError>> {
        let c = self.conn_mut(id)?;
        if let Some((_, answer)) = c.media_answer.take() {
            return Some(answer);
        }
        let request = MediaRequestId(self.next_media_request);
        self.next_media_request += 1;
        if let Some(c) = self.conn_mut(id) {
            c.waiting_for = Some(request);
        }
        self.events.push_back(ServerEvent::MediaRequest {
            request,
            path: path.to_string(),
        });
        None
    }

    fn describe(&mut self, id: ConnectionId, req: &Request<'_>) -> Handled {
        let path = match media_path(req.uri, false) {
            Ok(p) => p,
            Err(r) => return reply(r, None),
        };
        let clip = match self.media_for(id, &path) {
            None => return Handled::Blocked,
            Some(Err(e)) => return reply(media_error(&path, &e), None),
            Some(Ok(clip)) => clip,
        };
        let Some(c) = self.conn(id) else {
            return Handled::Blocked;
        };
        let local = c.local;
        let duration = (!self.config.looping).then(|| {
            crate::pacing::Pacer::new(self.config.fps.max(1), 90_000, 0)
                .media_time(clip.len() as u64)
        });
        let session_id = self.random_u64() >> 1;
        let mut body = Vec::new();
        write_sdp(
            &mut body,
            &SdpParams {
                session_id,
                origin_address: local.ip(),
                session_name: &path,
                duration,
                framerate: self.config.fps,
                control: TRACK_CONTROL,
                width: Some(clip.width()),
                height: Some(clip.height()),
            },
        );
        let base = content_base(req.uri);
        let mut r = Reply::ok()
            .header("Content-Type", "application/sdp")
            .header("Content-Base", base);
        r.body = body;
        reply(r, None)
    }

    fn setup(
        &mut self,
        now: Instant,
        id: ConnectionId,
        req: &Request<'_>,
        session: Option<usize>,
    ) -> Handled {
        let path = match media_path(req.uri, true) {
            Ok(p) => p,
            Err(r) => return reply(r, None),
        };
        let Some(c) = self.conn(id) else {
            return Handled::Blocked;
        };
        let peer = c.peer;
        let dialect = c.dialect.unwrap_or_default();
        // Interleaved data travels on the connection that set the session
        // up: another connection naming it cannot have it there.
        let owner = session
            .and_then(|s| self.sessions[s].as_ref())
            .map_or(id, |s| s.owner);
        let others = || {
            self.sessions
                .iter()
                .enumerate()
                .filter(move |&(i, _)| Some(i) != session)
                .filter_map(|(_, s)| s.as_ref())
        };
        let taken: Vec<u8> = others()
            .filter(|s| s.owner == owner)
            .filter_map(|s| match s.transport {
                TransportKind::Interleaved {
                    rtp_channel,
                    rtcp_channel,
                } => Some([rtp_channel, rtcp_channel]),
                _ => None,
            })
            .flatten()
            .collect();
        let taken = (owner == id).then_some(&taken[..]);
        // One client address, one session: two would mix their streams
        // there, and its RTCP (rtcp_peers) could reach only one of them.
        let busy: Vec<SocketAddr> = others()
            .flat_map(|s| s.transport.client_addrs())
            .flatten()
            .collect();
        let transport = match choose_transport(req, peer, taken, &busy) {
            Ok(t) => t,
            Err(detail) => {
                return reply(
                    Reply::error(StatusCode::UNSUPPORTED_TRANSPORT, detail),
                    None,
                );
            }
        };
        if let Some(s) = session {
            // SETUP on an existing (READY) session: a new transport for the
            // same stream. Another file cannot join this session.
            let Some(sess) = self.sessions[s].as_mut() else {
                return Handled::Blocked;
            };
            if sess.path != path {
                return reply(
                    Reply::error(
                        StatusCode::AGGREGATE_OPERATION_NOT_ALLOWED,
                        format!("session {} plays {:?}, not {:?}", sess.id, sess.path, path),
                    ),
                    None,
                );
            }
            if let Some(old) = sess.client_rtcp() {
                self.rtcp_peers.remove(&old);
            }
            sess.transport = transport;
            let ssrc = sess.ssrc();
            let sid = sess.id.clone();
            if let Some(rtcp) = self.sessions[s].as_ref().and_then(Session::client_rtcp) {
                self.rtcp_peers.insert(rtcp, s);
            }
            let r = Reply::ok().session(&sid);
            return reply(self.transport_reply(r, &transport, ssrc, dialect), None);
        }
        if self.session_ids.len() >= self.config.max_sessions {
            return reply(
                Reply::error(StatusCode::SERVICE_UNAVAILABLE, "too many sessions"),
                None,
            );
        }
        if self.conn(id).map_or(0, |c| c.sessions) >= self.config.max_sessions_per_connection {
            return reply(
                Reply::error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too many sessions on this connection",
                ),
                None,
            );
        }
        let clip = match self.media_for(id, &path) {
            None => return Handled::Blocked,
            Some(Err(e)) => return reply(media_error(&path, &e), None),
            Some(Ok(clip)) => clip,
        };
        let sid = self.new_session_id(dialect);
        let random = SessionRandom {
            ssrc: self.rng_u32(),
            sequence: self.rng_u32() as u16,
            rtp_timestamp: self.rng_u32(),
        };
        let control_url = control_url(req.uri);
        let sess = Session::new(
            sid.clone(),
            id,
            peer,
            path,
            control_url,
            dialect,
            transport,
            clip,
            random,
            now,
            &self.config,
        );
        let ssrc = sess.ssrc();
        let info = sess.info();
        let slot = match self.sessions.iter().position(Option::is_none) {
            Some(i) => i,
            None => {
                self.sessions.push(None);
                self.sessions.len() - 1
            }
        };
        if let Some(rtcp) = sess.client_rtcp() {
            self.rtcp_peers.insert(rtcp, slot);
        }
        self.sessions[slot] = Some(sess);
        self.session_ids.insert(sid.clone(), slot);
        if let Some(c) = self.conn_mut(id) {
            c.sessions += 1;
        }
        self.events.push_back(ServerEvent::SessionStarted(info));
        let r = Reply::ok().session(&sid);
        reply(self.transport_reply(r, &transport, ssrc, dialect), None)
    }

    fn transport_reply(&self, r: Reply, t: &TransportKind, ssrc: u32, dialect: Dialect) -> Reply {
        if dialect == Dialect::Lab {
            // The lab client reads three lines and nothing else.
            return r;
        }
        let value = match *t {
            TransportKind::Udp { rtp, rtcp } => format!(
                "RTP/AVP;unicast;client_port={}-{};server_port={}-{};ssrc={:08X};mode=\"PLAY\"",
                rtp.port(),
                rtcp.port(),
                self.config.rtp_port,
                self.config.rtcp_port,
                ssrc
            ),
            TransportKind::Interleaved {
                rtp_channel,
                rtcp_channel,
            } => format!(
                "RTP/AVP/TCP;unicast;interleaved={rtp_channel}-{rtcp_channel};ssrc={ssrc:08X};mode=\"PLAY\""
            ),
            TransportKind::LabUdp { rtp } => format!("RTP/UDP;client_port={}", rtp.port()),
        };
        r.header("Transport", value)
    }

    fn play(&mut self, now: Instant, req: &Request<'_>, session: Option<usize>) -> Handled {
        let Some(s) = session else {
            return Handled::Blocked;
        };
        let from = match req.headers.range() {
            Ok(None) => None,
            Ok(Some(range)) => match range.start {
                NptTime::Now => None,
                NptTime::At(t) => Some(t),
            },
            Err(e) => {
                return reply(
                    Reply::error(StatusCode::INVALID_RANGE, format!("Range: {e}")),
                    None,
                );
            }
        };
        let config = self.config.clone();
        let Some(sess) = self.sessions[s].as_mut() else {
            return Handled::Blocked;
        };
        match sess.play(now, from, &config) {
            Ok(start) => {
                let end = sess
                    .duration(&config)
                    .map(|d| format!("{}.{:03}", d.as_secs(), d.subsec_millis()))
                    .unwrap_or_default();
                let r = Reply::ok()
                    .header(
                        "Range",
                        format!(
                            "npt={}.{:03}-{end}",
                            start.npt.as_secs(),
                            start.npt.subsec_millis()
                        ),
                    )
                    .header(
                        "RTP-Info",
                        format!(
                            "url={};seq={};rtptime={}",
                            sess.control_url, start.sequence, start.rtp_timestamp
                        ),
                    );
                reply(r, Some(s))
            }
            Err(duration) => reply(
                Reply::error(
                    StatusCode::INVALID_RANGE,
                    format!(
                        "range starts past the end ({:.3} s)",
                        duration.as_secs_f64()
                    ),
                ),
                None,
            ),
        }
    }

    fn pause(&mut self, session: Option<usize>) -> Handled {
        let Some(sess) = session.and_then(|s| self.sessions[s].as_mut()) else {
            return Handled::Blocked;
        };
        let at = sess.pause();
        reply(
            Reply::ok().header(
                "Range",
                format!("npt={}.{:03}-", at.as_secs(), at.subsec_millis()),
            ),
            None,
        )
    }

    fn teardown(&mut self, now: Instant, session: Option<usize>) -> Handled {
        let Some(s) = session else {
            return Handled::Blocked;
        };
        let Some(sid) = self.sessions[s].as_ref().map(|x| x.id.clone()) else {
            return Handled::Blocked;
        };
        self.end_session(now, s, super::EndReason::Teardown, true);
        reply(Reply::ok().session(&sid), None)
    }

    fn rng_u32(&mut self) -> u32 {
        (self.random_u64() >> 32) as u32
    }

    /// A fresh session id: 64 random bits, as 16 hex digits, or (lab
    /// dialect, whose client reads it with `int()`) as a non-zero decimal.
    fn new_session_id(&mut self, dialect: Dialect) -> String {
        loop {
            let n = self.random_u64();
            let id = match dialect {
                Dialect::Standard => format!("{n:016X}"),
                Dialect::Lab if n == 0 => continue,
                Dialect::Lab => format!("{n}"),
            };
            if !self.session_ids.contains_key(&id) {
                return id;
            }
        }
    }
}

fn reply(r: Reply, start: Option<usize>) -> Handled {
    Handled::Reply(r, start)
}

fn with_cseq(mut r: Reply, cseq: u32) -> Reply {
    r.cseq = Some(cseq);
    r
}

fn first_word(input: &[u8]) -> String {
    let start = input
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(input.len());
    let word: Vec<u8> = input[start..]
        .iter()
        .take_while(|b| b.is_ascii_graphic())
        .take(32)
        .copied()
        .collect();
    String::from_utf8_lossy(&word).into_owned()
}

/// The media path a request names: percent-decoded, without a leading or
/// trailing `/`, and for SETUP without our stream's control suffix.
fn media_path(uri: &str, strip_control: bool) -> Result<String, Reply> {
    let parsed = parse_request_uri(uri)
        .map_err(|e| Reply::error(StatusCode::BAD_REQUEST, format!("bad URI: {e}")))?;
    let decoded = parsed
        .decoded_path()
        .map_err(|e| Reply::error(StatusCode::BAD_REQUEST, format!("bad URI: {e}")))?;
    let mut path: &str = decoded.trim_matches('/');
    if strip_control {
        if let Some(p) = path.strip_suffix(TRACK_CONTROL) {
            path = p.trim_end_matches('/');
        }
    }
    if path.is_empty() {
        return Err(Reply::error(StatusCode::NOT_FOUND, "no file named"));
    }
    Ok(path.to_string())
}

fn media_error(path: &str, e: &MediaError) -> Reply {
    let status = match e {
        MediaError::NotFound => StatusCode::NOT_FOUND,
        MediaError::NotPlayable(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        MediaError::Unreadable(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    Reply::error(status, format!("{path:?}: {e}"))
}

/// `Content-Base` for a DESCRIBE: the request URL with a trailing `/`, so
/// our relative `a=control:trackID=0` resolves to `<url>/trackID=0`.
fn content_base(uri: &str) -> String {
    let uri = uri.split(['?', '#']).next().unwrap_or(uri);
    if uri.ends_with('/') {
        uri.to_string()
    } else {
        format!("{uri}/")
    }
}

/// The URL of the stream a SETUP named (for RTP-Info).
fn control_url(uri: &str) -> String {
    uri.split(['?', '#']).next().unwrap_or(uri).to_string()
}

/// Picks the first transport spec we can serve (RFC 2326 Section 12.39: the
/// client lists them in order of preference).
fn choose_transport(
    req: &Request<'_>,
    peer: SocketAddr,
    taken_channels: Option<&[u8]>,
    busy_addrs: &[SocketAddr],
) -> Result<TransportKind, String> {
    let Some(list) = req.headers.transports() else {
        return Err(String::from("no Transport header"));
    };
    let mut why = String::from("no supported transport offered");
    for spec in list {
        let spec = match spec {
            Ok(s) => s,
            Err(e) => {
                why = format!("{e}");
                continue;
            }
        };
        match try_transport(&spec, peer, taken_channels) {
            Ok(t)
                if t.client_addrs()
                    .iter()
                    .flatten()
                    .any(|a| busy_addrs.contains(a)) =>
            {
                why = format!("{t}: client port in use by another session");
            }
            Ok(t) => return Ok(t),
            Err(e) => why = e,
        }
    }
    Err(why)
}

/// `taken`: the interleaved channels in use on the connection that would
/// carry the data, or `None` when that is not the requester's connection.
fn try_transport(
    spec: &TransportSpec<'_>,
    peer: SocketAddr,
    taken: Option<&[u8]>,
) -> Result<TransportKind, String> {
    if let Some(mode) = spec.mode {
        if !mode.eq_ignore_ascii_case("PLAY") {
            return Err(format!("mode {mode} is not served"));
        }
    }
    if spec.unicast == Some(false) {
        return Err(String::from("multicast is not served"));
    }
    if let Some(dest) = spec.destination {
        // RTP only ever goes to the client that asked, so the server cannot
        // be aimed at a third party.
        let same = dest
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<IpAddr>()
            .ok()
            == Some(peer.ip());
        if !same {
            return Err(format!("destination {dest} is not the client's address"));
        }
    }
    let ip = peer.ip();
    match (spec.profile, spec.lower) {
        (Profile::RtpAvp, LowerTransport::Udp) => {
            let ports = spec
                .client_port
                .ok_or_else(|| String::from("UDP transport without client_port"))?;
            if ports.rtp == 0 {
                return Err(String::from("client_port 0"));
            }
            let rtcp = ports
                .rtcp
                .or(ports.rtp.checked_add(1))
                .filter(|&p| p != 0 && p != ports.rtp)
                .ok_or_else(|| format!("no usable RTCP port with client_port {}", ports.rtp))?;
            Ok(TransportKind::Udp {
                rtp: SocketAddr::new(ip, ports.rtp),
                rtcp: SocketAddr::new(ip, rtcp),
            })
        }
        (Profile::RtpAvp, LowerTransport::Tcp) => {
            let taken = taken.ok_or_else(|| {
                String::from("interleaved only on the connection that set the session up")
            })?;
            let (rtp_channel, rtcp_channel) = match spec.interleaved {
                Some(ch) => {
                    let rtcp = ch
                        .rtcp
                        .or(ch.rtp.checked_add(1))
                        .filter(|&c| c != ch.rtp)
                        .ok_or_else(|| {
                            format!("no usable RTCP channel with interleaved={}", ch.rtp)
                        })?;
                    (ch.rtp, rtcp)
                }
                None => {
                    // The client leaves the choice to us: the lowest free pair.
                    let free = (0..=254u8)
                        .step_by(2)
                        .find(|c| !taken.contains(c) && !taken.contains(&(c + 1)))
                        .ok_or_else(|| String::from("no free interleaved channels"))?;
                    (free, free + 1)
                }
            };
            if taken.contains(&rtp_channel) || taken.contains(&rtcp_channel) {
                return Err(format!(
                    "interleaved channels {rtp_channel}-{rtcp_channel} are in use"
                ));
            }
            Ok(TransportKind::Interleaved {
                rtp_channel,
                rtcp_channel,
            })
        }
        (Profile::LabRtpUdp, _) => {
            let ports = spec
                .client_port
                .ok_or_else(|| String::from("RTP/UDP without client_port"))?;
            if ports.rtp == 0 {
                return Err(String::from("client_port 0"));
            }
            Ok(TransportKind::LabUdp {
                rtp: SocketAddr::new(ip, ports.rtp),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            media_path("rtsp://h:1/a/b.Mjpeg/", false).unwrap(),
            "a/b.Mjpeg"
        );
        assert_eq!(
            media_path("rtsp://h/b.Mjpeg/trackID=0", true).unwrap(),
            "b.Mjpeg"
        );
        assert_eq!(media_path("movie.Mjpeg", true).unwrap(), "movie.Mjpeg");
        assert_eq!(
            media_path("rtsp://h/a%20b.Mjpeg", false).unwrap(),
            "a b.Mjpeg"
        );
        assert_eq!(
            media_path("rtsp://h/", false).unwrap_err().status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(content_base("rtsp://h/x.Mjpeg"), "rtsp://h/x.Mjpeg/");
        assert_eq!(content_base("rtsp://h/x.Mjpeg/"), "rtsp://h/x.Mjpeg/");
    }

    /// Found by fuzz target `server`: a lab-dialect connection naming a
    /// standard session's (hexadecimal) id got a lab reply whose Session
    /// line the lab client's `int()` cannot read.
    #[test]
    fn sessions_belong_to_their_dialect() {
        use crate::clip::{Clip, ClipConfig};
        use crate::server::{ServerConfig, ServerEvent};
        use std::string::String;

        let data = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/media/lab-384x288-444.Mjpeg"
        ))
        .unwrap();
        let config = ClipConfig {
            mtu: 1400,
            normalize: false,
        };
        let clip = Arc::new(Clip::build("movie.Mjpeg", data, &config).unwrap());
        let now = Instant::ZERO;
        let mut s = Server::new(ServerConfig::default(), [1; 32]);
        let local: SocketAddr = "10.0.0.1:554".parse().unwrap();
        let a = s
            .handle_connect(now, local, "10.0.0.2:4000".parse().unwrap())
            .unwrap();
        let b = s
            .handle_connect(now, local, "10.0.0.2:4001".parse().unwrap())
            .unwrap();
        s.handle_stream_data(
            now,
            a,
            b"SETUP rtsp://10.0.0.1/movie.Mjpeg/trackID=0 RTSP/1.0\r\nCSeq: 1\r\n\
              Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n",
        );
        while let Some(ev) = s.poll_event() {
            if let ServerEvent::MediaRequest { request, .. } = ev {
                s.handle_media(now, request, Ok(clip.clone()));
            }
        }
        let reply = String::from_utf8(s.stream_outgoing(a).to_vec()).unwrap();
        let id = reply
            .lines()
            .find_map(|l| l.strip_prefix("Session: "))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let pause = format!("PAUSE movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: {id}\n\n");
        s.handle_stream_data(now, b, pause.as_bytes());
        assert_eq!(
            s.stream_outgoing(b),
            b"RTSP/1.0 454 Session Not Found\nCSeq: 2\nSession: 0"
        );
    }
}
