//! SDP (RFC 4566) for DESCRIBE: what we emit and the little we parse.
//!
//! The server describes one MJPEG stream ([`write_sdp`]); ffmpeg,
//! GStreamer's `rtspsrc` and VLC read it, so it stays strictly within
//! RFC 4566 (field order of Section 5, CRLF line endings) plus the
//! attributes RTSP clients look for: `a=control` (RFC 2326 Appendix C.1.1),
//! `a=range` (C.1.5), `a=rtpmap`, `a=framerate` (RFC 4566 Section 6) and
//! live555's `a=x-dimensions`.
//!
//! The client reads a server's description ([`parse_sdp`]): session-level
//! control and range, and per media its port, protocol, payload types,
//! rtpmaps, control, framerate and range. Everything else is checked only
//! for the `<type>=<value>` line shape and otherwise ignored.

use alloc::vec::Vec;
use core::fmt::{self, Write as _};
use core::net::IpAddr;

use crate::rtsp::{HeaderError, NptRange, NptTime};
use crate::time::Duration;

/// RTP payload type of JPEG (RFC 3551 Section 6, Table 5).
pub const JPEG_PAYLOAD_TYPE: u8 = 26;

/// RTP clock rate of JPEG video, in Hz (RFC 2435 Section 3).
pub const JPEG_CLOCK_RATE: u32 = 90_000;

/// Largest description [`parse_sdp`] reads, in bytes.
pub const MAX_SDP_LEN: usize = 64 * 1024;

/// Most media sections [`parse_sdp`] accepts.
pub const MAX_MEDIA: usize = 16;

/// Most payload types, and most rtpmaps, per media section (there are only
/// 128 RTP payload types).
pub const MAX_FORMATS: usize = 128;

/// What [`write_sdp`] describes.
#[derive(Debug, Clone, PartialEq)]
pub struct SdpParams<'a> {
    /// Session id and version for the `o=` line (RFC 4566 Section 5.2); a
    /// random or NTP-derived number chosen by the caller.
    pub session_id: u64,
    /// The server's address, for the `o=` line.
    pub origin_address: IpAddr,
    /// The `s=` line: the clip's name. Empty becomes `s= ` as RFC 4566
    /// Section 5.3 asks.
    pub session_name: &'a str,
    /// Length of the clip, for `a=range:npt=0-<duration>`; `None` for a
    /// live or unknown length (`a=range:npt=0-`).
    pub duration: Option<Duration>,
    /// Frames per second, for `a=framerate` (omitted when 0).
    pub framerate: u32,
    /// The stream's control URL, relative to the aggregate (`trackID=0`).
    pub control: &'a str,
    /// Frame width in pixels, for `a=x-dimensions` when both are known.
    pub width: Option<u16>,
    /// Frame height in pixels.
    pub height: Option<u16>,
}

/// Copies text into an SDP line, replacing CR, LF and other control
/// characters with a space so a value can never start a new line.
struct LineText<'v>(&'v mut Vec<u8>);

impl fmt::Write for LineText<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend(s.bytes().map(|b| {
            if (b < 0x20 && b != b'\t') || b == 0x7F {
                b' '
            } else {
                b
            }
        }));
        Ok(())
    }
}

/// Appends the session description of one MJPEG stream (RFC 4566), with
/// CRLF line endings, ready to be a DESCRIBE reply's body
/// (`Content-Type: application/sdp`).
///
/// The session-level `a=control:*` makes the request URL the aggregate
/// control URL, and the media-level control is relative to it (RFC 2326
/// Appendix C.1.1). `c=` carries the unspecified address and `m=` port 0:
/// with RTSP the transport is negotiated by SETUP, which is how ffmpeg and
/// gst-rtsp-server describe unicast streams too.
pub fn write_sdp(out: &mut Vec<u8>, p: &SdpParams<'_>) {
    // One line: its text sanitized, then CRLF (RFC 4566 Section 5).
    let mut line = |args: fmt::Arguments<'_>| {
        // Writing into a Vec cannot fail.
        let _ = LineText(out).write_fmt(args);
        out.extend_from_slice(b"\r\n");
    };
    let (family, any) = match p.origin_address {
        IpAddr::V4(_) => ("IP4", "0.0.0.0"),
        IpAddr::V6(_) => ("IP6", "::"),
    };
    line(format_args!("v=0"));
    line(format_args!(
        "o=- {id} {id} IN {family} {addr}",
        id = p.session_id,
        addr = p.origin_address
    ));
    let name = if p.session_name.is_empty() {
        " "
    } else {
        p.session_name
    };
    line(format_args!("s={name}"));
    line(format_args!("c=IN {family} {any}"));
    line(format_args!("t=0 0"));
    line(format_args!(
        "a=tool:stream-core {}",
        env!("CARGO_PKG_VERSION")
    ));
    line(format_args!("a=control:*"));
    match p.duration {
        Some(d) => line(format_args!(
            "a=range:npt=0-{}.{:03}",
            d.as_secs(),
            d.subsec_millis()
        )),
        None => line(format_args!("a=range:npt=0-")),
    }
    line(format_args!("m=video 0 RTP/AVP {JPEG_PAYLOAD_TYPE}"));
    line(format_args!(
        "a=rtpmap:{JPEG_PAYLOAD_TYPE} JPEG/{JPEG_CLOCK_RATE}"
    ));
    if p.framerate > 0 {
        line(format_args!("a=framerate:{}", p.framerate));
    }
    if let (Some(width), Some(height)) = (p.width, p.height) {
        line(format_args!("a=x-dimensions:{width},{height}"));
    }
    let control = if p.control.is_empty() { "*" } else { p.control };
    line(format_args!("a=control:{control}"));
}

/// A description that cannot be used. `line` numbers count from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum SdpError {
    /// Longer than [`MAX_SDP_LEN`].
    #[error("SDP of {len} bytes is over the {MAX_SDP_LEN}-byte limit")]
    TooLarge {
        /// The text's length.
        len: usize,
    },
    /// No `v=` line first (or no lines at all).
    #[error("SDP does not start with v= (line {line})")]
    MissingVersion {
        /// Where the first line was.
        line: usize,
    },
    /// A `v=` other than `v=0`.
    #[error("unsupported SDP version on line {line}")]
    UnsupportedVersion {
        /// The `v=` line.
        line: usize,
    },
    /// A line that is not `<letter>=<value>`.
    #[error("malformed SDP line {line}")]
    MalformedLine {
        /// The line.
        line: usize,
    },
    /// An `m=` line without media, port and protocol, or with a bad port or
    /// RTP payload type.
    #[error("malformed m= line {line}")]
    BadMediaLine {
        /// The line.
        line: usize,
    },
    /// A malformed `a=rtpmap`, `a=framerate` or `a=range`.
    #[error("malformed attribute on SDP line {line}")]
    BadAttribute {
        /// The line.
        line: usize,
    },
    /// More than [`MAX_MEDIA`] media sections.
    #[error("more than {MAX_MEDIA} media sections (line {line})")]
    TooManyMedia {
        /// The first `m=` line over the limit.
        line: usize,
    },
    /// More than [`MAX_FORMATS`] payload types or rtpmaps in one media.
    #[error("more than {MAX_FORMATS} formats in one media section (line {line})")]
    TooManyFormats {
        /// The line over the limit.
        line: usize,
    },
}

/// An `a=rtpmap` (RFC 4566 Section 6): `<pt> <encoding>/<clock rate>[/<params>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RtpMap<'a> {
    /// The payload type it describes.
    pub payload_type: u8,
    /// Encoding name, e.g. `JPEG` (compare case-insensitively).
    pub encoding_name: &'a str,
    /// RTP clock rate in Hz.
    pub clock_rate: u32,
    /// Encoding parameters (audio channels), if any.
    pub encoding_params: Option<&'a str>,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaDescription<'a> {
    /// `video`, `audio`, `application`, ...
    pub kind: &'a str,
    /// The transport port (0 in RTSP descriptions: SETUP decides).
    pub port: u16,
    /// `RTP/AVP`, `RTP/AVPF`, ...
    pub protocol: &'a str,
    /// RTP payload types, in preference order (empty for non-RTP media).
    pub formats: Vec<u8>,
    /// The `a=rtpmap` lines of this section.
    pub rtpmaps: Vec<RtpMap<'a>>,
    /// `a=control`: the stream's control URL, absolute or relative.
    pub control: Option<&'a str>,
    /// `a=framerate`, frames per second.
    pub framerate: Option<f32>,
    /// `a=range` in NPT.
    pub range: Option<NptRange>,
    /// `a=x-dimensions:<width>,<height>`, in pixels.
    pub dimensions: Option<(u16, u16)>,
}

impl<'a> MediaDescription<'a> {
    /// The rtpmap for `payload_type`, if the section has one.
    pub fn rtpmap(&self, payload_type: u8) -> Option<&RtpMap<'a>> {
        self.rtpmaps.iter().find(|m| m.payload_type == payload_type)
    }

    /// Whether the protocol is RTP (`RTP/AVP`, `RTP/AVPF`, `RTP/SAVP`...).
    pub fn is_rtp(&self) -> bool {
        self.protocol
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("RTP/"))
    }

    /// The first payload type carrying JPEG: static type 26 (unless an
    /// rtpmap says it is something else), or a type whose rtpmap is
    /// `JPEG/90000`.
    pub fn jpeg_payload_type(&self) -> Option<u8> {
        if !self.is_rtp() {
            return None;
        }
        self.formats
            .iter()
            .copied()
            .find(|&pt| match self.rtpmap(pt) {
                Some(m) => {
                    m.encoding_name.eq_ignore_ascii_case("JPEG") && m.clock_rate == JPEG_CLOCK_RATE
                }
                None => pt == JPEG_PAYLOAD_TYPE,
            })
    }
}

/// The parts of a session description an RTSP client uses.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionDescription<'a> {
    /// The `s=` line (trimmed; may be empty).
    pub session_name: &'a str,
    /// Session-level `a=control`: the aggregate control URL (`*` = the
    /// base URL).
    pub control: Option<&'a str>,
    /// Session-level `a=range` in NPT.
    pub range: Option<NptRange>,
    /// The media sections, in order (at most [`MAX_MEDIA`]).
    pub media: Vec<MediaDescription<'a>>,
}

impl<'a> SessionDescription<'a> {
    /// The first RTP video section carrying JPEG (see
    /// [`MediaDescription::jpeg_payload_type`]).
    pub fn first_jpeg_video(&self) -> Option<&MediaDescription<'a>> {
        self.media
            .iter()
            .find(|m| m.kind.eq_ignore_ascii_case("video") && m.jpeg_payload_type().is_some())
    }

    /// The presentation's length, from a closed NPT range (the session's,
    /// else the first JPEG video's); `None` for open or live ranges.
    pub fn duration(&self) -> Option<Duration> {
        let range = self
            .range
            .or_else(|| self.first_jpeg_video().and_then(|m| m.range))?;
        match (range.start, range.end?) {
            (NptTime::At(s), NptTime::At(e)) => Some(e.saturating_sub(s)),
            _ => None,
        }
    }
}

/// Parses a session description (a DESCRIBE reply's body).
///
/// Lenient where servers differ (LF or CRLF, blank lines, trailing spaces,
/// unknown lines and attributes, missing `o=`/`s=`/`t=`), strict where the
/// client depends on the value (`v=0` first, `m=` lines, rtpmap, framerate,
/// NPT range); a range in another unit (`clock=`, `smpte=`) is ignored.
pub fn parse_sdp(text: &str) -> Result<SessionDescription<'_>, SdpError> {
    if text.len() > MAX_SDP_LEN {
        return Err(SdpError::TooLarge { len: text.len() });
    }
    let mut sd = SessionDescription {
        session_name: "",
        control: None,
        range: None,
        media: Vec::new(),
    };
    let mut seen_version = false;
    for (index, raw) in text.split('\n').enumerate() {
        let line = index + 1;
        let l = raw.trim_end_matches(['\r', ' ', '\t']);
        if l.is_empty() {
            continue;
        }
        let b = l.as_bytes();
        if b.len() < 2 || !b[0].is_ascii_lowercase() || b[1] != b'=' {
            return Err(if seen_version {
                SdpError::MalformedLine { line }
            } else {
                SdpError::MissingVersion { line }
            });
        }
        let (kind, value) = (b[0], &l[2..]);
        if !seen_version {
            if kind != b'v' {
                return Err(SdpError::MissingVersion { line });
            }
            if value.trim() != "0" {
                return Err(SdpError::UnsupportedVersion { line });
            }
            seen_version = true;
            continue;
        }
        match kind {
            b's' if sd.media.is_empty() => sd.session_name = value.trim(),
            b'm' => {
                if sd.media.len() == MAX_MEDIA {
                    return Err(SdpError::TooManyMedia { line });
                }
                sd.media.push(parse_media_line(value, line)?);
            }
            b'a' => {
                let (name, attr) = match value.split_once(':') {
                    Some((n, v)) => (n, v.trim()),
                    None => (value, ""),
                };
                match sd.media.last_mut() {
                    Some(m) => media_attribute(m, name, attr, line)?,
                    None => session_attribute(&mut sd, name, attr, line)?,
                }
            }
            _ => {}
        }
    }
    if !seen_version {
        return Err(SdpError::MissingVersion { line: 1 });
    }
    Ok(sd)
}

fn parse_media_line(value: &str, line: usize) -> Result<MediaDescription<'_>, SdpError> {
    let bad = SdpError::BadMediaLine { line };
    let mut words = value.split([' ', '\t']).filter(|w| !w.is_empty());
    let kind = words.next().ok_or(bad)?;
    let port = words.next().ok_or(bad)?;
    let protocol = words.next().ok_or(bad)?;
    // `<port>/<number of ports>` (RFC 4566 Section 5.14).
    let (port, count) = match port.split_once('/') {
        Some((p, n)) => (p, Some(n)),
        None => (port, None),
    };
    let port = parse_u32(port)
        .and_then(|p| u16::try_from(p).ok())
        .ok_or(bad)?;
    if let Some(n) = count {
        parse_u32(n).ok_or(bad)?;
    }
    let mut media = MediaDescription {
        kind,
        port,
        protocol,
        formats: Vec::new(),
        rtpmaps: Vec::new(),
        control: None,
        framerate: None,
        range: None,
        dimensions: None,
    };
    if media.is_rtp() {
        for fmt in words {
            let pt = parse_payload_type(fmt).ok_or(bad)?;
            if media.formats.len() == MAX_FORMATS {
                return Err(SdpError::TooManyFormats { line });
            }
            media.formats.push(pt);
        }
    }
    Ok(media)
}

fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// An RTP payload type: 0..=127 (RFC 3550 Section 5.1, 7 bits).
fn parse_payload_type(s: &str) -> Option<u8> {
    parse_u32(s).filter(|&n| n <= 127).map(|n| n as u8)
}

/// `npt=` ranges are used; other units are valid SDP we cannot use.
fn parse_range(value: &str, line: usize) -> Result<Option<NptRange>, SdpError> {
    match NptRange::parse(value) {
        Ok(r) => Ok(Some(r)),
        Err(HeaderError::UnsupportedRangeUnit) => Ok(None),
        Err(_) => Err(SdpError::BadAttribute { line }),
    }
}

fn session_attribute<'a>(
    sd: &mut SessionDescription<'a>,
    name: &'a str,
    value: &'a str,
    line: usize,
) -> Result<(), SdpError> {
    match name {
        "control" => sd.control = Some(value),
        "range" => sd.range = parse_range(value, line)?,
        _ => {}
    }
    Ok(())
}

fn media_attribute<'a>(
    m: &mut MediaDescription<'a>,
    name: &'a str,
    value: &'a str,
    line: usize,
) -> Result<(), SdpError> {
    let bad = SdpError::BadAttribute { line };
    match name {
        "control" => m.control = Some(value),
        "range" => m.range = parse_range(value, line)?,
        "framerate" => {
            let fps: f32 = value.parse().map_err(|_| bad)?;
            if !fps.is_finite() || fps < 0.0 {
                return Err(bad);
            }
            m.framerate = Some(fps);
        }
        "rtpmap" => {
            let (pt, rest) = value.split_once([' ', '\t']).ok_or(bad)?;
            let pt = parse_payload_type(pt).ok_or(bad)?;
            let mut parts = rest.trim().splitn(3, '/');
            let encoding_name = parts.next().filter(|n| !n.is_empty()).ok_or(bad)?;
            let clock_rate = parts.next().and_then(parse_u32).ok_or(bad)?;
            let encoding_params = parts.next();
            if m.rtpmaps.len() == MAX_FORMATS {
                return Err(SdpError::TooManyFormats { line });
            }
            m.rtpmaps.push(RtpMap {
                payload_type: pt,
                encoding_name,
                clock_rate,
                encoding_params,
            });
        }
        "x-dimensions" => {
            // Not standard (live555's): a malformed one is ignored.
            m.dimensions = value.split_once(',').and_then(|(w, h)| {
                let w = u16::try_from(parse_u32(w.trim())?).ok()?;
                let h = u16::try_from(parse_u32(h.trim())?).ok()?;
                Some((w, h))
            });
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{Ipv4Addr, Ipv6Addr};
    use std::string::String;

    fn params() -> SdpParams<'static> {
        SdpParams {
            session_id: 1_234_567,
            origin_address: IpAddr::V4(Ipv4Addr::new(192, 168, 1, 10)),
            session_name: "movie.Mjpeg",
            duration: Some(Duration::from_millis(25_050)),
            framerate: 20,
            control: "trackID=0",
            width: Some(384),
            height: Some(288),
        }
    }

    #[test]
    fn emitted_text_is_exact() {
        let mut out = Vec::new();
        write_sdp(&mut out, &params());
        let text = String::from_utf8(out).unwrap();
        let expected = std::format!(
            "v=0\r\no=- 1234567 1234567 IN IP4 192.168.1.10\r\ns=movie.Mjpeg\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n\
             a=tool:stream-core {}\r\na=control:*\r\na=range:npt=0-25.050\r\nm=video 0 RTP/AVP 26\r\n\
             a=rtpmap:26 JPEG/90000\r\na=framerate:20\r\na=x-dimensions:384,288\r\na=control:trackID=0\r\n",
            env!("CARGO_PKG_VERSION")
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn emitted_text_variants() {
        let p = SdpParams {
            origin_address: IpAddr::V6(Ipv6Addr::LOCALHOST),
            session_name: "",
            duration: None,
            framerate: 0,
            width: None,
            control: "a\r\nb=evil",
            ..params()
        };
        let mut out = Vec::new();
        write_sdp(&mut out, &p);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("o=- 1234567 1234567 IN IP6 ::1\r\n"));
        assert!(text.contains("\r\ns= \r\n"));
        assert!(text.contains("c=IN IP6 ::\r\n"));
        assert!(text.contains("a=range:npt=0-\r\n"));
        assert!(!text.contains("framerate"));
        assert!(!text.contains("x-dimensions"));
        assert!(text.contains("a=control:a  b=evil\r\n"));
        assert!(!text.contains("\nb=evil"));
    }

    #[test]
    fn round_trip_through_parser() {
        let mut out = Vec::new();
        write_sdp(&mut out, &params());
        let text = core::str::from_utf8(&out).unwrap();
        let sd = parse_sdp(text).unwrap();
        assert_eq!(sd.session_name, "movie.Mjpeg");
        assert_eq!(sd.control, Some("*"));
        assert_eq!(sd.duration(), Some(Duration::from_millis(25_050)));
        let m = sd.first_jpeg_video().unwrap();
        assert_eq!((m.kind, m.port, m.protocol), ("video", 0, "RTP/AVP"));
        assert_eq!(m.formats, [26]);
        assert_eq!(m.jpeg_payload_type(), Some(26));
        assert_eq!(m.framerate, Some(20.0));
        assert_eq!(m.control, Some("trackID=0"));
        assert_eq!(m.dimensions, Some((384, 288)));
        assert_eq!(
            m.rtpmap(26),
            Some(&RtpMap {
                payload_type: 26,
                encoding_name: "JPEG",
                clock_rate: 90000,
                encoding_params: None
            })
        );
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(parse_sdp(""), Err(SdpError::MissingVersion { line: 1 }));
        assert_eq!(
            parse_sdp("\r\n\r\n"),
            Err(SdpError::MissingVersion { line: 1 })
        );
        assert_eq!(
            parse_sdp("s=x\r\n"),
            Err(SdpError::MissingVersion { line: 1 })
        );
        assert_eq!(
            parse_sdp("v=1\r\n"),
            Err(SdpError::UnsupportedVersion { line: 1 })
        );
        assert_eq!(
            parse_sdp("v=0\r\ns=x\r\nbogus\r\n"),
            Err(SdpError::MalformedLine { line: 3 })
        );
        assert_eq!(
            parse_sdp("v=0\nm=video\n"),
            Err(SdpError::BadMediaLine { line: 2 })
        );
        assert_eq!(
            parse_sdp("v=0\nm=video 99999 RTP/AVP 26\n"),
            Err(SdpError::BadMediaLine { line: 2 })
        );
        assert_eq!(
            parse_sdp("v=0\nm=video 0 RTP/AVP 128\n"),
            Err(SdpError::BadMediaLine { line: 2 })
        );
        assert_eq!(
            parse_sdp("v=0\nm=video 0 RTP/AVP jpeg\n"),
            Err(SdpError::BadMediaLine { line: 2 })
        );
        assert_eq!(
            parse_sdp("v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 JPEG\n"),
            Err(SdpError::BadAttribute { line: 3 })
        );
        assert_eq!(
            parse_sdp("v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 JPEG/fast\n"),
            Err(SdpError::BadAttribute { line: 3 })
        );
        assert_eq!(
            parse_sdp("v=0\nm=video 0 RTP/AVP 96\na=framerate:fast\n"),
            Err(SdpError::BadAttribute { line: 3 })
        );
        assert_eq!(
            parse_sdp("v=0\nm=video 0 RTP/AVP 96\na=framerate:inf\n"),
            Err(SdpError::BadAttribute { line: 3 })
        );
        assert_eq!(
            parse_sdp("v=0\na=range:npt=9-3\n"),
            Err(SdpError::BadAttribute { line: 2 })
        );
        let big = "v=0\r\n".repeat(MAX_SDP_LEN / 5 + 1);
        assert_eq!(parse_sdp(&big), Err(SdpError::TooLarge { len: big.len() }));
        let many = std::format!("v=0\n{}", "m=video 0 RTP/AVP 26\n".repeat(MAX_MEDIA + 1));
        assert_eq!(
            parse_sdp(&many),
            Err(SdpError::TooManyMedia {
                line: MAX_MEDIA + 2
            })
        );
        let fmts = std::format!("v=0\nm=video 0 RTP/AVP{}\n", " 96".repeat(MAX_FORMATS + 1));
        assert_eq!(parse_sdp(&fmts), Err(SdpError::TooManyFormats { line: 2 }));
    }

    #[test]
    fn tolerances() {
        let sd = parse_sdp(
            "v=0\nm=video 0/2 RTP/AVP 96 26\na=range:clock=19961108T142300Z-\na=x-dimensions:abc\n\
             a=rtpmap:96 H264/90000\na=recvonly\nm=application 9 TCP/BFCP *\nm=audio 0 RTP/AVP 0\n",
        )
        .unwrap();
        assert_eq!(sd.session_name, "");
        assert_eq!(sd.media.len(), 3);
        let m = &sd.media[0];
        assert_eq!(m.range, None);
        assert_eq!(m.dimensions, None);
        // 96 is H264 here, so the JPEG type is the static 26.
        assert_eq!(m.jpeg_payload_type(), Some(26));
        assert!(sd.media[1].formats.is_empty());
        assert_eq!(sd.media[1].jpeg_payload_type(), None);
        assert!(core::ptr::eq(sd.first_jpeg_video().unwrap(), &sd.media[0]));
        // An rtpmap can make 26 something other than JPEG.
        let sd = parse_sdp("v=0\nm=video 0 RTP/AVP 26\na=rtpmap:26 H261/90000\n").unwrap();
        assert!(sd.first_jpeg_video().is_none());
        // Audio is not video, even with a JPEG payload type.
        let sd = parse_sdp("v=0\nm=audio 0 RTP/AVP 26\n").unwrap();
        assert!(sd.first_jpeg_video().is_none());
        assert_eq!(sd.duration(), None);
    }
}
