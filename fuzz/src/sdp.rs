//! Target `sdp`: session descriptions (RFC 4566), `parse_sdp` on untrusted
//! text and `write_sdp` → `parse_sdp` on parameters built from the input.
//!
//! Input: a selector bit (first byte); then either the SDP text (lossy
//! UTF-8), or the bytes from which `SdpParams` are drawn.
//!
//! Oracles:
//! - a parsed description stays within its caps (`MAX_MEDIA` sections,
//!   `MAX_FORMATS` payload types and rtpmaps each), every payload type is
//!   7-bit, and its derived values (`duration`, `first_jpeg_video`) answer;
//! - whatever the parameters (names and controls with CR, LF, NUL and
//!   non-ASCII text included), `write_sdp` writes CRLF lines and exactly
//!   the lines it means to (no value can start a line of its own), and
//!   `parse_sdp` reads back the session name, the control URLs, the range,
//!   the frame rate, the dimensions and one JPEG video section.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arbitrary::{Arbitrary, Unstructured};
use stream_core::Duration;
use stream_core::rtsp::NptTime;
use stream_core::sdp::{
    JPEG_CLOCK_RATE, JPEG_PAYLOAD_TYPE, MAX_FORMATS, MAX_MEDIA, SdpParams, parse_sdp, write_sdp,
};

use crate::util::text;

/// Runs the target.
pub fn run(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    if selector & 1 == 0 {
        parse_untrusted(&text(rest));
    } else {
        let _ = write_then_parse(&mut Unstructured::new(rest));
    }
}

fn parse_untrusted(sdp: &str) {
    let Ok(sd) = parse_sdp(sdp) else {
        return;
    };
    assert!(sd.media.len() <= MAX_MEDIA);
    for m in &sd.media {
        assert!(m.formats.len() <= MAX_FORMATS && m.rtpmaps.len() <= MAX_FORMATS);
        assert!(m.formats.iter().all(|&pt| pt <= 127));
        assert!(m.rtpmaps.iter().all(|r| r.payload_type <= 127));
        if let Some(pt) = m.jpeg_payload_type() {
            assert!(m.formats.contains(&pt));
        }
        if let Some(fps) = m.framerate {
            assert!(fps.is_finite() && fps >= 0.0);
        }
    }
    let _ = sd.duration();
    if let Some(v) = sd.first_jpeg_video() {
        assert!(v.kind.eq_ignore_ascii_case("video"));
    }
}

/// The largest NPT value a range can carry (`MAX_NPT_SECS` in the core):
/// a clip's duration is far below it, so the writer is only asked for
/// durations up to it.
const MAX_NPT_SECS: u64 = 1_000_000_000_000;

/// What `write_sdp` does to text inside a line: control characters (all
/// but HT) become spaces.
fn sanitized(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_control() && c != '\t' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn write_then_parse(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let session_name = String::arbitrary(u)?;
    let control = String::arbitrary(u)?;
    let origin_address = if bool::arbitrary(u)? {
        IpAddr::V4(Ipv4Addr::from(u32::arbitrary(u)?))
    } else {
        IpAddr::V6(Ipv6Addr::from(u128::arbitrary(u)?))
    };
    let duration = if bool::arbitrary(u)? {
        Some(Duration::from_millis(
            u.int_in_range(0..=MAX_NPT_SECS * 1000)?,
        ))
    } else {
        None
    };
    let dims = <Option<(u16, u16)>>::arbitrary(u)?;
    let p = SdpParams {
        session_id: u64::arbitrary(u)?,
        origin_address,
        session_name: &session_name,
        duration,
        framerate: u32::arbitrary(u)?,
        control: &control,
        width: dims.map(|d| d.0),
        height: dims.map(|d| d.1),
    };
    let mut out = Vec::new();
    write_sdp(&mut out, &p);

    let text = String::from_utf8(out).expect("write_sdp writes the UTF-8 it is given");
    let lines: Vec<&str> = text
        .strip_suffix("\r\n")
        .expect("ends with CRLF")
        .split("\r\n")
        .collect();
    assert!(
        lines.iter().all(|l| !l.contains(['\r', '\n'])),
        "a value broke a line: {text:?}"
    );
    let want_lines = 11 + usize::from(p.framerate > 0) + usize::from(dims.is_some());
    assert_eq!(lines.len(), want_lines, "{text:?}");

    let sd = parse_sdp(&text).unwrap_or_else(|e| panic!("{e}: {text:?}"));
    let name = sanitized(&session_name);
    assert_eq!(sd.session_name, name.trim(), "{text:?}");
    assert_eq!(sd.control, Some("*"));
    match (duration, sd.range) {
        (Some(d), Some(r)) => {
            assert_eq!(r.start, NptTime::At(Duration::ZERO));
            assert_eq!(r.end, Some(NptTime::At(d)), "{text:?}");
            assert_eq!(sd.duration(), Some(d));
        }
        (None, Some(r)) => assert_eq!(r.end, None),
        (_, None) => panic!("no range in {text:?}"),
    }
    assert_eq!(sd.media.len(), 1, "{text:?}");
    let m = &sd.media[0];
    assert_eq!((m.kind, m.port, m.protocol), ("video", 0, "RTP/AVP"));
    assert_eq!(m.formats, [JPEG_PAYLOAD_TYPE]);
    assert_eq!(m.jpeg_payload_type(), Some(JPEG_PAYLOAD_TYPE));
    let map = m.rtpmap(JPEG_PAYLOAD_TYPE).expect("rtpmap");
    assert!(map.encoding_name.eq_ignore_ascii_case("JPEG"));
    assert_eq!(map.clock_rate, JPEG_CLOCK_RATE);
    let want_control = if control.is_empty() {
        String::from("*")
    } else {
        sanitized(&control).trim().to_string()
    };
    assert_eq!(m.control, Some(want_control.as_str()), "{text:?}");
    assert_eq!(
        m.framerate,
        (p.framerate > 0).then_some(p.framerate as f32),
        "{text:?}"
    );
    assert_eq!(m.dimensions, dims);
    Ok(())
}
