//! Target `rtsp_stream`: a connection's byte stream of RTSP messages and
//! interleaved `$` frames, read the way a server or client reads it.
//!
//! Input: one byte `c` (its low 4 bits: how many chunk-size bytes follow),
//! then those chunk sizes, then the stream. The stream is delivered in
//! chunks of those sizes (cycled; 1 to 256 bytes), appended to an inbox
//! that is parsed after each chunk, the way a read loop does.
//!
//! Oracles:
//! - the sequence of answers (messages, errors with their resync points,
//!   then `Partial` or a fatal error) is the same whatever the chunking
//!   (the input's chunk sizes, and byte by byte for streams up to 1 KiB),
//!   and the same as when the whole stream is in the buffer at once;
//! - every interleaved frame re-emitted by `write_interleaved` and every
//!   message re-emitted by `emit` parses back to itself;
//! - the inbox never holds more than the limits allow plus one chunk.

use stream_core::rtsp::{self, Message, ParseOptions, Status};

use crate::util::{Outcome, emit};

/// Runs the target.
pub fn run(data: &[u8]) {
    let Some((&c, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(c & 0x0F).min(rest.len());
    let (sizes, stream) = rest.split_at(n);
    let sizes: Vec<usize> = if sizes.is_empty() {
        vec![stream.len().max(1)]
    } else {
        sizes.iter().map(|&s| usize::from(s) + 1).collect()
    };
    let opts = ParseOptions::default();
    let whole = read_all(stream, &[stream.len().max(1)], &opts);
    let chunked = read_all(stream, &sizes, &opts);
    assert_eq!(chunked, whole, "chunks {sizes:?} changed the answers");
    // Byte by byte re-parses the inbox at every byte: quadratic, so only
    // for streams short enough to keep the target fast.
    if stream.len() <= 1024 {
        let bytewise = read_all(stream, &[1], &opts);
        assert_eq!(bytewise, whole, "byte-by-byte delivery changed the answers");
    }
}

/// Feeds `stream` in chunks of `sizes` (cycled) and records every answer
/// that is not `Partial`, then how the stream ended.
fn read_all(stream: &[u8], sizes: &[usize], opts: &ParseOptions) -> Vec<Outcome> {
    let limits = &opts.limits;
    let cap = (limits.max_head_len + limits.max_body_len).max(4 + 65535);
    let mut answers = Vec::new();
    let mut inbox: Vec<u8> = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < stream.len() {
        let n = sizes[i % sizes.len()].min(stream.len() - at);
        i += 1;
        inbox.extend_from_slice(&stream[at..at + n]);
        at += n;
        loop {
            let r = rtsp::parse(&inbox, opts);
            let o = Outcome::of(&r);
            if let Ok(Status::Complete((m, _))) = &r {
                check_reemit(m, opts);
            }
            match o.advance() {
                Some(k) => {
                    answers.push(o);
                    inbox.drain(..k);
                }
                None if o == Outcome::Partial => break,
                None => {
                    // A fatal error: the connection closes.
                    answers.push(o);
                    return answers;
                }
            }
        }
        assert!(
            inbox.len() <= cap,
            "inbox of {} bytes is Partial past the limits",
            inbox.len()
        );
    }
    answers.push(Outcome::Partial);
    answers
}

fn check_reemit(m: &Message<'_>, opts: &ParseOptions) {
    let out = match m {
        Message::Interleaved(f) => {
            let mut out = Vec::new();
            rtsp::write_interleaved(&mut out, f.channel, f.payload)
                .expect("a parsed frame fits its length field");
            assert_eq!(out, emit(m));
            out
        }
        _ => emit(m),
    };
    match rtsp::parse(&out, opts) {
        Ok(Status::Complete((again, n))) => {
            assert_eq!(n, out.len());
            assert_eq!(&again, m);
        }
        other => panic!("{m:?} re-emitted as {out:?} parsed as {other:?}"),
    }
}
