//! The depacketizer against hand-made packets: every way of sending tables
//! (scaled Q, cached Q, Q = 255 with one or two tables, 16-bit tables),
//! restart types, and malformed or hostile input.

use std::path::PathBuf;

use stream_core::jpeg::Jpeg;
use stream_core::jpeg::headers::scaled_quant_tables;
use stream_core::jpeg::rfc2435::{
    DepacketizeError, DepacketizedFrame, Depacketizer, DepacketizerConfig, DropReason,
    MAX_FRAGMENT_RUNS, PayloadError,
};

/// First frame of the raw 640x480 4:2:0 clip: its entropy data and its one
/// quantization table (zig-zag order, shared by all components).
fn sample() -> (Vec<u8>, [u16; 64], Vec<u8>) {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/media/testsrc-640x480-420.raw.mjpeg");
    let data = std::fs::read(&p).unwrap();
    let j = Jpeg::parse(&data).unwrap();
    let original = data[..j.len].to_vec();
    let table = j.component_quant_table(0).unwrap().values;
    assert_eq!(j.component_quant_table(1).unwrap().values, table);
    (j.entropy_data().to_vec(), table, original)
}

fn decode(jpeg: &[u8]) -> Vec<u8> {
    zune_jpeg::JpegDecoder::new(zune_core::bytestream::ZCursor::new(jpeg))
        .decode()
        .expect("decodes")
}

/// Builds an RTP/JPEG payload byte by byte (independently of the crate's
/// emitter).
#[derive(Clone)]
struct P {
    type_specific: u8,
    offset: u32,
    type_field: u8,
    q: u8,
    width_blocks: u8,
    height_blocks: u8,
    /// Restart Interval, then the F/L/count word.
    restart: Option<(u16, u16)>,
    /// Precision and table data (Length is its length).
    tables: Option<(u8, Vec<u8>)>,
}

impl P {
    fn new(type_field: u8, q: u8) -> Self {
        P {
            type_specific: 0,
            offset: 0,
            type_field,
            q,
            width_blocks: 80,
            height_blocks: 60,
            restart: None,
            tables: None,
        }
    }

    fn at(&self, offset: usize) -> Self {
        P {
            offset: offset as u32,
            tables: if offset == 0 {
                self.tables.clone()
            } else {
                None
            },
            ..self.clone()
        }
    }

    fn bytes(&self, data: &[u8]) -> Vec<u8> {
        let o = self.offset.to_be_bytes();
        let mut v = vec![
            self.type_specific,
            o[1],
            o[2],
            o[3],
            self.type_field,
            self.q,
            self.width_blocks,
            self.height_blocks,
        ];
        if let Some((ri, fl)) = self.restart {
            v.extend_from_slice(&ri.to_be_bytes());
            v.extend_from_slice(&fl.to_be_bytes());
        }
        if let Some((precision, t)) = &self.tables {
            v.extend_from_slice(&[0, *precision]);
            v.extend_from_slice(&(t.len() as u16).to_be_bytes());
            v.extend_from_slice(t);
        }
        v.extend_from_slice(data);
        v
    }
}

fn table8(t: &[u16; 64]) -> Vec<u8> {
    t.iter().map(|&v| v as u8).collect()
}

fn table16(t: &[u16; 64]) -> Vec<u8> {
    t.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// Sends `data` as `n` packets of header `h` at `ts`, in order, and
/// returns the last result.
fn send(
    d: &mut Depacketizer,
    seq: &mut u64,
    ts: u32,
    h: &P,
    data: &[u8],
    n: usize,
) -> Result<Option<DepacketizedFrame>, DepacketizeError> {
    let size = data.len().div_ceil(n);
    let mut last = Ok(None);
    for (i, chunk) in data.chunks(size).enumerate() {
        let marker = (i + 1) * size >= data.len();
        last = d.push(*seq, ts, marker, &h.at(i * size).bytes(chunk));
        *seq += 1;
        if i + 1 < data.len().div_ceil(size) {
            assert!(matches!(last, Ok(None)), "packet {i}: {last:?}");
        }
    }
    last
}

fn dropped(r: Result<Option<DepacketizedFrame>, DepacketizeError>) -> DropReason {
    match r {
        Err(DepacketizeError::FrameDropped { reason, .. }) => reason,
        other => panic!("expected a dropped frame, got {other:?}"),
    }
}

#[test]
fn q255_with_one_shared_64_byte_table() {
    let (data, table, original) = sample();
    let mut h = P::new(1, 255);
    h.tables = Some((0, table8(&table)));
    let mut d = Depacketizer::default();
    let f = send(&mut d, &mut 0, 90_000, &h, &data, 7).unwrap().unwrap();
    assert_eq!((f.width, f.height, f.q), (640, 480, 255));
    assert_eq!(decode(&f.jpeg), decode(&original));
    let j = Jpeg::parse(&f.jpeg).unwrap();
    assert_eq!(j.quant_tables[0].as_ref().unwrap().values, table);
    assert_eq!(j.quant_tables[1].as_ref().unwrap().values, table);
    assert!(!j.jfif && j.has_eoi);
}

#[test]
fn sixteen_bit_tables() {
    let (data, table, original) = sample();
    // Both tables 16-bit (precision bits 0 and 1), values as in the frame.
    let mut h = P::new(1, 255);
    let mut t = table16(&table);
    t.extend(table16(&table));
    h.tables = Some((0b11, t));
    let mut d = Depacketizer::default();
    let f = send(&mut d, &mut 0, 1, &h, &data, 3).unwrap().unwrap();
    assert_eq!(decode(&f.jpeg), decode(&original));

    // Chroma alone 16-bit, with entries too big for 8 bits.
    let mut wide = table;
    wide[60] = 300;
    wide[63] = 1000;
    let mut t = table8(&table);
    t.extend(table16(&wide));
    h.tables = Some((0b10, t));
    let f = send(&mut d, &mut 10, 2, &h, &data, 3).unwrap().unwrap();
    let j = Jpeg::parse(&f.jpeg).unwrap();
    assert_eq!(j.quant_tables[0].as_ref().unwrap().values, table);
    let chroma = j.quant_tables[1].as_ref().unwrap();
    assert!(chroma.sixteen_bit);
    assert_eq!(chroma.values, wide);
    assert_eq!(j.entropy_data(), &data[..]);
}

#[test]
fn dynamic_q_uses_cached_tables() {
    let (data, table, original) = sample();
    let mut d = Depacketizer::default();
    let mut seq = 65_534;
    let mut with_tables = P::new(1, 130);
    let mut two = table8(&table);
    two.extend(table8(&table));
    with_tables.tables = Some((0, two));
    let f = send(&mut d, &mut seq, 100, &with_tables, &data, 4)
        .unwrap()
        .unwrap();
    assert_eq!(f.first_sequence, 65_534);
    assert_eq!(f.last_sequence, 65_537);

    // Later frames send Length 0 and rely on the cache.
    let mut no_tables = P::new(1, 130);
    no_tables.tables = Some((0, vec![]));
    let g = send(&mut d, &mut seq, 3100, &no_tables, &data, 4)
        .unwrap()
        .unwrap();
    assert_eq!(g.jpeg, f.jpeg);
    assert_eq!(decode(&g.jpeg), decode(&original));

    // Nothing cached for Q 131: that frame is dropped, the rest of its
    // packets are late, and the next frame is fine.
    let mut other = P::new(1, 131);
    other.tables = Some((0, vec![]));
    let r = d.push(seq, 6100, false, &other.bytes(&data[..100]));
    assert_eq!(dropped(r), DropReason::NoCachedTables(131));
    let r = d.push(seq + 1, 6100, true, &other.at(100).bytes(&data[100..]));
    assert_eq!(
        r.unwrap_err(),
        DepacketizeError::Late {
            rtp_timestamp: 6100
        }
    );
    seq += 2;
    let h = send(&mut d, &mut seq, 9100, &no_tables, &data, 2)
        .unwrap()
        .unwrap();
    assert_eq!(h.jpeg, f.jpeg);
    let s = d.stats();
    assert_eq!(
        (s.frames_complete, s.frames_dropped, s.packets_late),
        (3, 1, 1)
    );
}

#[test]
fn q255_without_tables_is_dropped() {
    let (data, _, _) = sample();
    let mut h = P::new(1, 255);
    h.tables = Some((0, vec![]));
    let mut d = Depacketizer::default();
    assert_eq!(
        dropped(send(&mut d, &mut 0, 0, &h, &data, 1)),
        DropReason::MissingTables
    );
    // Q = 255 tables are never cached.
    let mut with = P::new(1, 255);
    let (_, table, _) = sample();
    with.tables = Some((0, table8(&table)));
    send(&mut d, &mut 1, 3000, &with, &data, 1)
        .unwrap()
        .unwrap();
    assert_eq!(
        dropped(send(&mut d, &mut 2, 6000, &h, &data, 1)),
        DropReason::MissingTables
    );
}

#[test]
fn bad_table_lengths_and_zero_entries() {
    let (data, table, _) = sample();
    let mut d = Depacketizer::default();
    for (i, (precision, t)) in [(0u8, vec![1u8; 100]), (1, vec![1; 130]), (0, vec![0; 128])]
        .into_iter()
        .enumerate()
    {
        let mut h = P::new(1, 255);
        h.tables = Some((precision, t));
        let r = send(&mut d, &mut (i as u64 * 10), i as u32 * 3000, &h, &data, 1);
        assert_eq!(dropped(r), DropReason::BadQuantTables, "case {i}");
    }
    // Bits beyond the two tables and bytes after them are ignored.
    let mut h = P::new(1, 255);
    let mut t = table8(&table);
    t.extend(table8(&table));
    t.extend([9u8; 64]);
    h.tables = Some((0b100, t));
    assert!(
        send(&mut d, &mut 100, 9000, &h, &data, 2)
            .unwrap()
            .is_some()
    );
}

#[test]
fn scaled_q_rebuilds_annex_k_tables() {
    let (data, _, _) = sample();
    let mut d = Depacketizer::default();
    for (n, q) in [1u8, 25, 50, 75, 99].into_iter().enumerate() {
        let h = P::new(0, q);
        let ts = n as u32 * 3000;
        let f = send(&mut d, &mut (n as u64 * 100), ts, &h, &data, 5)
            .unwrap()
            .unwrap();
        let j = Jpeg::parse(&f.jpeg).unwrap();
        let (l, c) = scaled_quant_tables(q);
        assert_eq!(j.quant_tables[0].as_ref().unwrap().values, l);
        assert_eq!(j.quant_tables[1].as_ref().unwrap().values, c);
        assert_eq!((j.frame.components[0].h, j.frame.components[0].v), (2, 1));
        assert_eq!(j.entropy_data(), &data[..]);
        assert_eq!(f.q, q);
    }
    // Reserved Q values.
    for (n, q) in [0u8, 100, 127].into_iter().enumerate() {
        let r = send(
            &mut d,
            &mut (1000 + n as u64),
            100_000 + n as u32,
            &P::new(1, q),
            &data,
            1,
        );
        assert_eq!(dropped(r), DropReason::ReservedQ(q));
    }
}

#[test]
fn restart_types_emit_dri() {
    let (data, table, _) = sample();
    let mut d = Depacketizer::default();
    for (n, type_field) in [64u8, 65].into_iter().enumerate() {
        let mut h = P::new(type_field, 255);
        h.restart = Some((40, 0xFFFF));
        h.tables = Some((0, table8(&table)));
        let f = send(&mut d, &mut (n as u64 * 10), n as u32, &h, &data, 3)
            .unwrap()
            .unwrap();
        assert_eq!(f.restart_interval, 40);
        let j = Jpeg::parse(&f.jpeg).unwrap();
        assert_eq!(j.restart_interval, 40);
        let sampling = if type_field == 64 { (2, 1) } else { (2, 2) };
        assert_eq!((j.frame.components[0].h, j.frame.components[0].v), sampling);
    }
    let mut h = P::new(65, 50);
    h.restart = Some((0, 0xFFFF));
    assert_eq!(
        dropped(send(&mut d, &mut 100, 100, &h, &data, 1)),
        DropReason::ZeroRestartInterval
    );
}

#[test]
fn unsupported_types_and_sizes_are_dropped() {
    let (data, _, _) = sample();
    let mut d = Depacketizer::default();
    let mut ts = 0;
    for t in [2u8, 3, 63, 66, 127, 128, 255] {
        let mut h = P::new(t, 50);
        if (64..128).contains(&t) {
            h.restart = Some((1, 0xFFFF));
        }
        ts += 3000;
        assert_eq!(
            dropped(send(&mut d, &mut u64::from(ts), ts, &h, &data, 1)),
            DropReason::UnsupportedType(t)
        );
    }
    let mut h = P::new(1, 50);
    h.width_blocks = 0;
    assert_eq!(
        dropped(send(&mut d, &mut 1_000_000, 1_000_000, &h, &data, 1)),
        DropReason::ZeroDimension
    );
    assert_eq!(d.stats().frames_dropped, 8);
}

#[test]
fn type_specific_is_passed_through() {
    let (data, _, _) = sample();
    let mut h = P::new(1, 50);
    h.type_specific = 1; // odd field
    h.height_blocks = 30;
    let mut d = Depacketizer::default();
    let f = send(&mut d, &mut 0, 0, &h, &data, 2).unwrap().unwrap();
    assert_eq!((f.type_specific, f.height), (1, 240));
}

#[test]
fn packets_in_any_order_with_marker_first() {
    let (data, _, _) = sample();
    let h = P::new(1, 80);
    let mut d = Depacketizer::default();
    let chunks: Vec<(usize, &[u8])> = data
        .chunks(1000)
        .enumerate()
        .map(|(i, c)| (i * 1000, c))
        .collect();
    let n = chunks.len();
    let mut order: Vec<usize> = (0..n).rev().collect();
    order.swap(1, n / 2);
    let mut out = None;
    for (k, &i) in order.iter().enumerate() {
        let (off, c) = chunks[i];
        let r = d
            .push(i as u64, 7, i == n - 1, &h.at(off).bytes(c))
            .unwrap();
        if k + 1 < n {
            assert!(r.is_none());
        } else {
            out = r;
        }
    }
    let f = out.unwrap();
    assert_eq!(Jpeg::parse(&f.jpeg).unwrap().entropy_data(), &data[..]);
    assert_eq!((f.first_sequence, f.last_sequence), (0, n as u64 - 1));
}

#[test]
fn overlapping_fragments() {
    let data: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let h = P::new(1, 50);
    let mut d = Depacketizer::default();
    // Same bytes cut differently: fine.
    d.push(0, 1, false, &h.at(0).bytes(&data[..1500])).unwrap();
    d.push(1, 1, false, &h.at(1000).bytes(&data[1000..2000]))
        .unwrap();
    d.push(2, 1, false, &h.at(500).bytes(&data[500..700]))
        .unwrap();
    let f = d
        .push(3, 1, true, &h.at(1900).bytes(&data[1900..]))
        .unwrap()
        .unwrap();
    assert_eq!(Jpeg::parse(&f.jpeg).unwrap().entropy_data(), &data[..]);
    // Different bytes for the same range: dropped.
    d.push(4, 2, false, &h.at(0).bytes(&data[..1500])).unwrap();
    let mut bad = data[1000..2000].to_vec();
    bad[400] ^= 1;
    let r = d.push(5, 2, false, &h.at(1000).bytes(&bad));
    assert_eq!(dropped(r), DropReason::ConflictingData);
    assert!(matches!(
        d.push(6, 2, true, &h.at(2000).bytes(&data[2000..])),
        Err(DepacketizeError::Late { .. })
    ));
}

#[test]
fn gaps_and_bad_ends() {
    let data = vec![0x55u8; 3000];
    let h = P::new(1, 50);
    let mut d = Depacketizer::default();
    // A gap: never emitted, counted once newer frames move on.
    d.push(0, 10, false, &h.at(0).bytes(&data[..1000])).unwrap();
    assert!(
        d.push(2, 10, true, &h.at(2000).bytes(&data[2000..]))
            .unwrap()
            .is_none()
    );
    // A packet past the marker's end.
    d.push(3, 20, true, &h.at(1000).bytes(&data[1000..2000]))
        .unwrap();
    let r = d.push(4, 20, false, &h.at(2000).bytes(&data[2000..2001]));
    assert_eq!(dropped(r), DropReason::BadEnd);
    // Data past an end that arrives later.
    d.push(5, 30, false, &h.at(0).bytes(&data[..2000])).unwrap();
    assert_eq!(
        dropped(d.push(6, 30, true, &h.at(0).bytes(&data[..1000]))),
        DropReason::BadEnd
    );
    // Two markers with different ends.
    d.push(7, 40, true, &h.at(1000).bytes(&data[1000..2000]))
        .unwrap();
    assert_eq!(
        dropped(d.push(8, 40, true, &h.at(0).bytes(&data[..500]))),
        DropReason::BadEnd
    );
    let s = d.stats();
    assert_eq!(
        (s.frames_complete, s.frames_dropped, s.frames_incomplete),
        (0, 4, 1)
    );
}

#[test]
fn conflicting_headers() {
    let data = vec![0x11u8; 2000];
    let mut d = Depacketizer::default();
    let h = P::new(1, 50);
    for (n, change) in [
        |p: &mut P| p.q = 51,
        |p: &mut P| p.width_blocks = 81,
        |p: &mut P| p.height_blocks = 1,
        |p: &mut P| p.type_field = 0,
        |p: &mut P| p.type_specific = 2,
    ]
    .into_iter()
    .enumerate()
    {
        let ts = n as u32 * 3000;
        d.push(n as u64 * 2, ts, false, &h.at(0).bytes(&data[..1000]))
            .unwrap();
        let mut other = h.at(1000);
        change(&mut other);
        let r = d.push(n as u64 * 2 + 1, ts, true, &other.bytes(&data[1000..]));
        assert_eq!(dropped(r), DropReason::ConflictingHeaders, "change {n}");
    }
    // Restart interval differing between packets.
    let mut a = P::new(65, 50);
    a.restart = Some((4, 0xFFFF));
    let mut b = a.at(1000);
    b.restart = Some((8, 0xFFFF));
    d.push(100, 100_000, false, &a.bytes(&data[..1000]))
        .unwrap();
    assert_eq!(
        dropped(d.push(101, 100_000, true, &b.bytes(&data[1000..]))),
        DropReason::ConflictingHeaders
    );
    // Two first packets with different tables.
    let mut t1 = P::new(1, 255);
    t1.tables = Some((0, vec![1; 128]));
    let mut t2 = t1.clone();
    t2.tables = Some((0, vec![2; 128]));
    d.push(200, 200_000, false, &t1.bytes(&data[..1000]))
        .unwrap();
    assert_eq!(
        dropped(d.push(201, 200_000, false, &t2.bytes(&data[..1000]))),
        DropReason::ConflictingHeaders
    );
}

#[test]
fn malformed_payloads_are_rejected_without_harm() {
    let data = vec![0x22u8; 100];
    let mut d = Depacketizer::default();
    let h = P::new(1, 50);
    let cases: Vec<(Vec<u8>, PayloadError)> = vec![
        (vec![], PayloadError::Truncated { len: 0, needed: 8 }),
        (
            vec![0, 0, 0, 0, 1, 50, 80],
            PayloadError::Truncated { len: 7, needed: 8 },
        ),
        (
            P::new(65, 50).bytes(&[])[..8].to_vec(),
            PayloadError::Truncated { len: 8, needed: 12 },
        ),
        (
            vec![0, 0, 0, 0, 1, 255, 80, 60, 0, 0],
            PayloadError::Truncated {
                len: 10,
                needed: 12,
            },
        ),
        (
            {
                let mut v = P::new(1, 255).bytes(&[]);
                v.extend_from_slice(&[0, 0, 0xFF, 0xFF, 1, 2, 3]);
                v
            },
            PayloadError::QuantTablePastEnd {
                length: 0xFFFF,
                available: 3,
            },
        ),
        (
            h.at(0xFF_FFF0).bytes(&[0; 17]),
            PayloadError::FragmentPastLimit {
                fragment_offset: 0xFF_FFF0,
                len: 17,
            },
        ),
    ];
    for (n, (bytes, err)) in cases.into_iter().enumerate() {
        assert_eq!(
            d.push(n as u64, 5, true, &bytes).unwrap_err(),
            DepacketizeError::Malformed(err),
            "case {n}"
        );
    }
    assert_eq!(d.stats().packets_rejected, 6);
    // The frame at the same timestamp is unaffected.
    let f = d.push(10, 5, true, &h.bytes(&data)).unwrap().unwrap();
    assert_eq!(Jpeg::parse(&f.jpeg).unwrap().entropy_data(), &data[..]);
}

#[test]
fn max_frame_len_caps_memory() {
    let data = vec![0x33u8; 4000];
    let h = P::new(1, 50);
    let mut d = Depacketizer::new(DepacketizerConfig {
        max_frame_len: 3000,
    });
    // Known too big from the first packet's offset.
    let r = d.push(0, 0, false, &h.at(2900).bytes(&data[..200]));
    assert_eq!(
        dropped(r),
        DropReason::TooLarge {
            max_frame_len: 3000
        }
    );
    // Known too big only once headers and EOI are added.
    let f = d
        .push(1, 3000, true, &h.bytes(&data[..2300]))
        .unwrap()
        .unwrap();
    assert!(f.jpeg.len() <= 3000);
    let r = d.push(2, 6000, true, &h.bytes(&data[..2999]));
    assert_eq!(
        dropped(r),
        DropReason::TooLarge {
            max_frame_len: 3000
        }
    );
    // Same when the data arrives before the tables do.
    let mut q = P::new(1, 255);
    q.tables = Some((0, vec![1; 128]));
    d.push(3, 9000, true, &q.at(1000).bytes(&data[..1900]))
        .unwrap();
    let r = d.push(4, 9000, false, &q.bytes(&data[..1000]));
    assert_eq!(
        dropped(r),
        DropReason::TooLarge {
            max_frame_len: 3000
        }
    );
    // A fragment near 2^24 with the default cap.
    let mut d = Depacketizer::default();
    let r = d.push(0, 0, true, &h.at(0xFF_FFFF).bytes(&[7]));
    assert_eq!(
        dropped(r),
        DropReason::TooLarge {
            max_frame_len: 16 << 20
        }
    );
}

#[test]
fn too_many_pieces() {
    let h = P::new(1, 50);
    let mut d = Depacketizer::default();
    for i in 0..MAX_FRAGMENT_RUNS {
        d.push(i as u64, 0, false, &h.at(2 * i).bytes(&[1]))
            .unwrap();
    }
    let r = d.push(99_999, 0, false, &h.at(2 * MAX_FRAGMENT_RUNS).bytes(&[1]));
    assert_eq!(dropped(r), DropReason::TooFragmented);
}

/// A sender-supplied EOI is not doubled.
#[test]
fn sender_eoi_is_kept_once() {
    let mut d = Depacketizer::default();
    let f = d
        .push(1, 1, true, &P::new(1, 50).bytes(&[1, 2, 0xFF, 0xD9]))
        .unwrap()
        .unwrap();
    assert!(f.jpeg.ends_with(&[1, 2, 0xFF, 0xD9]));
    assert!(!f.jpeg.ends_with(&[0xFF, 0xD9, 0xFF, 0xD9]));
}

/// A marker packet ending the frame at offset 0 completes no picture: the
/// frame is dropped, never emitted as headers and EOI alone.
#[test]
fn a_frame_without_scan_data_is_dropped() {
    let mut d = Depacketizer::default();
    let h = P::new(1, 50);
    assert_eq!(
        dropped(d.push(0, 5, true, &h.bytes(&[]))),
        DropReason::BadEnd
    );
    assert_eq!(d.stats().frames_dropped, 1);
    // The next frame is whole.
    let (data, _, _) = sample();
    assert!(send(&mut d, &mut 1, 3005, &h, &data, 3).unwrap().is_some());
}
