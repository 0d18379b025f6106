//! Small helpers shared by the targets.

use stream_core::rtsp::{self, Limits, Message, ParseError, ParseOptions, Status};

/// Fuzz bytes as text: valid UTF-8 is taken as is, anything else lossily
/// (so the typed-header targets also see the replacement character).
pub fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Parser options from the first byte of `data` (and, when that byte asks
/// for small limits, the next five), and the rest of `data`.
///
/// Bit 0 of the first byte sets `end_of_input`; bit 1 replaces the default
/// limits by small ones, so that inputs a few hundred bytes long reach
/// every limit. Without a first byte: defaults, empty buffer.
pub fn parse_options(data: &[u8]) -> (ParseOptions, &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return (ParseOptions::default(), data);
    };
    let mut opts = ParseOptions {
        end_of_input: flags & 1 != 0,
        ..ParseOptions::default()
    };
    if flags & 2 == 0 {
        return (opts, rest);
    }
    let Some((l, rest)) = rest.split_first_chunk::<5>() else {
        return (opts, rest);
    };
    opts.limits = Limits {
        max_start_line: 4 + usize::from(l[0]),
        max_header_line: 4 + usize::from(l[1]),
        max_headers: usize::from(l[2] % 40),
        max_head_len: 8 + 4 * usize::from(l[3]),
        max_body_len: 2 * usize::from(l[4]),
    };
    (opts, rest)
}

/// An owned, comparable summary of one parse answer: the message's debug
/// form (which shows every field) and its length, or the error's status,
/// CSeq and resync point, or `Partial`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `Complete`: the message's `Debug` text and the bytes it consumed.
    Complete(String, usize),
    /// `Err`: what a server answers and how it goes on.
    Error {
        /// The status code a server answers with.
        status: u16,
        /// The CSeq read before the error.
        cseq: Option<u32>,
        /// Where the stream resumes.
        resync: Option<usize>,
    },
    /// `Partial`.
    Partial,
}

impl Outcome {
    /// Summarises a parse answer.
    pub fn of(r: &Result<Status<(Message<'_>, usize)>, ParseError>) -> Outcome {
        match r {
            Ok(Status::Complete((m, n))) => Outcome::Complete(format!("{m:?}"), *n),
            Ok(Status::Partial) => Outcome::Partial,
            Err(e) => Outcome::Error {
                status: e.status().0,
                cseq: e.cseq,
                resync: e.resync,
            },
        }
    }

    /// The number of bytes a caller drops after this answer, if it goes on.
    pub fn advance(&self) -> Option<usize> {
        match self {
            Outcome::Complete(_, n) => Some(*n),
            Outcome::Error { resync, .. } => *resync,
            Outcome::Partial => None,
        }
    }
}

/// Parses `buf` and summarises the answer.
pub fn outcome(buf: &[u8], opts: &ParseOptions) -> Outcome {
    Outcome::of(&rtsp::parse(buf, opts))
}

/// Re-emits a parsed message.
pub fn emit(m: &Message<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    m.emit(&mut out)
        .expect("a parsed interleaved frame always fits its 16-bit length");
    out
}

/// Reads the operation encodings of the state-machine targets: bytes,
/// big-endian numbers and length-prefixed byte strings. Every read past the
/// end answers `None`, which ends the input.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    data: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Cursor { data }
    }

    /// Whether everything has been read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// One byte.
    pub fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.data.split_first()?;
        self.data = rest;
        Some(b)
    }

    /// A big-endian u16.
    pub fn u16(&mut self) -> Option<u16> {
        let (b, rest) = self.data.split_first_chunk::<2>()?;
        self.data = rest;
        Some(u16::from_be_bytes(*b))
    }

    /// A byte string of one length byte and that many bytes (fewer if the
    /// input ends first).
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::from(self.u8()?).min(self.data.len());
        let (b, rest) = self.data.split_at(len);
        self.data = rest;
        Some(b)
    }
}
