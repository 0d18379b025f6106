//! Target `rtsp_message`: one RTSP message (request, response or
//! interleaved frame) at the start of a buffer, `stream_core::rtsp::parse`.
//!
//! Input: one flag byte choosing `end_of_input` and (optionally, five more
//! bytes) small limits, see [`crate::util::parse_options`]; the rest is the
//! buffer.
//!
//! Oracles:
//! - the answer is consistent with the buffer: `Complete(n)` and
//!   `resync: Some(n)` have `0 < n <= len`;
//! - parse → emit → parse gives the same message and the whole emitted
//!   buffer; emitting that again gives the same bytes (emit is canonical);
//! - every split point: with `end_of_input` off, the answers for the
//!   prefixes of the buffer are `Partial` up to some length, and from that
//!   length on they all equal the answer for the whole buffer (a server
//!   that receives the bytes in any chunks acts exactly as if they came at
//!   once);
//! - the limits hold: a buffer larger than head + body limits (or, for an
//!   interleaved frame, than its 16-bit length allows) is never `Partial`;
//! - every typed accessor of a parsed message answers without panicking.

use stream_core::rtsp::{self, Message, ParseOptions, Status};

use crate::util::{Outcome, emit, outcome, parse_options};

/// Buffers up to this length have every prefix checked; longer ones a
/// sample (the check is quadratic).
const ALL_PREFIXES_UP_TO: usize = 768;

/// Runs the target.
pub fn run(data: &[u8]) {
    let (opts, buf) = parse_options(data);
    check_answer(buf, &opts);
    if !opts.end_of_input {
        check_split_points(buf, &opts);
    }
    check_limits(buf, &opts);
}

fn check_answer(buf: &[u8], opts: &ParseOptions) {
    match rtsp::parse(buf, opts) {
        Ok(Status::Complete((m, n))) => {
            assert!(n > 0 && n <= buf.len(), "consumed {n} of {}", buf.len());
            exercise_accessors(&m);
            let out = emit(&m);
            let again = rtsp::parse(&out, opts);
            match &again {
                Ok(Status::Complete((m2, n2))) => {
                    assert_eq!(*n2, out.len(), "re-parse of {out:?} left bytes");
                    assert_eq!(m2, &m, "emit changed the message: {out:?}");
                    assert_eq!(emit(m2), out, "emit is not canonical");
                }
                other => panic!("{m:?} emitted as {out:?} re-parsed as {other:?}"),
            }
        }
        Ok(Status::Partial) => {}
        Err(e) => {
            if let Some(n) = e.resync {
                assert!(n > 0 && n <= buf.len(), "resync {n} of {}", buf.len());
            }
            let _ = (e.status(), e.to_string());
        }
    }
}

/// The answers for `buf[..k]`, k = 0..=len, are Partial and then, from the
/// first k that is not, the same as for the whole buffer.
fn check_split_points(buf: &[u8], opts: &ParseOptions) {
    let whole = outcome(buf, opts);
    let mut settled = false;
    let mut check = |k: usize| {
        let o = outcome(&buf[..k], opts);
        if settled {
            assert_eq!(o, whole, "prefix {k} of {buf:?} changed its answer");
        } else if o != Outcome::Partial {
            assert_eq!(
                o, whole,
                "prefix {k} of {buf:?} answers differently from the whole"
            );
            settled = true;
        }
    };
    if buf.len() <= ALL_PREFIXES_UP_TO {
        (0..=buf.len()).for_each(&mut check);
    } else {
        // The first and last stretches, where answers change, then a stride.
        let head = 0..=ALL_PREFIXES_UP_TO / 2;
        let stride = (ALL_PREFIXES_UP_TO / 2..buf.len() - ALL_PREFIXES_UP_TO / 2)
            .step_by(buf.len() / 64 + 1);
        let tail = buf.len() - ALL_PREFIXES_UP_TO / 2..=buf.len();
        head.chain(stride).chain(tail).for_each(&mut check);
    }
}

/// A buffer past the limits is never Partial: a peer cannot make a caller
/// that follows the parser's answers buffer without bound.
fn check_limits(buf: &[u8], opts: &ParseOptions) {
    let l = &opts.limits;
    let start = rtsp::skip_empty_lines(buf);
    let rest = &buf[start..];
    let bound = if rest.first() == Some(&b'$') {
        start + 4 + 65535
    } else {
        l.max_head_len + l.max_body_len
    };
    if buf.len() > bound {
        assert_ne!(
            outcome(buf, opts),
            Outcome::Partial,
            "{} bytes past the limits {l:?} still Partial",
            buf.len()
        );
    }
}

fn exercise_accessors(m: &Message<'_>) {
    let headers = match m {
        Message::Request(r) => {
            if let Ok(uri) = r.request_uri() {
                let _ = uri.decoded_path();
            }
            &r.headers
        }
        Message::Response(r) => {
            let _ = (r.status.reason(), r.status.is_success());
            &r.headers
        }
        Message::Interleaved(_) => return,
    };
    let _ = headers.cseq();
    let _ = headers.session();
    let _ = headers.range();
    let _ = headers.content_length();
    let _ = (headers.public(), headers.allow());
    if let Some(list) = headers.transports() {
        list.for_each(drop);
    }
    if let Some(list) = headers.rtp_info() {
        list.for_each(drop);
    }
}
