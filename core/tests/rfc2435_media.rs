//! The shared media through the RFC 2435 packetizer and depacketizer:
//! packetize, shuffle each frame's packets, depacketize, decode, and compare
//! pixels with the original frame decoded directly. Also loss, reordering
//! across frames, and wrapping sequence numbers and timestamps.

mod common;

use common::media;

use stream_core::jpeg::Jpeg;
use stream_core::jpeg::rfc2435::wire::{JpegPayload, RESTART_COUNT_UNALIGNED};
use stream_core::jpeg::rfc2435::{
    DepacketizeError, DepacketizedFrame, Depacketizer, DepacketizerConfig, PacketizeConfig,
    PacketizedFrame, QMode, RTP_HEADER_LEN, packetize,
};

fn decode(jpeg: &[u8]) -> (Vec<u8>, usize, usize) {
    let mut d = zune_jpeg::JpegDecoder::new(zune_core::bytestream::ZCursor::new(jpeg));
    let pixels = d.decode().expect("decodes");
    let info = d.info().unwrap();
    (pixels, usize::from(info.width), usize::from(info.height))
}

/// Deterministic xorshift64* generator, so shuffles repeat run to run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Checks what every packetized frame must satisfy at `mtu`.
fn check_packets(p: &PacketizedFrame, mtu: usize) {
    assert!(!p.is_empty());
    let mut expect_offset = 0u32;
    for (i, payload) in p.iter().enumerate() {
        assert!(RTP_HEADER_LEN + payload.len() <= mtu, "packet {i} too big");
        assert_eq!(p.is_last(i), i + 1 == p.len());
        let view = JpegPayload::new_checked(payload).unwrap();
        assert_eq!(view.fragment_offset(), expect_offset, "packet {i}");
        assert_eq!(view.type_field(), p.type_field());
        assert_eq!(view.q(), p.q());
        assert_eq!(u16::from(view.width_blocks()) * 8, p.width());
        assert_eq!(u16::from(view.height_blocks()) * 8, p.height());
        assert_eq!(view.quant_header().is_some(), i == 0 && p.q() >= 128);
        assert!(!view.data().is_empty() || p.len() == 1);
        expect_offset += view.data().len() as u32;
    }
    assert_eq!(p.iter().map(<[u8]>::len).sum::<usize>(), p.payload_bytes());
}

struct Sender {
    sequence: u64,
    rtp_timestamp: u32,
}

impl Sender {
    /// One frame's packets as (sequence, timestamp, marker, payload), in
    /// sending order; advances the sequence number and a 30 fps timestamp.
    fn send(&mut self, p: &PacketizedFrame) -> Vec<(u64, u32, bool, Vec<u8>)> {
        let out = p
            .iter()
            .enumerate()
            .map(|(i, payload)| {
                (
                    self.sequence + i as u64,
                    self.rtp_timestamp,
                    p.is_last(i),
                    payload.to_vec(),
                )
            })
            .collect();
        self.sequence += p.len() as u64;
        self.rtp_timestamp = self.rtp_timestamp.wrapping_add(3000);
        out
    }
}

/// Frames per clip whose pixels are compared.
const DECODED_FRAMES: usize = 12;

/// Packetizes every frame, shuffles each frame's packets, depacketizes, and
/// compares decoded pixels. Returns the packetized frames.
fn round_trip(frames: &[Vec<u8>], cfg: &PacketizeConfig, seed: u64) -> Vec<PacketizedFrame> {
    let mut rng = Rng(seed);
    let mut depacketizer = Depacketizer::new(DepacketizerConfig::default());
    // Sequence numbers cross 65535 in the first frames and timestamps
    // cross 2^32 a few frames in.
    let mut sender = Sender {
        sequence: 65_530,
        rtp_timestamp: u32::MAX - 3 * 3000 + 1,
    };
    let mut packetized = Vec::new();
    for (n, original) in frames.iter().enumerate() {
        let jpeg = Jpeg::parse(original).unwrap();
        let p = packetize(&jpeg, cfg).unwrap();
        check_packets(&p, cfg.mtu);
        let mut packets = sender.send(&p);
        let first_sequence = packets[0].0;
        rng.shuffle(&mut packets);
        let mut got: Option<DepacketizedFrame> = None;
        for (k, (seq, ts, marker, payload)) in packets.iter().enumerate() {
            let out = depacketizer.push(*seq, *ts, *marker, payload).unwrap();
            if k + 1 < packets.len() {
                assert!(out.is_none(), "frame {n} emitted early");
            } else {
                got = out;
            }
        }
        let got = got.unwrap_or_else(|| panic!("frame {n} not emitted"));
        assert_eq!(got.first_sequence, first_sequence);
        assert_eq!(got.last_sequence, first_sequence + p.len() as u64 - 1);
        assert_eq!((got.width, got.height), (p.width(), p.height()));
        assert_eq!(got.jpeg.len(), {
            // What the depacketizer rebuilds has the same scan data.
            let back = Jpeg::parse(&got.jpeg).unwrap();
            assert_eq!(back.entropy_data(), jpeg.entropy_data());
            assert_eq!(back.restart_interval, jpeg.restart_interval);
            back.len
        });
        // Same scan data and restart interval for every frame (above), same
        // tables (checked by the decode) and pixels for a spread of frames:
        // debug-build decoding of every frame would take minutes.
        if n % frames.len().div_ceil(DECODED_FRAMES) == 0 {
            assert_eq!(decode(&got.jpeg), decode(original), "frame {n} pixels");
        }
        let back = Jpeg::parse(&got.jpeg).unwrap();
        for c in 0..3 {
            assert_eq!(
                back.component_quant_table(c).unwrap().values,
                jpeg.component_quant_table(c).unwrap().values
            );
        }
        packetized.push(p);
    }
    let stats = depacketizer.stats();
    assert_eq!(stats.frames_complete, frames.len() as u64);
    assert_eq!(stats.frames_dropped, 0);
    assert_eq!(stats.packets_late, 0);
    packetized
}

#[test]
fn testsrc_1280x720_round_trip() {
    let frames = common::frames_of(&media("testsrc-1280x720-420.Mjpeg"));
    assert_eq!(frames.len(), 100);
    let cfg = PacketizeConfig::default();
    let packetized = round_trip(&frames, &cfg, 1);
    let total: usize = packetized.iter().map(PacketizedFrame::len).sum();
    let average = total as f64 / packetized.len() as f64;
    // ~58 KB a frame at 1376 bytes of data a packet: about 42 packets.
    assert!(
        (38.0..=46.0).contains(&average),
        "{average} packets a frame"
    );
    for (p, f) in packetized.iter().zip(&frames) {
        assert_eq!(p.type_field(), 1);
        assert_eq!(p.q(), 255);
        assert_eq!((p.width(), p.height()), (1280, 720));
        // Every packet but the last is filled to the MTU.
        let data_len = Jpeg::parse(f).unwrap().entropy_data().len();
        let first_room = 1400 - 12 - 8 - 4 - 128;
        let room = 1400 - 12 - 8;
        assert_eq!(
            p.len(),
            1 + data_len.saturating_sub(first_room).div_ceil(room)
        );
        // One shared table, sent for luma and chroma both.
        let view = JpegPayload::new_checked(p.payload(0)).unwrap();
        let q = view.quant_header().unwrap();
        assert_eq!(q.precision, 0);
        assert_eq!(q.data.len(), 128);
        assert_eq!(q.data[..64], q.data[64..]);
    }
}

#[test]
fn big_1920x1080_round_trip() {
    let frames = common::frames_of(&media("big-1920x1080-420.Mjpeg"));
    assert_eq!(frames.len(), 10);
    let packetized = round_trip(&frames, &PacketizeConfig::default(), 2);
    assert!(packetized.iter().all(|p| p.len() > 60));
}

#[test]
fn raw_640x480_round_trip_with_dynamic_q_and_small_mtu() {
    let frames = common::frames_of(&media("testsrc-640x480-420.raw.mjpeg"));
    assert_eq!(frames.len(), 60);
    round_trip(&frames, &PacketizeConfig::default(), 3);
    let cfg = PacketizeConfig {
        mtu: 576,
        q: QMode::Dynamic(200),
        ..PacketizeConfig::default()
    };
    let packetized = round_trip(&frames[..10], &cfg, 4);
    assert!(packetized.iter().all(|p| p.q() == 200));
}

/// Number of RSTn markers in `data[..end]`.
fn restarts_before(data: &[u8], end: usize) -> usize {
    data[..end]
        .windows(2)
        .filter(|w| w[0] == 0xFF && (0xD0..=0xD7).contains(&w[1]))
        .count()
}

fn is_boundary(data: &[u8], at: usize) -> bool {
    at == 0
        || at == data.len()
        || (at >= 2 && data[at - 2] == 0xFF && (0xD0..=0xD7).contains(&data[at - 1]))
}

#[test]
fn restart_file_is_type_65_with_aligned_chunks() {
    let frames = common::frames_of(&media("restart-640x480-420.Mjpeg"));
    assert_eq!(frames.len(), 20);
    let cfg = PacketizeConfig::default();
    let packetized = round_trip(&frames, &cfg, 5);
    for (p, f) in packetized.iter().zip(&frames) {
        assert_eq!(p.type_field(), 65);
        assert!(p.restart_aligned());
        let jpeg = Jpeg::parse(f).unwrap();
        let data = jpeg.entropy_data();
        let mut in_chunk = false;
        for payload in p.iter() {
            let view = JpegPayload::new_checked(payload).unwrap();
            let r = view.restart_header().unwrap();
            assert_eq!(r.restart_interval, jpeg.restart_interval);
            let start = view.fragment_offset() as usize;
            let end = start + view.data().len();
            // F starts a chunk at an interval boundary, L ends one there,
            // and packets between belong to the same chunk.
            assert_eq!(r.first, !in_chunk);
            if r.first {
                assert!(is_boundary(data, start), "F at {start}");
            }
            if r.last {
                assert!(is_boundary(data, end), "L at {end}");
            }
            in_chunk = !r.last;
            // The count numbers the chunk's first interval.
            let chunk_start = if r.first {
                start
            } else {
                (0..start).rev().find(|&b| is_boundary(data, b)).unwrap()
            };
            assert_eq!(
                usize::from(r.restart_count),
                restarts_before(data, chunk_start)
            );
        }
        assert!(!in_chunk);
    }

    // Unaligned: fuller packets, F = L = 1 and count 0x3FFF throughout.
    let cfg = PacketizeConfig {
        align_restart_intervals: false,
        ..PacketizeConfig::default()
    };
    let unaligned = round_trip(&frames, &cfg, 6);
    for (u, a) in unaligned.iter().zip(&packetized) {
        assert!(!u.restart_aligned());
        assert!(u.len() <= a.len());
        for payload in u.iter() {
            let r = JpegPayload::new_checked(payload)
                .unwrap()
                .restart_header()
                .unwrap();
            assert!(r.first && r.last);
            assert_eq!(r.restart_count, RESTART_COUNT_UNALIGNED);
        }
    }
}

fn first_frames(n: usize) -> Vec<PacketizedFrame> {
    common::frames_of(&media("testsrc-1280x720-420.Mjpeg"))[..n]
        .iter()
        .map(|f| packetize(&Jpeg::parse(f).unwrap(), &PacketizeConfig::default()).unwrap())
        .collect()
}

fn push_all(
    d: &mut Depacketizer,
    packets: &[(u64, u32, bool, Vec<u8>)],
) -> Vec<Result<Option<DepacketizedFrame>, DepacketizeError>> {
    packets
        .iter()
        .map(|(s, t, m, p)| d.push(*s, *t, *m, p))
        .collect()
}

fn emitted(results: &[Result<Option<DepacketizedFrame>, DepacketizeError>]) -> Vec<u32> {
    results
        .iter()
        .filter_map(|r| {
            r.as_ref()
                .ok()
                .and_then(|f| f.as_ref())
                .map(|f| f.rtp_timestamp)
        })
        .collect()
}

#[test]
fn loss_drops_only_the_damaged_frame() {
    let frames = first_frames(3);
    // Lose a middle packet, the first packet (tables) or the marker packet.
    for lost in [20, 0, usize::MAX] {
        let mut sender = Sender {
            sequence: 65_534,
            rtp_timestamp: 1000,
        };
        let mut d = Depacketizer::default();
        let one = sender.send(&frames[0]);
        let mut two = sender.send(&frames[1]);
        let three = sender.send(&frames[2]);
        let lost = lost.min(two.len() - 1);
        two.remove(lost);
        let mut results = push_all(&mut d, &one);
        results.extend(push_all(&mut d, &two));
        assert_eq!(emitted(&results), [1000], "lost {lost}");
        assert_eq!(d.stats().frames_dropped, 0, "not yet: it may still come");
        results.extend(push_all(&mut d, &three));
        assert_eq!(emitted(&results), [1000, 7000], "lost {lost}");
        assert!(results.iter().all(Result::is_ok));
        let s = d.stats();
        assert_eq!(
            (s.frames_complete, s.frames_dropped, s.frames_incomplete),
            (2, 1, 1)
        );
        // The lost packet turning up now is late.
        let (seq, ts, m, p) =
            &sender_packet(&frames[1], 65_534 + frames[0].len() as u64, 4000, lost);
        assert_eq!(
            d.push(*seq, *ts, *m, p).unwrap_err(),
            DepacketizeError::Late {
                rtp_timestamp: 4000
            }
        );
        assert_eq!(d.stats().packets_late, 1);
    }
}

fn sender_packet(
    p: &PacketizedFrame,
    first_seq: u64,
    ts: u32,
    i: usize,
) -> (u64, u32, bool, Vec<u8>) {
    (
        first_seq + i as u64,
        ts,
        p.is_last(i),
        p.payload(i).to_vec(),
    )
}

#[test]
fn reordering_across_frames_is_tolerated() {
    let frames = first_frames(3);
    let mut sender = Sender {
        sequence: 10,
        rtp_timestamp: u32::MAX - 1000,
    };
    let mut one = sender.send(&frames[0]);
    let two = sender.send(&frames[1]);
    let three = sender.send(&frames[2]);
    // Frame one's last two packets arrive after most of frame two, and
    // frame two's marker packet first of all.
    let tail = one.split_off(one.len() - 2);
    let mut order = Vec::new();
    order.push(two[two.len() - 1].clone());
    order.extend(one);
    order.extend(two[..two.len() - 1].iter().take(30).cloned());
    order.extend(tail);
    order.extend(two[30..two.len() - 1].iter().cloned());
    order.extend(three);
    let mut d = Depacketizer::default();
    let results = push_all(&mut d, &order);
    assert!(results.iter().all(Result::is_ok));
    let ts0 = u32::MAX - 1000;
    assert_eq!(
        emitted(&results),
        [ts0, ts0.wrapping_add(3000), ts0.wrapping_add(6000)]
    );
    assert_eq!(d.stats().frames_dropped, 0);
}

#[test]
fn a_third_frame_retires_the_oldest_incomplete_one() {
    let frames = first_frames(4);
    let mut sender = Sender {
        sequence: 0,
        rtp_timestamp: 0,
    };
    let mut a = sender.send(&frames[0]);
    let mut b = sender.send(&frames[1]);
    let c = sender.send(&frames[2]);
    let a_last = a.pop().unwrap();
    let b_last = b.pop().unwrap();
    let mut d = Depacketizer::default();
    let mut results = push_all(&mut d, &a);
    results.extend(push_all(&mut d, &b));
    // A and B both incomplete: C's first packet retires A.
    results.extend(push_all(&mut d, &c[..1]));
    assert_eq!(d.stats().frames_incomplete, 1);
    // A's missing packet is now late; B's still completes B.
    assert_eq!(
        d.push(a_last.0, a_last.1, a_last.2, &a_last.3).unwrap_err(),
        DepacketizeError::Late { rtp_timestamp: 0 }
    );
    let got = d
        .push(b_last.0, b_last.1, b_last.2, &b_last.3)
        .unwrap()
        .unwrap();
    assert_eq!(got.rtp_timestamp, 3000);
    results.extend(push_all(&mut d, &c[1..]));
    assert_eq!(emitted(&results), [6000]);
    // Duplicates of an emitted frame are late.
    assert!(matches!(
        d.push(c[3].0, c[3].1, c[3].2, &c[3].3),
        Err(DepacketizeError::Late { .. })
    ));
    let s = d.stats();
    assert_eq!((s.frames_complete, s.frames_dropped), (2, 1));
}

#[test]
fn duplicated_packets_are_harmless() {
    let frames = first_frames(1);
    let mut sender = Sender {
        sequence: 0,
        rtp_timestamp: 5,
    };
    let packets = sender.send(&frames[0]);
    let mut doubled = Vec::new();
    for p in &packets[..packets.len() - 1] {
        doubled.push(p.clone());
        doubled.push(p.clone());
    }
    doubled.push(packets[packets.len() - 1].clone());
    let mut d = Depacketizer::default();
    let results = push_all(&mut d, &doubled);
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(emitted(&results), [5]);
}

#[test]
fn timestamp_jump_back_resyncs() {
    let frames = first_frames(3);
    let mut sender = Sender {
        sequence: 100,
        rtp_timestamp: 900_000,
    };
    let one = sender.send(&frames[0]);
    sender.rtp_timestamp = 1234; // the sender restarted its clock
    let two = sender.send(&frames[1]);
    let three = sender.send(&frames[2]);
    let mut d = Depacketizer::default();
    let mut results = push_all(&mut d, &one);
    results.extend(push_all(&mut d, &two));
    results.extend(push_all(&mut d, &three));
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(emitted(&results), [900_000, 1234, 4234]);
    assert_eq!(d.stats().resyncs, 1);
}
