//! The RTP packet view and header: round trips, and every malformed header.

use stream_core::rtp::{HEADER_LEN, PAYLOAD_TYPE_JPEG, RtpError, RtpHeader, RtpPacket};

/// A packet built by hand, field by field (RFC 3550 5.1), independent of
/// the emitter under test.
fn packet(
    padding: Option<u8>,
    ext: Option<(u16, &[u8])>,
    csrcs: &[u32],
    payload: &[u8],
) -> Vec<u8> {
    let mut v = vec![
        0x80 | (u8::from(padding.is_some()) << 5)
            | (u8::from(ext.is_some()) << 4)
            | csrcs.len() as u8,
        0x80 | 26,
        0x12,
        0x34,
        0,
        1,
        0x5F,
        0x90,
        0xCA,
        0xFE,
        0xBA,
        0xBE,
    ];
    for c in csrcs {
        v.extend_from_slice(&c.to_be_bytes());
    }
    if let Some((profile, data)) = ext {
        assert_eq!(data.len() % 4, 0);
        v.extend_from_slice(&profile.to_be_bytes());
        v.extend_from_slice(&((data.len() / 4) as u16).to_be_bytes());
        v.extend_from_slice(data);
    }
    v.extend_from_slice(payload);
    if let Some(n) = padding {
        v.resize(v.len() + usize::from(n) - 1, 0);
        v.push(n);
    }
    v
}

#[test]
fn plain_packet_fields() {
    let bytes = packet(None, None, &[], b"jpeg");
    let p = RtpPacket::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.version(), 2);
    assert!(!p.padding() && !p.extension());
    assert_eq!(p.csrc_count(), 0);
    assert!(p.marker());
    assert_eq!(p.payload_type(), PAYLOAD_TYPE_JPEG);
    assert_eq!(p.sequence_number(), 0x1234);
    assert_eq!(p.timestamp(), 0x0001_5F90);
    assert_eq!(p.ssrc(), 0xCAFE_BABE);
    assert_eq!(p.csrcs().count(), 0);
    assert_eq!(p.extension_data(), None);
    assert_eq!(p.payload(), b"jpeg");
    assert_eq!(p.header_len(), HEADER_LEN);
}

#[test]
fn csrcs_extension_and_padding_are_not_payload() {
    let ext = [1, 2, 3, 4, 5, 6, 7, 8];
    let bytes = packet(Some(3), Some((0xBEDE, &ext)), &[7, 8], b"data");
    let p = RtpPacket::new_checked(&bytes[..]).unwrap();
    assert!(p.padding() && p.extension());
    assert_eq!(p.csrcs().collect::<Vec<_>>(), vec![7, 8]);
    assert_eq!(p.extension_data(), Some((0xBEDE, &ext[..])));
    assert_eq!(p.header_len(), 12 + 8 + 4 + 8);
    assert_eq!(p.padding_len(), 3);
    assert_eq!(p.payload(), b"data");

    // Padding may take everything after the headers.
    let bytes = packet(Some(4), None, &[], b"");
    assert_eq!(RtpPacket::new_checked(&bytes[..]).unwrap().payload(), b"");
    // An empty extension.
    let bytes = packet(None, Some((1, &[])), &[], b"x");
    let p = RtpPacket::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.extension_data(), Some((1, &[][..])));
    assert_eq!(p.payload(), b"x");
}

#[test]
fn header_round_trip() {
    for (marker, pt, seq, ts, ssrc) in [
        (false, 26, 0, 0, 0),
        (true, 127, u16::MAX, u32::MAX, u32::MAX),
        (true, 96, 1, 90_000, 0x1234_5678),
    ] {
        let h = RtpHeader {
            marker,
            payload_type: pt,
            sequence_number: seq,
            timestamp: ts,
            ssrc,
        };
        let mut buf = [0u8; HEADER_LEN];
        h.emit(&mut buf);
        let mut out = vec![0xAA];
        h.write(&mut out);
        assert_eq!(&out[1..], &buf);
        let p = RtpPacket::new_checked(&buf[..]).unwrap();
        assert_eq!(RtpHeader::parse(&p), Ok(h));
        assert_eq!(
            (p.padding(), p.extension(), p.csrc_count()),
            (false, false, 0)
        );
        assert!(p.payload().is_empty());
    }
    // The lab server's header: V=2, M=0, PT=26, SSRC 0.
    let lab = RtpHeader {
        marker: false,
        payload_type: 26,
        sequence_number: 1,
        timestamp: 1_700_000_000,
        ssrc: 0,
    };
    let mut buf = [0u8; HEADER_LEN];
    lab.emit(&mut buf);
    assert_eq!(buf[..4], [0x80, 26, 0, 1]);
}

#[test]
fn parse_rechecks_an_unchecked_view() {
    let p = RtpPacket::new_unchecked(&[0x80u8, 26, 0][..]);
    assert_eq!(RtpHeader::parse(&p), Err(RtpError::TooShort { len: 3 }));
}

#[test]
fn malformed_headers() {
    let check = |b: &[u8]| RtpPacket::new_checked(b).map(|_| ()).unwrap_err();

    // Short buffers, including every prefix of a valid header.
    let good = packet(None, None, &[], b"");
    for len in 0..HEADER_LEN {
        assert_eq!(check(&good[..len]), RtpError::TooShort { len });
    }
    // Versions 0, 1 and 3.
    for v in [0u8, 1, 3] {
        let mut b = good.clone();
        b[0] = (b[0] & 0x3F) | (v << 6);
        assert_eq!(check(&b), RtpError::BadVersion(v));
    }
    // CSRC count past the end.
    let mut b = packet(None, None, &[1, 2], b"");
    b.truncate(b.len() - 1);
    assert_eq!(
        check(&b),
        RtpError::CsrcsPastEnd {
            csrc_count: 2,
            len: 19
        }
    );
    let mut b = good.clone();
    b[0] |= 0x0F;
    assert_eq!(
        check(&b),
        RtpError::CsrcsPastEnd {
            csrc_count: 15,
            len: 12
        }
    );
    // Extension header missing, or its data running past the end.
    let mut b = good.clone();
    b[0] |= 0x10;
    b.extend_from_slice(&[0, 0, 0]);
    assert_eq!(check(&b), RtpError::ExtensionPastEnd);
    let mut b = packet(None, Some((0, &[0; 8])), &[3], b"");
    b.truncate(b.len() - 1);
    assert_eq!(check(&b), RtpError::ExtensionPastEnd);
    let mut b = packet(None, Some((0, &[])), &[], b"");
    b[15] = 0xFF; // extension length 255 words, none there
    assert_eq!(check(&b), RtpError::ExtensionPastEnd);
    // Padding count 0, larger than what follows the headers, or no byte for it.
    let mut b = packet(Some(1), None, &[], b"abc");
    *b.last_mut().unwrap() = 0;
    assert_eq!(
        check(&b),
        RtpError::BadPadding {
            padding_len: 0,
            available: 4
        }
    );
    let mut b = packet(Some(1), None, &[], b"abc");
    *b.last_mut().unwrap() = 5;
    assert_eq!(
        check(&b),
        RtpError::BadPadding {
            padding_len: 5,
            available: 4
        }
    );
    let mut b = packet(Some(2), Some((0, &[9; 4])), &[], b"");
    *b.last_mut().unwrap() = 3; // would eat into the extension
    assert_eq!(
        check(&b),
        RtpError::BadPadding {
            padding_len: 3,
            available: 2
        }
    );
    let mut b = good.clone();
    b[0] |= 0x20;
    assert_eq!(
        check(&b),
        RtpError::BadPadding {
            padding_len: 0,
            available: 0
        }
    );
}

#[test]
fn errors_display() {
    assert_eq!(
        RtpError::TooShort { len: 3 }.to_string(),
        "RTP packet of 3 bytes is shorter than the 12-byte header"
    );
    assert_eq!(
        RtpError::BadVersion(1).to_string(),
        "RTP version 1, expected 2"
    );
}
