//! Target `rtcp`: compound RTCP packets (RFC 3550 Section 6),
//! `rtp::parse_compound` on untrusted bytes, and the writers read back.
//!
//! Input: a selector bit (first byte); then either a compound packet, or
//! the bytes from which reports, CNAMEs and BYEs to write are drawn.
//!
//! Oracles:
//! - parsing walks the packets back to back: the packets' lengths add up
//!   to the bytes consumed, an error stops the walk, and every iterator
//!   (report blocks, SSRCs, SDES chunks and items) yields exactly the
//!   counts the headers announce;
//! - a parsed SR or RR without padding or extension, and a BYE, written
//!   again by our writers, read back the same;
//! - any SR/RR + SDES (+ BYE) compound our writers accept parses back to
//!   exactly what was written, and a refused one writes nothing.

use arbitrary::{Arbitrary, Unstructured};
use stream_core::rtp::rtcp::{MAX_COUNT, MAX_TEXT_LEN};
use stream_core::rtp::{
    Bye, ReceiverReport, Report, ReportBlock, RtcpPacket, SenderReport, parse_compound,
    write_bye_compound, write_report_compound,
};

/// Runs the target.
pub fn run(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    if selector & 1 == 0 {
        parse_untrusted(rest);
    } else {
        let _ = write_then_parse(&mut Unstructured::new(rest));
    }
}

fn parse_untrusted(buf: &[u8]) {
    let mut at = 0;
    let mut failed = false;
    for r in parse_compound(buf) {
        assert!(!failed, "the walk went on after an error");
        let p = match r {
            Ok(p) => p,
            Err(e) => {
                assert_eq!(e.offset, at, "error offset");
                failed = true;
                continue;
            }
        };
        let header = &buf[at..at + 4];
        let len = (usize::from(u16::from_be_bytes([header[2], header[3]])) + 1) * 4;
        let padded = header[0] & 0x20 != 0;
        let count = usize::from(header[0] & 0x1F);
        check_packet(&p, count, &buf[at..at + len], padded);
        at += len;
    }
    assert!(
        failed || at == buf.len(),
        "walk stopped at {at} of {}",
        buf.len()
    );
}

fn check_packet(p: &RtcpPacket<'_>, count: usize, bytes: &[u8], padded: bool) {
    match p {
        RtcpPacket::SenderReport {
            ssrc,
            ntp_timestamp,
            rtp_timestamp,
            packet_count,
            octet_count,
            reports,
            extension,
        } => {
            assert_eq!(reports.len(), count);
            let blocks: Vec<ReportBlock> = reports.clone().collect();
            assert_eq!(blocks.len(), count);
            let sr = SenderReport {
                ssrc: *ssrc,
                ntp_timestamp: *ntp_timestamp,
                rtp_timestamp: *rtp_timestamp,
                packet_count: *packet_count,
                octet_count: *octet_count,
                reports: &blocks,
            };
            let mut out = Vec::new();
            sr.write(&mut out).expect("at most 31 blocks");
            if extension.is_empty() && !padded {
                assert_eq!(out, bytes, "SR written again differs");
            }
            assert_eq!(reparse_one(&out), *p_without_extension(p));
        }
        RtcpPacket::ReceiverReport {
            ssrc,
            reports,
            extension,
        } => {
            assert_eq!(reports.len(), count);
            let blocks: Vec<ReportBlock> = reports.clone().collect();
            let rr = ReceiverReport {
                ssrc: *ssrc,
                reports: &blocks,
            };
            let mut out = Vec::new();
            rr.write(&mut out).expect("at most 31 blocks");
            if extension.is_empty() && !padded {
                assert_eq!(out, bytes, "RR written again differs");
            }
            assert_eq!(reparse_one(&out), *p_without_extension(p));
        }
        RtcpPacket::SourceDescription(chunks) => {
            assert_eq!(chunks.len(), count);
            let mut n = 0;
            for chunk in chunks.clone() {
                n += 1;
                for item in chunk.items.clone() {
                    assert_ne!(item.item_type, 0, "the null item ends a chunk");
                }
                if let Some(cname) = chunk.cname() {
                    assert!(cname.len() <= MAX_TEXT_LEN);
                }
            }
            assert_eq!(n, count);
        }
        RtcpPacket::Goodbye { ssrcs, reason } => {
            assert_eq!(ssrcs.len(), count);
            let list: Vec<u32> = ssrcs.clone().collect();
            if let Some(text) = reason.and_then(|r| std::str::from_utf8(r).ok()) {
                let mut out = Vec::new();
                Bye {
                    ssrcs: &list,
                    reason: Some(text),
                }
                .write(&mut out)
                .expect("at most 31 SSRCs and 255 bytes");
                assert_eq!(reparse_one(&out), *p);
            } else if reason.is_none() {
                let mut out = Vec::new();
                Bye {
                    ssrcs: &list,
                    reason: None,
                }
                .write(&mut out)
                .expect("at most 31 SSRCs");
                assert_eq!(reparse_one(&out), *p);
            }
        }
        RtcpPacket::App { subtype, data, .. } => {
            assert_eq!(usize::from(*subtype), count);
            assert!(data.len() + 12 <= bytes.len());
        }
        _ => {}
    }
}

/// The same packet with an empty extension (what our writers produce).
fn p_without_extension<'a>(p: &'a RtcpPacket<'a>) -> Box<RtcpPacket<'a>> {
    Box::new(match p.clone() {
        RtcpPacket::SenderReport {
            ssrc,
            ntp_timestamp,
            rtp_timestamp,
            packet_count,
            octet_count,
            reports,
            ..
        } => RtcpPacket::SenderReport {
            ssrc,
            ntp_timestamp,
            rtp_timestamp,
            packet_count,
            octet_count,
            reports,
            extension: &[],
        },
        RtcpPacket::ReceiverReport { ssrc, reports, .. } => RtcpPacket::ReceiverReport {
            ssrc,
            reports,
            extension: &[],
        },
        other => other,
    })
}

/// Parses a buffer holding exactly one packet; the packet, with borrowed
/// parts compared by content.
fn reparse_one(buf: &[u8]) -> RtcpPacket<'_> {
    let mut it = parse_compound(buf);
    let p = it
        .next()
        .expect("one packet")
        .unwrap_or_else(|e| panic!("{e}: {buf:?}"));
    assert!(it.next().is_none(), "more than one packet in {buf:?}");
    p
}

#[derive(Debug, Arbitrary)]
struct Block {
    ssrc: u32,
    fraction_lost: u8,
    cumulative_lost: i32,
    highest_sequence: u32,
    jitter: u32,
    last_sr: u32,
    delay_since_last_sr: u32,
}

fn write_then_parse(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let blocks: Vec<ReportBlock> = Vec::<Block>::arbitrary(u)?
        .into_iter()
        .take(40)
        .map(|b| ReportBlock {
            ssrc: b.ssrc,
            fraction_lost: b.fraction_lost,
            // The field is 24-bit signed on the wire.
            cumulative_lost: b.cumulative_lost.clamp(-0x80_0000, 0x7F_FFFF),
            highest_sequence: b.highest_sequence,
            jitter: b.jitter,
            last_sr: b.last_sr,
            delay_since_last_sr: b.delay_since_last_sr,
        })
        .collect();
    let ssrc: u32 = u.arbitrary()?;
    let report = if bool::arbitrary(u)? {
        Report::Sender(SenderReport {
            ssrc,
            ntp_timestamp: u.arbitrary()?,
            rtp_timestamp: u.arbitrary()?,
            packet_count: u.arbitrary()?,
            octet_count: u.arbitrary()?,
            reports: &blocks,
        })
    } else {
        Report::Receiver(ReceiverReport {
            ssrc,
            reports: &blocks,
        })
    };
    let cname = String::arbitrary(u)?;
    let bye_ssrcs: Vec<u32> = Vec::arbitrary(u)?;
    let reason = <Option<String>>::arbitrary(u)?;
    let with_bye = bool::arbitrary(u)?;
    let bye = Bye {
        ssrcs: &bye_ssrcs,
        reason: reason.as_deref(),
    };

    let prefix = b"keep".to_vec();
    let mut out = prefix.clone();
    let result = if with_bye {
        write_bye_compound(&mut out, &report, &cname, &bye)
    } else {
        write_report_compound(&mut out, &report, &cname)
    };
    let ok = blocks.len() <= MAX_COUNT
        && cname.len() <= MAX_TEXT_LEN
        && (!with_bye
            || (bye_ssrcs.len() <= MAX_COUNT
                && reason.as_ref().is_none_or(|r| r.len() <= MAX_TEXT_LEN)));
    assert_eq!(result.is_ok(), ok, "{result:?}");
    if !ok {
        assert_eq!(out, prefix, "a refused compound wrote bytes");
        return Ok(());
    }
    assert_eq!(&out[..4], b"keep");
    let packets: Vec<RtcpPacket<'_>> = parse_compound(&out[4..])
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(packets.len(), 2 + usize::from(with_bye));
    match (&packets[0], &report) {
        (
            RtcpPacket::SenderReport {
                ssrc,
                ntp_timestamp,
                rtp_timestamp,
                packet_count,
                octet_count,
                reports,
                extension,
            },
            Report::Sender(sr),
        ) => {
            assert_eq!(
                (
                    *ssrc,
                    *ntp_timestamp,
                    *rtp_timestamp,
                    *packet_count,
                    *octet_count
                ),
                (
                    sr.ssrc,
                    sr.ntp_timestamp,
                    sr.rtp_timestamp,
                    sr.packet_count,
                    sr.octet_count
                )
            );
            assert_eq!(reports.clone().collect::<Vec<_>>(), blocks);
            assert!(extension.is_empty());
        }
        (
            RtcpPacket::ReceiverReport {
                ssrc,
                reports,
                extension,
            },
            Report::Receiver(rr),
        ) => {
            assert_eq!(*ssrc, rr.ssrc);
            assert_eq!(reports.clone().collect::<Vec<_>>(), blocks);
            assert!(extension.is_empty());
        }
        other => panic!("first packet {other:?}"),
    }
    match &packets[1] {
        RtcpPacket::SourceDescription(chunks) => {
            let chunks: Vec<_> = chunks.clone().collect();
            assert_eq!(chunks.len(), 1);
            assert_eq!(chunks[0].ssrc, ssrc);
            assert_eq!(chunks[0].cname(), Some(cname.as_bytes()));
        }
        other => panic!("second packet {other:?}"),
    }
    if with_bye {
        match &packets[2] {
            RtcpPacket::Goodbye { ssrcs, reason: r } => {
                assert_eq!(ssrcs.clone().collect::<Vec<_>>(), bye_ssrcs);
                assert_eq!(*r, reason.as_deref().map(str::as_bytes));
            }
            other => panic!("third packet {other:?}"),
        }
    }
    Ok(())
}
