//! The `RTP-Info` header (RFC 2326 Section 12.33): for each stream of a
//! PLAY reply, the sequence number and RTP timestamp of the first packet
//! sent after the PLAY, so the client can map RTP time to the Range it
//! asked for.

use core::fmt;

use super::header::{HeaderError, parse_decimal, split_param, trim_lws, unquote};

/// One stream's entry: `url=rtsp://h/s/trackID=0;seq=1234;rtptime=5678`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RtpInfoEntry<'a> {
    /// The stream's URL, without quotes.
    pub url: &'a str,
    /// `seq=`: the first packet's RTP sequence number (16 bits).
    pub seq: Option<u16>,
    /// `rtptime=`: the first packet's RTP timestamp.
    pub rtptime: Option<u32>,
}

/// Parameter names that end a URL: a `;` is legal inside a URL, so a URL
/// runs up to the first `;` that is followed by one of these.
const PARAMS: [&str; 3] = ["seq", "rtptime", "ssrc"];

fn starts_param(after_semicolon: &str) -> bool {
    let (name, value) = split_param(after_semicolon);
    value.is_some() && PARAMS.iter().any(|p| name.eq_ignore_ascii_case(p))
}

impl<'a> RtpInfoEntry<'a> {
    /// Parses one entry (no list separator).
    ///
    /// The URL may be quoted (`url="..."`, RTSP 2.0 style) and may contain
    /// `;`: it ends at the first `;` followed by `seq=`, `rtptime=` or
    /// `ssrc=`. Unknown parameters are ignored.
    pub fn parse(value: &'a str) -> Result<Self, HeaderError> {
        let v = trim_lws(value);
        let (name, rest) = v
            .split_once('=')
            .ok_or(HeaderError::Malformed("RTP-Info"))?;
        if !trim_lws(name).eq_ignore_ascii_case("url") {
            return Err(HeaderError::Malformed("RTP-Info"));
        }
        let rest = rest.trim_start_matches([' ', '\t']);
        let (url, params) = if let Some(q) = rest.strip_prefix('"') {
            let end = q.find('"').ok_or(HeaderError::Malformed("RTP-Info url"))?;
            let after = trim_lws(&q[end + 1..]);
            let params = match after.strip_prefix(';') {
                Some(p) => p,
                None if after.is_empty() => "",
                None => return Err(HeaderError::Malformed("RTP-Info")),
            };
            (&q[..end], params)
        } else {
            let mut split = None;
            for (i, b) in rest.bytes().enumerate() {
                if b == b';' && starts_param(&rest[i + 1..]) {
                    split = Some(i);
                    break;
                }
            }
            match split {
                Some(i) => (trim_lws(&rest[..i]), &rest[i + 1..]),
                None => (trim_lws(rest), ""),
            }
        };
        if url.is_empty() {
            return Err(HeaderError::Empty("RTP-Info url"));
        }
        let mut entry = RtpInfoEntry {
            url,
            seq: None,
            rtptime: None,
        };
        for p in params.split(';') {
            let (name, v) = split_param(p);
            if name.eq_ignore_ascii_case("seq") {
                let v = v.map(unquote).unwrap_or("");
                let n = parse_decimal(v, u64::from(u16::MAX))
                    .ok_or(HeaderError::InvalidNumber("RTP-Info seq"))?;
                entry.seq = Some(n as u16);
            } else if name.eq_ignore_ascii_case("rtptime") {
                let v = v.map(unquote).unwrap_or("");
                let n = parse_decimal(v, u64::from(u32::MAX))
                    .ok_or(HeaderError::InvalidNumber("RTP-Info rtptime"))?;
                entry.rtptime = Some(n as u32);
            }
        }
        Ok(entry)
    }
}

/// `url=<url>[;seq=<n>][;rtptime=<n>]`.
///
/// The URL is quoted (`url="..."`, which [`RtpInfoEntry::parse`] reads) when
/// it holds a `;` or `,` or starts or ends with blanks: written bare, it would
/// read back cut short or split (a URL ending in `,` looks like a list with
/// an empty last element). A URL with a `"` cannot be quoted and is written
/// as it is.
impl fmt::Display for RtpInfoEntry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = self.url;
        let ambiguous =
            u.contains([';', ',']) || u.starts_with([' ', '\t']) || u.ends_with([' ', '\t']);
        if ambiguous && !u.contains('"') {
            write!(f, "url=\"{u}\"")?;
        } else {
            write!(f, "url={u}")?;
        }
        if let Some(s) = self.seq {
            write!(f, ";seq={s}")?;
        }
        if let Some(t) = self.rtptime {
            write!(f, ";rtptime={t}")?;
        }
        Ok(())
    }
}

/// Displays a list of entries as one `RTP-Info` value, comma-separated:
/// `writer.header("RTP-Info", RtpInfoDisplay(&entries))`.
#[derive(Debug, Clone, Copy)]
pub struct RtpInfoDisplay<'e, 'a>(pub &'e [RtpInfoEntry<'a>]);

impl fmt::Display for RtpInfoDisplay<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// The entries of an `RTP-Info` value, one `Result` each.
///
/// Entries are separated by a comma followed by `url=` (case-insensitive,
/// whitespace allowed), so a comma inside a URL does not split it.
#[derive(Debug, Clone)]
pub struct RtpInfoList<'a> {
    rest: Option<&'a str>,
}

impl<'a> RtpInfoList<'a> {
    /// The entries of a raw `RTP-Info` header value.
    pub fn new(value: &'a str) -> Self {
        RtpInfoList { rest: Some(value) }
    }
}

fn starts_entry(s: &str) -> bool {
    let s = s.trim_start_matches([' ', '\t']);
    s.get(..3).is_some_and(|n| n.eq_ignore_ascii_case("url"))
        && s[3..].trim_start_matches([' ', '\t']).starts_with('=')
}

impl<'a> Iterator for RtpInfoList<'a> {
    type Item = Result<RtpInfoEntry<'a>, HeaderError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let s = self.rest?;
            let mut quoted = false;
            let mut cut = None;
            for (i, b) in s.bytes().enumerate() {
                match b {
                    b'"' => quoted = !quoted,
                    b',' if !quoted && starts_entry(&s[i + 1..]) => {
                        cut = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let item = match cut {
                Some(i) => {
                    self.rest = Some(&s[i + 1..]);
                    &s[..i]
                }
                None => {
                    self.rest = None;
                    s
                }
            };
            let item = trim_lws(item);
            // Tolerate a trailing comma (`url=a,`): empty elements are
            // allowed in RTSP lists (RFC 2326 Section 2 rule "#").
            let item = item.strip_suffix(',').map(trim_lws).unwrap_or(item);
            if !item.is_empty() {
                return Some(RtpInfoEntry::parse(item));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use std::vec::Vec;

    #[test]
    fn rfc_examples() {
        let v: Vec<_> = RtpInfoList::new(
            "url=rtsp://foo.com/bar.avi/streamid=0;seq=45102, url=rtsp://foo.com/bar.avi/streamid=1;seq=30211",
        )
        .collect();
        assert_eq!(
            v,
            [
                Ok(RtpInfoEntry {
                    url: "rtsp://foo.com/bar.avi/streamid=0",
                    seq: Some(45102),
                    rtptime: None
                }),
                Ok(RtpInfoEntry {
                    url: "rtsp://foo.com/bar.avi/streamid=1",
                    seq: Some(30211),
                    rtptime: None
                }),
            ]
        );
        // RFC 2326 Section 10.12's example has seq=232433, which does not
        // fit the 16-bit RTP sequence number it stands for.
        let v: Vec<_> =
            RtpInfoList::new("url=rtsp://foo.com/bar.file; seq=232433;rtptime=972948234").collect();
        assert_eq!(v, [Err(HeaderError::InvalidNumber("RTP-Info seq"))]);
    }

    #[test]
    fn urls_with_semicolons_commas_and_quotes() {
        let e = RtpInfoEntry::parse("url=rtsp://h/a;b,c=d;seq=1;rtptime=2").unwrap();
        assert_eq!(
            (e.url, e.seq, e.rtptime),
            ("rtsp://h/a;b,c=d", Some(1), Some(2))
        );
        let v: Vec<_> =
            RtpInfoList::new("url=rtsp://h/x,y;seq=1,URL = rtsp://h/z;rtptime=9,").collect();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].unwrap().url, "rtsp://h/x,y");
        assert_eq!(v[1].unwrap().url, "rtsp://h/z");
        assert_eq!(v[1].unwrap().rtptime, Some(9));
        let e = RtpInfoEntry::parse("url=\"rtsp://h/q;seq=5\";seq=6;ssrc=0A0B0C0D").unwrap();
        assert_eq!((e.url, e.seq), ("rtsp://h/q;seq=5", Some(6)));
        let e = RtpInfoEntry::parse("url=rtsp://h/only").unwrap();
        assert_eq!((e.url, e.seq, e.rtptime), ("rtsp://h/only", None, None));
    }

    #[test]
    fn invalid_entries() {
        assert_eq!(
            RtpInfoEntry::parse("seq=1"),
            Err(HeaderError::Malformed("RTP-Info"))
        );
        assert_eq!(
            RtpInfoEntry::parse("uri=x"),
            Err(HeaderError::Malformed("RTP-Info"))
        );
        assert_eq!(
            RtpInfoEntry::parse("url="),
            Err(HeaderError::Empty("RTP-Info url"))
        );
        assert_eq!(
            RtpInfoEntry::parse("url=x;rtptime=4294967296"),
            Err(HeaderError::InvalidNumber("RTP-Info rtptime"))
        );
        assert_eq!(
            RtpInfoEntry::parse("url=x;seq="),
            Err(HeaderError::InvalidNumber("RTP-Info seq"))
        );
        assert_eq!(
            RtpInfoEntry::parse("url=\"x"),
            Err(HeaderError::Malformed("RTP-Info url"))
        );
        assert_eq!(
            RtpInfoEntry::parse("url=\"x\"junk"),
            Err(HeaderError::Malformed("RTP-Info"))
        );
    }

    #[test]
    fn display_round_trips() {
        let entries = [
            RtpInfoEntry {
                url: "rtsp://127.0.0.1:8554/test/stream=0",
                seq: Some(25639),
                rtptime: Some(3_471_934_578),
            },
            RtpInfoEntry {
                url: "rtsp://127.0.0.1:8554/test/stream=1",
                seq: None,
                rtptime: Some(0),
            },
        ];
        let text = RtpInfoDisplay(&entries).to_string();
        assert_eq!(
            text,
            "url=rtsp://127.0.0.1:8554/test/stream=0;seq=25639;rtptime=3471934578,url=rtsp://127.0.0.1:8554/test/stream=1;rtptime=0"
        );
        let back: Vec<_> = RtpInfoList::new(&text).map(Result::unwrap).collect();
        assert_eq!(back, entries);
        assert_eq!(RtpInfoDisplay(&[]).to_string(), "");
    }

    /// Found by fuzz target `rtsp_headers`: a URL ending in `,` (or holding
    /// `;` or `,`) was written bare and read back as a different URL.
    #[test]
    fn urls_with_separators_are_quoted() {
        for url in ["rtsp://h/a,", "rtsp://h/a;seq=5", "rtsp://h/x,url=y", " a "] {
            let e = RtpInfoEntry {
                url,
                seq: Some(7),
                rtptime: None,
            };
            let shown = e.to_string();
            assert_eq!(RtpInfoEntry::parse(&shown), Ok(e), "{shown}");
            let list: Vec<_> = RtpInfoList::new(&shown).collect();
            assert_eq!(list, [Ok(e)], "{shown}");
        }
        let plain = RtpInfoEntry {
            url: "rtsp://h/s/trackID=0",
            seq: Some(1),
            rtptime: Some(2),
        };
        assert_eq!(
            plain.to_string(),
            "url=rtsp://h/s/trackID=0;seq=1;rtptime=2"
        );
    }
}
