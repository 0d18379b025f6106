//! The packetizer's choices and errors: Q modes (scaled tables checked
//! against frames encoded with them), MTU limits, frames RFC 2435 cannot
//! carry, the 2^24 data limit, and the lab dialect's payload limit.

mod common;

use common::media;

use stream_core::jpeg::compat::JpegType;
use stream_core::jpeg::headers::{HeaderParams, scaled_quant_tables, write_jpeg_headers};
use stream_core::jpeg::rfc2435::wire::JpegPayload;
use stream_core::jpeg::rfc2435::{
    Depacketizer, LabPayloadError, MAX_FRAME_DATA_LEN, MAX_LAB_PAYLOAD, PacketizeConfig,
    PacketizeError, PacketizedFrame, QMode, check_lab_payload, matching_scaled_q, packetize,
};
use stream_core::jpeg::{Incompatibility, Jpeg};

fn decode(jpeg: &[u8]) -> Vec<u8> {
    zune_jpeg::JpegDecoder::new(zune_core::bytestream::ZCursor::new(jpeg))
        .decode()
        .expect("decodes")
}

/// Sends `p` in reverse order through a fresh depacketizer.
fn through(p: &PacketizedFrame) -> Vec<u8> {
    let mut d = Depacketizer::default();
    let mut out = None;
    for i in (0..p.len()).rev() {
        out = d.push(i as u64, 42, p.is_last(i), p.payload(i)).unwrap();
    }
    out.expect("complete").jpeg
}

/// A baseline 4:2:0 JPEG of the given size with `data_len` bytes of
/// (meaningless) scan data, written with the crate's own header writer.
fn synthetic(width: u16, height: u16, data_len: usize) -> Vec<u8> {
    let (l, c) = scaled_quant_tables(50);
    let mut v = Vec::new();
    write_jpeg_headers(
        &mut v,
        &HeaderParams {
            width,
            height,
            jpeg_type: JpegType::Yuv420,
            restart_interval: 0,
            luma_table: &l,
            chroma_table: &c,
        },
    );
    v.resize(v.len() + data_len, 0x5A);
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

#[test]
fn frames_rfc2435_cannot_carry_are_refused() {
    let lab = common::frames_of(&media("lab-384x288-444.Mjpeg"));
    let j = Jpeg::parse(&lab[0]).unwrap();
    assert!(matches!(
        packetize(&j, &PacketizeConfig::default()),
        Err(PacketizeError::Incompatible(Incompatibility::Sampling(_)))
    ));
    let wide = synthetic(2048, 64, 10);
    let j = Jpeg::parse(&wide).unwrap();
    assert_eq!(
        packetize(&j, &PacketizeConfig::default()).unwrap_err(),
        PacketizeError::Incompatible(Incompatibility::TooLarge {
            width: 2048,
            height: 64
        })
    );
    // 2040 is the largest size the 8-bit block counts describe.
    let edge = synthetic(2040, 2040, 10);
    let p = packetize(&Jpeg::parse(&edge).unwrap(), &PacketizeConfig::default()).unwrap();
    assert_eq!((p.width(), p.height()), (2040, 2040));
}

#[test]
fn mtu_must_hold_headers_and_one_byte() {
    let frame = common::frames_of(&media("testsrc-1280x720-420.Mjpeg")).swap_remove(0);
    let j = Jpeg::parse(&frame).unwrap();
    // RTP 12 + main 8 + table header 4 + two 64-byte tables + 1 byte.
    let min_in_band = 12 + 8 + 4 + 128 + 1;
    let cfg = |mtu, q| PacketizeConfig {
        mtu,
        q,
        ..PacketizeConfig::default()
    };
    assert_eq!(
        packetize(&j, &cfg(min_in_band - 1, QMode::InBand)).unwrap_err(),
        PacketizeError::MtuTooSmall {
            mtu: min_in_band - 1,
            min_mtu: min_in_band
        }
    );
    let p = packetize(&j, &cfg(min_in_band, QMode::InBand)).unwrap();
    assert_eq!(
        JpegPayload::new_checked(p.payload(0)).unwrap().data().len(),
        1
    );
    assert!(p.iter().all(|x| x.len() + 12 <= min_in_band));
    assert_eq!(decode(&through(&p)), decode(&frame));
    // Packing order never changes what the receiver rebuilds.
    let default = packetize(&j, &PacketizeConfig::default()).unwrap();
    assert_eq!(through(&p), through(&default));
}

#[test]
fn q_mode_misuse() {
    let frame = common::frames_of(&media("testsrc-1280x720-420.Mjpeg")).swap_remove(0);
    let j = Jpeg::parse(&frame).unwrap();
    for q in [
        QMode::Dynamic(127),
        QMode::Dynamic(255),
        QMode::Scaled(0),
        QMode::Scaled(100),
    ] {
        let cfg = PacketizeConfig {
            q,
            ..PacketizeConfig::default()
        };
        assert!(matches!(
            packetize(&j, &cfg),
            Err(PacketizeError::InvalidQ(_))
        ));
    }
    // ffmpeg's tables are not the IJG ones.
    assert_eq!(matching_scaled_q(&j), None);
    let cfg = PacketizeConfig {
        q: QMode::Scaled(50),
        ..PacketizeConfig::default()
    };
    assert_eq!(
        packetize(&j, &cfg).unwrap_err(),
        PacketizeError::TablesNotScaled(50)
    );
}

#[test]
fn scaled_q_sends_no_tables() {
    let frame = synthetic(320, 240, 5000);
    let j = Jpeg::parse(&frame).unwrap();
    assert_eq!(matching_scaled_q(&j), Some(50));
    let cfg = PacketizeConfig {
        q: QMode::Scaled(50),
        ..PacketizeConfig::default()
    };
    let p = packetize(&j, &cfg).unwrap();
    assert_eq!(p.q(), 50);
    let first = JpegPayload::new_checked(p.payload(0)).unwrap();
    assert!(first.quant_header().is_none());
    assert_eq!(first.data().len(), 1400 - 12 - 8);
    // The receiver rebuilds exactly the frame's headers from Q alone.
    assert_eq!(through(&p), frame);
}

#[test]
fn data_limit_is_two_to_the_24() {
    let j_ok = synthetic(64, 64, MAX_FRAME_DATA_LEN);
    let j = Jpeg::parse(&j_ok).unwrap();
    let p = packetize(&j, &PacketizeConfig::default()).unwrap();
    let last = JpegPayload::new_checked(p.payload(p.len() - 1)).unwrap();
    assert_eq!(
        last.fragment_offset() as usize + last.data().len(),
        MAX_FRAME_DATA_LEN
    );
    drop(j);
    let too_big = synthetic(64, 64, MAX_FRAME_DATA_LEN + 1);
    let j = Jpeg::parse(&too_big).unwrap();
    assert_eq!(
        packetize(&j, &PacketizeConfig::default()).unwrap_err(),
        PacketizeError::FrameTooLarge {
            len: MAX_FRAME_DATA_LEN + 1,
            max: MAX_FRAME_DATA_LEN
        }
    );
}

#[test]
fn lab_payload_fits_one_datagram_or_is_refused() {
    for f in common::frames_of(&media("testsrc-1280x720-420.Mjpeg")) {
        assert_eq!(check_lab_payload(f.len()), Ok(()));
    }
    for f in common::frames_of(&media("big-1920x1080-420.Mjpeg")) {
        assert_eq!(
            check_lab_payload(f.len()),
            Err(LabPayloadError::TooLarge {
                len: f.len(),
                max: MAX_LAB_PAYLOAD
            })
        );
    }
}

/// Frames encoded with the IJG-scaled Annex K tables (jpeg-encoder uses
/// them) in both layouts, with and without restart markers, through every
/// Q mode: the receiver's pixels equal the sender's.
#[cfg(feature = "normalize")]
#[test]
fn encoded_frames_round_trip_in_every_q_mode() {
    use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

    let cases = [
        (75u8, 2u8, 2u8, 0u16, 320u16, 240u16),
        (50, 2, 1, 0, 200, 120),
        (90, 2, 2, 3, 160, 96),
        (20, 2, 1, 1, 64, 48),
        (99, 2, 2, 7, 128, 72),
    ];
    let mut state = 0x1234_5678_u32;
    for (quality, h, v, restart, width, height) in cases {
        let rgb: Vec<u8> = (0..usize::from(width) * usize::from(height) * 3)
            .map(|i| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                ((i / 7) as u8).wrapping_add((state >> 29) as u8)
            })
            .collect();
        let mut jpeg = Vec::new();
        let mut enc = Encoder::new(&mut jpeg, quality);
        enc.set_sampling_factor(SamplingFactor::from_factors(h, v).unwrap());
        if restart != 0 {
            enc.set_restart_interval(restart);
        }
        enc.encode(&rgb, width, height, ColorType::Rgb).unwrap();

        let j = Jpeg::parse(&jpeg).unwrap();
        assert_eq!(matching_scaled_q(&j), Some(quality));
        let reference = decode(&jpeg);
        for q in [QMode::Scaled(quality), QMode::InBand, QMode::Dynamic(128)] {
            for (mtu, align_restart_intervals) in [(1400, true), (300, true), (300, false)] {
                let cfg = PacketizeConfig {
                    mtu,
                    q,
                    align_restart_intervals,
                };
                let p = packetize(&j, &cfg).unwrap();
                let expect_type = if v == 2 { 1 } else { 0 } + if restart != 0 { 64 } else { 0 };
                assert_eq!(p.type_field(), expect_type);
                assert_eq!(p.restart_aligned(), restart != 0 && align_restart_intervals);
                let out = through(&p);
                assert_eq!(decode(&out), reference, "{quality} {q:?} {mtu}");
            }
        }
    }
}
