//! Property tests: hostile packet sequences never panic and never yield a
//! frame over the cap; any MTU, Q mode and arrival order rebuild the same
//! JPEG.

use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;
use stream_core::jpeg::Jpeg;
use stream_core::jpeg::rfc2435::{
    Depacketizer, DepacketizerConfig, PacketizeConfig, QMode, packetize,
};

/// How one fuzzed packet is made.
#[derive(Debug, Clone)]
enum Payload {
    /// Arbitrary bytes.
    Raw(Vec<u8>),
    /// Plausible headers with hostile values.
    Structured {
        type_specific: u8,
        offset: u32,
        type_field: u8,
        q: u8,
        width_blocks: u8,
        height_blocks: u8,
        restart: u32,
        precision: u8,
        table_len: u16,
        data: Vec<u8>,
    },
}

impl Payload {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Payload::Raw(b) => b.clone(),
            Payload::Structured {
                type_specific,
                offset,
                type_field,
                q,
                width_blocks,
                height_blocks,
                restart,
                precision,
                table_len,
                data,
            } => {
                let o = offset.to_be_bytes();
                let mut v = vec![
                    *type_specific,
                    o[1],
                    o[2],
                    o[3],
                    *type_field,
                    *q,
                    *width_blocks,
                    *height_blocks,
                ];
                if (64..128).contains(type_field) {
                    v.extend_from_slice(&restart.to_be_bytes());
                }
                if *q >= 128 && *offset & 0xFF_FFFF == 0 {
                    v.extend_from_slice(&[0, *precision]);
                    v.extend_from_slice(&table_len.to_be_bytes());
                    // Table bytes come from the data (1..=255 so that some
                    // tables are valid); Length may exceed what is there.
                    v.extend(data.iter().take(usize::from(*table_len)).map(|b| b | 1));
                }
                v.extend_from_slice(data);
                v
            }
        }
    }
}

fn payload() -> impl Strategy<Value = Payload> {
    let offset = prop_oneof![
        Just(0u32),
        0u32..4000,
        (0u32..64).prop_map(|k| k * 100),
        0xFF_FF00u32..=0xFF_FFFF,
        any::<u32>(),
    ];
    let type_field = prop_oneof![Just(0u8), Just(1), Just(64), Just(65), any::<u8>()];
    let q = prop_oneof![Just(50u8), Just(128), Just(200), Just(255), any::<u8>()];
    let table_len = prop_oneof![Just(0u16), Just(64), Just(128), Just(256), any::<u16>()];
    let structured = (
        (any::<u8>(), offset, type_field, q),
        (0u8..4, 0u8..4, any::<u32>()),
        (
            any::<u8>(),
            table_len,
            prop::collection::vec(any::<u8>(), 0..600),
        ),
    )
        .prop_map(
            |(
                (type_specific, offset, type_field, q),
                (width_blocks, height_blocks, restart),
                (precision, table_len, data),
            )| Payload::Structured {
                type_specific: type_specific % 4,
                offset,
                type_field,
                q,
                width_blocks,
                height_blocks,
                restart,
                precision,
                table_len,
                data,
            },
        );
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..40).prop_map(Payload::Raw),
        4 => structured,
    ]
}

/// (sequence step, timestamp choice, marker, payload)
fn packets() -> impl Strategy<Value = Vec<(u8, u8, bool, Payload)>> {
    prop::collection::vec((0u8..4, 0u8..6, any::<bool>(), payload()), 0..120)
}

const TIMESTAMPS: [u32; 6] = [0, 3000, 6000, u32::MAX, 0x8000_0000, 9000];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn hostile_packets_never_panic_or_exceed_the_cap(
        max_frame_len in prop_oneof![0usize..3000, Just(16usize << 20)],
        packets in packets(),
    ) {
        let mut d = Depacketizer::new(DepacketizerConfig { max_frame_len });
        let mut sequence = 1000u64;
        let mut emitted = 0u64;
        for (step, ts, marker, payload) in &packets {
            // Steps of 0 repeat a sequence number; the occasional step back
            // models reordering.
            sequence = match step {
                3 => sequence.saturating_sub(5),
                s => sequence + u64::from(*s),
            };
            let bytes = payload.bytes();
            if let Ok(Some(f)) = d.push(sequence, TIMESTAMPS[usize::from(*ts)], *marker, &bytes) {
                prop_assert!(f.jpeg.len() <= max_frame_len);
                prop_assert!(f.jpeg.starts_with(&[0xFF, 0xD8]));
                prop_assert!(f.jpeg.ends_with(&[0xFF, 0xD9]));
                prop_assert!(f.first_sequence <= f.last_sequence);
                emitted += 1;
            }
        }
        let s = d.stats();
        prop_assert_eq!(s.frames_complete, emitted);
        prop_assert!(s.frames_incomplete <= s.frames_dropped);
    }
}

/// A few frames of the raw 640x480 clip and the JPEG each rebuilds to with
/// the default configuration.
fn reference() -> &'static [(Vec<u8>, Vec<u8>)] {
    static FRAMES: OnceLock<Vec<(Vec<u8>, Vec<u8>)>> = OnceLock::new();
    FRAMES.get_or_init(|| {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/media/testsrc-640x480-420.raw.mjpeg");
        let data = std::fs::read(p).unwrap();
        let mut out = Vec::new();
        let mut at = 0;
        while at < data.len() && out.len() < 4 {
            let j = Jpeg::parse(&data[at..]).unwrap();
            let frame = data[at..at + j.len].to_vec();
            let p = packetize(&j, &PacketizeConfig::default()).unwrap();
            let mut d = Depacketizer::default();
            let mut rebuilt = None;
            for (i, payload) in p.iter().enumerate() {
                rebuilt = d.push(i as u64, 0, p.is_last(i), payload).unwrap();
            }
            out.push((frame, rebuilt.unwrap().jpeg));
            at += j.len;
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_mtu_mode_and_order_rebuild_the_same_jpeg(
        frame in 0usize..4,
        mtu in 153usize..4000,
        dynamic_q in prop::option::of(128u8..=254),
        order in Just(()).prop_perturb(|_, mut rng| rng.next_u64()),
        first_sequence in any::<u16>(),
    ) {
        let (original, expected) = &reference()[frame];
        let j = Jpeg::parse(original).unwrap();
        let cfg = PacketizeConfig {
            mtu,
            q: dynamic_q.map_or(QMode::InBand, QMode::Dynamic),
            ..PacketizeConfig::default()
        };
        let p = packetize(&j, &cfg).unwrap();
        let mut indices: Vec<usize> = (0..p.len()).collect();
        // Fisher-Yates with a splitmix64 stream from the drawn seed.
        let mut s = order;
        for i in (1..indices.len()).rev() {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            indices.swap(i, (z % (i as u64 + 1)) as usize);
        }
        let mut d = Depacketizer::default();
        let mut rebuilt = None;
        for (k, &i) in indices.iter().enumerate() {
            prop_assert!(p.payload(i).len() + 12 <= mtu);
            let out = d
                .push(u64::from(first_sequence) + i as u64, 77, p.is_last(i), p.payload(i))
                .unwrap();
            prop_assert_eq!(out.is_some(), k + 1 == indices.len());
            if out.is_some() {
                rebuilt = out;
            }
        }
        prop_assert_eq!(&rebuilt.unwrap().jpeg, expected);
    }
}
