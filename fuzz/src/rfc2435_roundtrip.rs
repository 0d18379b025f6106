//! Target `rfc2435_roundtrip`: a JPEG frame through the RFC 2435 sender
//! (`packetize`) and receiver (`Depacketizer`), with the packets reordered,
//! duplicated or lost on the way.
//!
//! Input: eight control bytes, then a JPEG image (the seeds are real frames
//! from `shared/media` and small generated ones). Control: MTU (u16 BE,
//! from 64 bytes), Q mode (in band, dynamic 128..=254, or the scaled Q the
//! frame's tables match), restart alignment, and a seed for the network's
//! reordering, duplication and loss.
//!
//! Oracles:
//! - `packetize` fails only for a frame RFC 2435 cannot carry, an MTU too
//!   small for its headers, scaled tables that do not match, or a
//!   quantization table with a 0 (which receivers refuse);
//! - every packet fits the MTU with its RTP header; fragment offsets run
//!   back to back from 0 and the data is exactly the frame's entropy-coded
//!   data; only the first packet carries tables, and only for Q >= 128;
//!   every packet's headers agree;
//! - with no packet lost, the receiver rebuilds exactly one frame, in any
//!   arrival order and with any duplicates, whose entropy-coded data, size
//!   (rounded up to 8 pixels), sampling, restart interval and quantization
//!   tables are the sender's, and it is carriable again;
//! - with a packet lost, no frame comes out: a frame with a hole is never
//!   glued together.

use stream_core::jpeg::rfc2435::{
    Depacketizer, JpegPayload, PacketizeConfig, PacketizeError, PayloadHeader, QMode,
    RTP_HEADER_LEN, matching_scaled_q, packetize,
};
use stream_core::jpeg::{Jpeg, rfc2435_layout};

/// Runs the target.
pub fn run(data: &[u8]) {
    let Some((ctl, image)) = data.split_first_chunk::<8>() else {
        return;
    };
    let Ok(jpeg) = Jpeg::parse(image) else {
        return;
    };
    let mtu = 64 + usize::from(u16::from_be_bytes([ctl[0], ctl[1]]));
    let q = match ctl[2] % 3 {
        0 => QMode::InBand,
        1 => QMode::Dynamic(128 + ctl[3] % 127),
        _ => match matching_scaled_q(&jpeg) {
            Some(q) => QMode::Scaled(q),
            None => QMode::Scaled(1 + ctl[3] % 99),
        },
    };
    let cfg = PacketizeConfig {
        mtu,
        q,
        align_restart_intervals: ctl[4] & 1 != 0,
    };
    let layout = rfc2435_layout(&jpeg);
    let frame = match packetize(&jpeg, &cfg) {
        Ok(f) => f,
        Err(e) => {
            match &e {
                PacketizeError::Incompatible(_) => assert!(layout.is_err(), "{e}"),
                PacketizeError::MtuTooSmall { min_mtu, .. } => assert!(mtu < *min_mtu),
                PacketizeError::TablesNotScaled(_) => {
                    assert!(matches!(q, QMode::Scaled(_)));
                }
                PacketizeError::ZeroQuantEntry(id) => {
                    let t = jpeg.quant_tables[usize::from(*id)].as_ref();
                    assert!(t.is_some_and(|t| t.values.contains(&0)), "{e}");
                }
                other => panic!("unexpected {other}"),
            }
            return;
        }
    };
    let layout = layout.expect("packetized, so carriable");
    let entropy = jpeg.entropy_data();
    assert!(!frame.is_empty());
    assert_eq!(frame.type_field(), layout.type_field());

    // The packets as the sender built them.
    let mut offset = 0usize;
    let mut first: Option<PayloadHeader<'_>> = None;
    for (i, payload) in frame.iter().enumerate() {
        assert!(
            payload.len() + RTP_HEADER_LEN <= mtu,
            "packet {i}: {} bytes over MTU {mtu}",
            payload.len()
        );
        let p = JpegPayload::new_checked(payload).expect("our own payload reads back");
        let h = PayloadHeader::parse(&p);
        assert_eq!(h.fragment_offset as usize, offset, "packet {i}");
        assert_eq!(h.quant.is_some(), i == 0 && h.q >= 128, "packet {i}");
        assert_eq!(h.restart.is_some(), layout.restart_interval != 0);
        let data = p.data();
        assert!(
            !data.is_empty() || entropy.is_empty(),
            "packet {i} is empty"
        );
        assert_eq!(data, &entropy[offset..offset + data.len()], "packet {i}");
        offset += data.len();
        match &first {
            None => first = Some(h),
            Some(f) => assert_eq!(
                (
                    f.type_field,
                    f.q,
                    f.width_blocks,
                    f.height_blocks,
                    f.type_specific
                ),
                (
                    h.type_field,
                    h.q,
                    h.width_blocks,
                    h.height_blocks,
                    h.type_specific
                ),
                "packet {i}"
            ),
        }
    }
    assert_eq!(
        offset,
        entropy.len(),
        "the packets do not carry all the data"
    );

    // The network: a permutation, some duplicates, maybe one loss.
    let n = frame.len();
    let mut seed = u32::from_be_bytes([ctl[4], ctl[5], ctl[6], ctl[7]]) | 1;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed as usize
    };
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, next() % (i + 1));
    }
    for _ in 0..next() % 4 {
        let dup = order[next() % n];
        order.insert(next() % (order.len() + 1), dup);
    }
    let lost = (ctl[5] & 0x80 != 0).then(|| next() % n);
    if let Some(l) = lost {
        order.retain(|&i| i != l);
    }

    let rtp_timestamp = 0xFFFF_F000;
    let mut d = Depacketizer::default();
    let mut frames = Vec::new();
    for &i in &order {
        if let Ok(Some(f)) = d.push(
            1000 + i as u64,
            rtp_timestamp,
            frame.is_last(i),
            frame.payload(i),
        ) {
            frames.push(f);
        }
    }
    if lost.is_some() && n > 1 {
        assert!(frames.is_empty(), "a frame with a lost packet came out");
        return;
    }
    if lost.is_some() {
        // The frame's only packet was lost.
        assert!(frames.is_empty());
        return;
    }
    assert_eq!(frames.len(), 1, "order {order:?}");
    let out = &frames[0];
    assert_eq!(out.rtp_timestamp, rtp_timestamp);
    assert_eq!(
        (out.first_sequence, out.last_sequence),
        (1000, 1000 + n as u64 - 1)
    );
    let rebuilt = Jpeg::parse(&out.jpeg).unwrap_or_else(|e| panic!("rebuilt frame: {e}"));
    // Fill bytes (0xFF) at the very end of an image without EOI are part of
    // its scan data as read, and become fill before the EOI the receiver
    // appends: the same coded data.
    let unfilled = |d: &[u8]| d.len() - d.iter().rev().take_while(|&&b| b == 0xFF).count();
    let got = rebuilt.entropy_data();
    assert_eq!(
        &got[..unfilled(got)],
        &entropy[..unfilled(entropy)],
        "entropy-coded data changed"
    );
    let round8 = |v: u16| v.div_ceil(8) * 8;
    assert_eq!(
        (rebuilt.frame.width, rebuilt.frame.height),
        (round8(jpeg.frame.width), round8(jpeg.frame.height))
    );
    assert_eq!(rebuilt.restart_interval, layout.restart_interval);
    let again = rfc2435_layout(&rebuilt).expect("rebuilt frame is carriable");
    assert_eq!(again.jpeg_type, layout.jpeg_type);
    for (role, idx) in [(0, layout.luma_quant_table), (1, layout.chroma_quant_table)] {
        let sent = jpeg.quant_tables[usize::from(idx)].as_ref().expect("table");
        let got = rebuilt.component_quant_table(role).expect("rebuilt table");
        assert_eq!(got.values, sent.values, "quantization table {role}");
    }
}
