//! RTCP: compound round trips (SR + SDES; RR + SDES + BYE with a reason),
//! hand-built packets of every type, and malformed input.

use stream_core::rtp::rtcp::{MAX_COUNT, packet_type, sdes_item, write_report_compound};
use stream_core::rtp::{
    Bye, ReceiverReport, Report, ReportBlock, RtcpError, RtcpErrorKind, RtcpPacket, RtcpWriteError,
    Sdes, SenderReport, parse_compound, write_bye_compound, write_receiver_report_compound,
    write_sender_report_compound,
};

fn blocks(n: u32) -> Vec<ReportBlock> {
    (0..n)
        .map(|i| ReportBlock {
            ssrc: 0x1000 + i,
            fraction_lost: (i * 8) as u8,
            cumulative_lost: if i % 2 == 0 {
                i as i32 * 1000
            } else {
                -(i as i32)
            },
            highest_sequence: 0x0002_0000 + i,
            jitter: 37 * i,
            last_sr: 0xAABB_CC00 + i,
            delay_since_last_sr: 65_536 * i,
        })
        .collect()
}

fn parse_all(buf: &[u8]) -> Vec<RtcpPacket<'_>> {
    parse_compound(buf)
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{e}: {buf:02x?}"))
}

fn cnames<'a>(p: &RtcpPacket<'a>) -> Vec<(u32, Option<&'a [u8]>)> {
    match p {
        RtcpPacket::SourceDescription(c) => c.clone().map(|c| (c.ssrc, c.cname())).collect(),
        other => panic!("not SDES: {other:?}"),
    }
}

#[test]
fn sender_report_and_sdes_round_trip() {
    for n in [0, 1, 3, MAX_COUNT as u32] {
        let reports = blocks(n);
        let sr = SenderReport {
            ssrc: 0xDEAD_BEEF,
            ntp_timestamp: 0xE8F0_1234_8000_0000,
            rtp_timestamp: 123_456_789,
            packet_count: 4242,
            octet_count: 9_999_999,
            reports: &reports,
        };
        let mut out = vec![];
        write_sender_report_compound(&mut out, &sr, "server@example.org").unwrap();
        assert_eq!(out.len() % 4, 0);
        let packets = parse_all(&out);
        assert_eq!(packets.len(), 2);
        match &packets[0] {
            RtcpPacket::SenderReport {
                ssrc,
                ntp_timestamp,
                rtp_timestamp,
                packet_count,
                octet_count,
                reports: got,
                extension,
            } => {
                assert_eq!(*ssrc, sr.ssrc);
                assert_eq!(*ntp_timestamp, sr.ntp_timestamp);
                assert_eq!(*rtp_timestamp, sr.rtp_timestamp);
                assert_eq!(*packet_count, sr.packet_count);
                assert_eq!(*octet_count, sr.octet_count);
                assert_eq!(got.len(), n as usize);
                assert_eq!(got.clone().collect::<Vec<_>>(), reports);
                assert!(extension.is_empty());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            cnames(&packets[1]),
            vec![(0xDEAD_BEEF, Some(&b"server@example.org"[..]))]
        );
    }
}

#[test]
fn receiver_report_sdes_bye_with_reason_round_trip() {
    let reports = blocks(2);
    let rr = ReceiverReport {
        ssrc: 0x0BAD_CAFE,
        reports: &reports,
    };
    let bye = Bye {
        ssrcs: &[0x0BAD_CAFE, 7],
        reason: Some("teardown"),
    };
    let mut out = vec![];
    write_bye_compound(&mut out, &Report::Receiver(rr), "viewer@host", &bye).unwrap();
    let packets = parse_all(&out);
    assert_eq!(packets.len(), 3);
    match &packets[0] {
        RtcpPacket::ReceiverReport {
            ssrc,
            reports: got,
            extension,
        } => {
            assert_eq!(*ssrc, 0x0BAD_CAFE);
            assert_eq!(got.clone().collect::<Vec<_>>(), reports);
            assert!(extension.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        cnames(&packets[1]),
        vec![(0x0BAD_CAFE, Some(&b"viewer@host"[..]))]
    );
    match &packets[2] {
        RtcpPacket::Goodbye { ssrcs, reason } => {
            assert_eq!(ssrcs.clone().collect::<Vec<_>>(), vec![0x0BAD_CAFE, 7]);
            assert_eq!(*reason, Some(&b"teardown"[..]));
        }
        other => panic!("{other:?}"),
    }

    // RR compound without BYE, and a BYE without a reason.
    let mut out = vec![];
    write_receiver_report_compound(&mut out, &rr, "v").unwrap();
    assert_eq!(parse_all(&out).len(), 2);
    let mut out = vec![];
    Bye {
        ssrcs: &[1],
        reason: None,
    }
    .write(&mut out)
    .unwrap();
    assert_eq!(out, [0x81, 203, 0, 1, 0, 0, 0, 1]);
    match &parse_all(&out)[0] {
        RtcpPacket::Goodbye { reason, .. } => assert_eq!(*reason, None),
        other => panic!("{other:?}"),
    }
}

#[test]
fn sdes_and_bye_padding_for_every_text_length() {
    for len in 0..=12usize {
        let text: String = "abcdefghijklm"[..len].to_string();
        let mut out = vec![];
        Sdes {
            ssrc: 9,
            cname: &text,
        }
        .write(&mut out)
        .unwrap();
        // Header 4, SSRC 4, type+len+text, at least one null, to 32 bits.
        assert_eq!(out.len(), 8 + (2 + len + 1).div_ceil(4) * 4, "len {len}");
        assert_eq!(out[8 + 2 + len], 0, "null item after the CNAME");
        assert_eq!(
            cnames(&parse_all(&out)[0]),
            vec![(9, Some(text.as_bytes()))]
        );

        let mut out = vec![];
        Bye {
            ssrcs: &[],
            reason: Some(&text),
        }
        .write(&mut out)
        .unwrap();
        assert_eq!(out.len(), 4 + (1 + len).div_ceil(4) * 4);
        match &parse_all(&out)[0] {
            RtcpPacket::Goodbye { ssrcs, reason } => {
                assert_eq!(ssrcs.len(), 0);
                assert_eq!(*reason, Some(text.as_bytes()));
            }
            other => panic!("{other:?}"),
        }
    }
}

/// A compound built byte by byte from RFC 3550's figures: an RR with no
/// blocks, an SDES with two chunks (CNAME + NAME + TOOL, then CNAME only),
/// an APP packet, an unknown PT 207 (XR) and a padded BYE at the end.
#[test]
fn hand_built_compound() {
    let mut b: Vec<u8> = vec![];
    b.extend_from_slice(&[0x80, 201, 0, 1, 0, 0, 0, 0x2A]); // RR, ssrc 42
    // SDES, SC=2; chunk 1: ssrc 42, CNAME "a@b", NAME "Al", TOOL "x",
    // null, padding; chunk 2: ssrc 43, CNAME "zz", null.
    let chunk1: &[u8] = &[
        0, 0, 0, 42, 1, 3, b'a', b'@', b'b', 2, 2, b'A', b'l', 6, 1, b'x', 0, 0, 0, 0,
    ];
    let chunk2: &[u8] = &[0, 0, 0, 43, 1, 2, b'z', b'z', 0, 0, 0, 0];
    let words = (chunk1.len() + chunk2.len()) / 4;
    b.extend_from_slice(&[0x82, 202, 0, words as u8]);
    b.extend_from_slice(chunk1);
    b.extend_from_slice(chunk2);
    // APP subtype 5, ssrc 42, name "TEST", 4 bytes of data.
    b.extend_from_slice(&[
        0x85, 204, 0, 3, 0, 0, 0, 42, b'T', b'E', b'S', b'T', 1, 2, 3, 4,
    ]);
    // XR, kept as Other.
    b.extend_from_slice(&[0x80, 207, 0, 1, 9, 9, 9, 9]);
    // BYE with P: ssrc 42, then 4 bytes of padding (count 4).
    b.extend_from_slice(&[0xA1, 203, 0, 2, 0, 0, 0, 42, 0, 0, 0, 4]);

    let p = parse_all(&b);
    assert_eq!(p.len(), 5);
    assert!(matches!(
        &p[0],
        RtcpPacket::ReceiverReport { ssrc: 42, reports, .. } if reports.len() == 0
    ));
    let RtcpPacket::SourceDescription(c) = &p[1] else {
        panic!("{:?}", p[1]);
    };
    let all: Vec<_> = c.clone().collect();
    assert_eq!(all.len(), 2);
    let items: Vec<(u8, &[u8])> = all[0]
        .items
        .clone()
        .map(|i| (i.item_type, i.value))
        .collect();
    assert_eq!(
        items,
        vec![
            (sdes_item::CNAME, &b"a@b"[..]),
            (sdes_item::NAME, &b"Al"[..]),
            (sdes_item::TOOL, &b"x"[..])
        ]
    );
    assert_eq!(all[1].cname(), Some(&b"zz"[..]));
    assert_eq!(
        p[2],
        RtcpPacket::App {
            subtype: 5,
            ssrc: 42,
            name: *b"TEST",
            data: &[1, 2, 3, 4]
        }
    );
    assert_eq!(
        p[3],
        RtcpPacket::Other {
            packet_type: 207,
            count: 0,
            body: &[9, 9, 9, 9]
        }
    );
    match &p[4] {
        RtcpPacket::Goodbye { ssrcs, reason } => {
            assert_eq!(ssrcs.clone().collect::<Vec<_>>(), vec![42]);
            assert_eq!(*reason, None);
        }
        other => panic!("{other:?}"),
    }
}

fn first_error(buf: &[u8]) -> RtcpError {
    parse_compound(buf)
        .find_map(Result::err)
        .unwrap_or_else(|| panic!("no error in {buf:02x?}"))
}

fn kind(buf: &[u8]) -> RtcpErrorKind {
    first_error(buf).kind
}

#[test]
fn malformed_rtcp() {
    use RtcpErrorKind::*;
    assert_eq!(parse_compound(&[]).count(), 0);
    assert_eq!(kind(&[0x80, 201, 0]), TooShort);
    assert_eq!(kind(&[0x40, 201, 0, 1, 0, 0, 0, 0]), BadVersion(1));
    assert_eq!(
        kind(&[0x80, 201, 0, 2, 0, 0, 0, 0]),
        LengthPastEnd {
            declared: 12,
            available: 8
        }
    );
    // RR claiming one block but carrying none.
    assert_eq!(kind(&[0x81, 201, 0, 1, 0, 0, 0, 0]), BadReportCount);
    // SR too short for its sender info.
    assert_eq!(kind(&[0x80, 200, 0, 1, 0, 0, 0, 0]), BadReportCount);
    // Padding on a packet that is not the last.
    let mut b = vec![0xA0, 201, 0, 1, 0, 0, 0, 4];
    b.extend_from_slice(&[0x80, 201, 0, 1, 0, 0, 0, 0]);
    assert_eq!(
        first_error(&b),
        RtcpError {
            kind: PaddingNotLast,
            offset: 0
        }
    );
    // Padding count 0, or larger than the body.
    assert_eq!(kind(&[0xA0, 201, 0, 1, 0, 0, 0, 0]), BadPadding);
    assert_eq!(kind(&[0xA0, 201, 0, 1, 0, 0, 0, 5]), BadPadding);
    assert_eq!(kind(&[0xA0, 201, 0, 0]), BadPadding);
    // Padding that eats into the SSRC of an RR.
    assert_eq!(kind(&[0xA0, 201, 0, 1, 0, 0, 0, 2]), BadReportCount);
    // SDES: item running past the packet; chunk without its null item;
    // count larger than the chunks present.
    assert_eq!(
        kind(&[0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, b'a', b'b']),
        BadSdes
    );
    assert_eq!(
        kind(&[0x81, 202, 0, 2, 0, 0, 0, 1, 1, 2, b'a', b'b']),
        BadSdes
    );
    assert_eq!(kind(&[0x82, 202, 0, 2, 0, 0, 0, 1, 1, 1, b'a', 0]), BadSdes);
    // BYE: SSRC count past the end; reason past the end.
    assert_eq!(kind(&[0x82, 203, 0, 1, 0, 0, 0, 1]), BadBye);
    assert_eq!(
        kind(&[0x81, 203, 0, 2, 0, 0, 0, 1, 5, b'a', b'b', b'c']),
        BadBye
    );
    // APP without its name.
    assert_eq!(kind(&[0x80, 204, 0, 1, 0, 0, 0, 1]), BadApp);

    // The iterator yields the good packets before the bad one, then stops.
    let mut b = vec![];
    ReceiverReport {
        ssrc: 1,
        reports: &[],
    }
    .write(&mut b)
    .unwrap();
    let bad_at = b.len();
    b.extend_from_slice(&[0x00, 201, 0, 1, 0, 0, 0, 0]);
    b.extend_from_slice(&[0x80, 201, 0, 1, 0, 0, 0, 0]);
    let results: Vec<_> = parse_compound(&b).collect();
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    assert_eq!(
        results[1],
        Err(RtcpError {
            kind: BadVersion(0),
            offset: bad_at
        })
    );
    assert_eq!(
        results[1].clone().unwrap_err().to_string(),
        "RTCP version 0, expected 2 at byte 8"
    );
}

#[test]
fn every_truncation_of_a_compound_is_handled() {
    let reports = blocks(3);
    let mut out = vec![];
    write_bye_compound(
        &mut out,
        &Report::Sender(SenderReport {
            ssrc: 5,
            ntp_timestamp: 1,
            rtp_timestamp: 2,
            packet_count: 3,
            octet_count: 4,
            reports: &reports,
        }),
        "cname",
        &Bye {
            ssrcs: &[5],
            reason: Some("bye"),
        },
    )
    .unwrap();
    let boundaries = [4 + 24 + 72, 4 + 24 + 72 + 16, out.len()];
    for cut in 0..=out.len() {
        let results: Vec<_> = parse_compound(&out[..cut]).collect();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        let whole = boundaries.iter().filter(|&&b| b <= cut).count();
        assert_eq!(ok, whole, "cut at {cut}");
        let at_boundary = cut == 0 || boundaries.contains(&cut);
        assert_eq!(
            results.len(),
            whole + usize::from(!at_boundary),
            "cut at {cut}"
        );
    }
}

#[test]
fn write_errors_write_nothing() {
    let many = blocks(32);
    let mut out = vec![0xEE];
    let sr = SenderReport {
        ssrc: 1,
        ntp_timestamp: 0,
        rtp_timestamp: 0,
        packet_count: 0,
        octet_count: 0,
        reports: &many,
    };
    assert_eq!(
        write_sender_report_compound(&mut out, &sr, "c"),
        Err(RtcpWriteError::TooManyReports(32))
    );
    let rr = ReceiverReport {
        ssrc: 1,
        reports: &many[..1],
    };
    let long = "x".repeat(256);
    assert_eq!(
        write_receiver_report_compound(&mut out, &rr, &long),
        Err(RtcpWriteError::CnameTooLong(256))
    );
    assert_eq!(
        write_bye_compound(
            &mut out,
            &Report::Receiver(rr),
            "c",
            &Bye {
                ssrcs: &[0; 32],
                reason: None
            }
        ),
        Err(RtcpWriteError::TooManySsrcs(32))
    );
    assert_eq!(
        write_bye_compound(
            &mut out,
            &Report::Receiver(rr),
            "c",
            &Bye {
                ssrcs: &[1],
                reason: Some(&long)
            }
        ),
        Err(RtcpWriteError::ReasonTooLong(256))
    );
    assert_eq!(out, vec![0xEE]);
    // The longest legal texts fit.
    write_report_compound(&mut out, &Report::Receiver(rr), &long[..255]).unwrap();
    assert_eq!(parse_all(&out[1..]).len(), 2);
    assert_eq!(packet_type::SR, 200);
}
