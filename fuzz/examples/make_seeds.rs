//! Writes the seed corpora: `cargo run --example make_seeds` (from `fuzz/`).
//!
//! Seeds come from `../shared/media` (frames, packetized frames, cut-down
//! files, the broken ones included), the course lab's messages, RFC 2326's
//! and RFC 4566's examples, what ffmpeg, GStreamer, VLC and live555 send,
//! and small JPEG images generated here in every layout the core handles.
//! Each seed is written as `corpus/<target>/seed-<name>`; re-running
//! overwrites them and leaves libFuzzer's own finds alone.

use std::fs;
use std::path::{Path, PathBuf};

use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use stream_core::Duration;
use stream_core::jpeg::Jpeg;
use stream_core::jpeg::rfc2435::{PacketizeConfig, QMode, packetize};
use stream_core::mjpeg;
use stream_core::rtp::{RtpHeader, RtpPacket};
use stream_core::sdp::{SdpParams, write_sdp};
use stream_core_fuzz::seeds;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn media(name: &str) -> Vec<u8> {
    let p = root().join("../../shared/media").join(name);
    fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn put(target: &str, name: &str, bytes: &[u8]) {
    let dir = root().join("corpus").join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
}

/// The first `n` frames of a media file.
fn frames(name: &str, n: usize) -> Vec<Vec<u8>> {
    let data = media(name);
    let idx = mjpeg::index(&data);
    (0..idx.len().min(n))
        .map(|i| idx.frame(&data, i).unwrap().to_vec())
        .collect()
}

/// A small synthetic picture, encoded by jpeg-encoder.
fn generated(
    width: u16,
    height: u16,
    color: ColorType,
    setup: impl Fn(&mut Encoder<&mut Vec<u8>>),
) -> Vec<u8> {
    let channels = match color {
        ColorType::Luma => 1,
        _ => 3,
    };
    let mut pixels = Vec::new();
    for y in 0..usize::from(height) {
        for x in 0..usize::from(width) {
            for c in 0..channels {
                pixels.push(((x * 7 + y * 13 + c * 50) % 256) as u8);
            }
        }
    }
    let mut out = Vec::new();
    let mut enc = Encoder::new(&mut out, 80);
    setup(&mut enc);
    enc.encode(&pixels, width, height, color).unwrap();
    out
}

/// Small JPEGs in every layout: carriable 4:2:0 and 4:2:2, with restart
/// markers, 4:4:4, grayscale, progressive, optimised Huffman tables, Y 2x2
/// with chroma 1x2, and an odd size.
fn small_jpegs() -> Vec<(&'static str, Vec<u8>)> {
    use SamplingFactor::*;
    vec![
        (
            "420",
            generated(32, 16, ColorType::Rgb, |e| e.set_sampling_factor(F_2_2)),
        ),
        (
            "422",
            generated(32, 16, ColorType::Rgb, |e| e.set_sampling_factor(F_2_1)),
        ),
        (
            "420-restart",
            generated(48, 32, ColorType::Rgb, |e| {
                e.set_sampling_factor(F_2_2);
                e.set_restart_interval(1);
            }),
        ),
        (
            "444",
            generated(24, 16, ColorType::Rgb, |e| e.set_sampling_factor(F_1_1)),
        ),
        ("gray", generated(24, 16, ColorType::Luma, |_| {})),
        (
            "gray-restart",
            generated(40, 16, ColorType::Luma, |e| e.set_restart_interval(2)),
        ),
        (
            "progressive",
            generated(32, 16, ColorType::Rgb, |e| {
                e.set_sampling_factor(F_2_2);
                e.set_progressive(true);
            }),
        ),
        (
            "opthuff",
            generated(32, 16, ColorType::Rgb, |e| {
                e.set_sampling_factor(F_2_1);
                e.set_optimized_huffman_tables(true);
            }),
        ),
        (
            "yuvj422",
            generated(32, 32, ColorType::Rgb, |e| e.set_sampling_factor(F_1_2)),
        ),
        (
            "411",
            generated(32, 16, ColorType::Rgb, |e| e.set_sampling_factor(F_4_1)),
        ),
        (
            "odd-size",
            generated(21, 13, ColorType::Rgb, |e| e.set_sampling_factor(F_2_2)),
        ),
    ]
}

/// One small real frame of each kind in `shared/media`.
fn media_frames() -> Vec<(&'static str, Vec<u8>)> {
    [
        ("lab444", "lab-384x288-444.Mjpeg"),
        ("testsrc420", "testsrc-640x480-420.raw.mjpeg"),
        ("restart420", "restart-640x480-420.Mjpeg"),
        ("gray", "gray-640x480.Mjpeg"),
        ("progressive", "progressive-640x480.Mjpeg"),
        ("mandelbrot422", "mandelbrot-640x480-422.Mjpeg"),
    ]
    .into_iter()
    .map(|(n, f)| (n, frames(f, 1).remove(0)))
    .collect()
}

fn rtsp_seeds() {
    for (i, m) in seeds::RTSP_MESSAGES.iter().enumerate() {
        // Flag byte: 0 standard framing, 1 end_of_input (a lab request
        // completed by silence), 2 + five limit bytes: small limits.
        put(
            "rtsp_message",
            &format!("msg{i:02}"),
            &[&[0u8][..], m].concat(),
        );
        put(
            "rtsp_message",
            &format!("msg{i:02}-eoi"),
            &[&[1u8][..], m].concat(),
        );
    }
    put(
        "rtsp_message",
        "small-limits",
        &[&[2u8, 30, 20, 4, 20, 16][..], seeds::RTSP_MESSAGES[1]].concat(),
    );
    let stream: Vec<u8> = seeds::RTSP_MESSAGES
        .iter()
        .flat_map(|m| m.iter().copied())
        .collect();
    put("rtsp_stream", "all", &[&[0u8][..], &stream].concat());
    put(
        "rtsp_stream",
        "chunked",
        &[&[3u8, 7, 1, 200][..], &stream[..stream.len().min(2000)]].concat(),
    );
    let mut interleaved = Vec::new();
    stream_core::rtsp::write_interleaved(
        &mut interleaved,
        0,
        &[0x80, 26, 0, 1, 0, 0, 0, 9, 1, 2, 3, 4, 0xAA],
    )
    .unwrap();
    interleaved.extend_from_slice(b"\r\nPLAY rtsp://h/x RTSP/1.0\r\nCSeq: 5\r\nSession: 1\r\n\r\n");
    stream_core::rtsp::write_interleaved(&mut interleaved, 1, &[0x81, 201, 0, 1, 1, 2, 3, 4])
        .unwrap();
    put(
        "rtsp_stream",
        "interleaved",
        &[&[2u8, 3, 10][..], &interleaved].concat(),
    );

    for (i, (sel, v)) in seeds::HEADER_VALUES.iter().enumerate() {
        put(
            "rtsp_headers",
            &format!("h{i:02}"),
            &[&[*sel][..], v.as_bytes()].concat(),
        );
    }
    for (i, v) in seeds::TRANSPORTS.iter().enumerate() {
        put("rtsp_transport", &format!("t{i:02}"), v.as_bytes());
    }
    for (i, v) in seeds::RANGES.iter().enumerate() {
        put("rtsp_range", &format!("r{i:02}"), v.as_bytes());
    }
    for (i, v) in seeds::URIS.iter().enumerate() {
        // `\u{FF}` stands for the raw byte 0xFF that separates base and
        // control.
        let bytes = v.replace('\u{FF}', "\u{1}").into_bytes();
        let bytes: Vec<u8> = bytes
            .into_iter()
            .map(|b| if b == 1 { 0xFF } else { b })
            .collect();
        put("rtsp_uri", &format!("u{i:02}"), &bytes);
    }
}

fn sdp_seeds() {
    for (i, s) in seeds::SDPS.iter().enumerate() {
        put(
            "sdp",
            &format!("text{i:02}"),
            &[&[0u8][..], s.as_bytes()].concat(),
        );
    }
    let mut ours = Vec::new();
    write_sdp(
        &mut ours,
        &SdpParams {
            session_id: 1234567,
            origin_address: "192.168.1.10".parse().unwrap(),
            session_name: "movie.Mjpeg",
            duration: Some(Duration::from_millis(25_050)),
            framerate: 20,
            control: "trackID=0",
            width: Some(384),
            height: Some(288),
        },
    );
    put("sdp", "ours", &[&[0u8][..], &ours].concat());
    put(
        "sdp",
        "params",
        b"\x01movie.Mjpeg\x00trackID=0\x00\x01\xc0\xa8\x01\x0a\x01\x00\x00\x01\x00\x14\x00\x00\x00",
    );
    put(
        "sdp",
        "params-evil",
        b"\x01a\r\nm=audio 0 RTP/AVP 0\x00\r\na=control:x\x00\x00",
    );
}

/// RTP/JPEG packets of `jpeg`, in the `rfc2435_depacketize` input format.
fn depacketize_input(jpeg: &[u8], cap: u16, q: QMode, mtu: usize) -> Vec<u8> {
    let j = Jpeg::parse(jpeg).unwrap();
    let f = packetize(
        &j,
        &PacketizeConfig {
            mtu,
            q,
            align_restart_intervals: true,
        },
    )
    .unwrap();
    let mut out = cap.to_be_bytes().to_vec();
    for (i, p) in f.iter().enumerate() {
        // Control: marker on the last packet; sequence +1; the first
        // packet of a frame moves the timestamp to the next frame.
        let mut control = u8::from(f.is_last(i));
        if i == 0 {
            control |= 1 << 1;
        }
        out.push(control);
        out.extend_from_slice(&(p.len() as u16).to_be_bytes());
        out.extend_from_slice(p);
    }
    out
}

fn rtp_seeds(carriable: &[(&str, Vec<u8>)]) {
    for (name, jpeg) in carriable {
        put(
            "rfc2435_depacketize",
            name,
            &depacketize_input(jpeg, 0xFFFF, QMode::InBand, 1400),
        );
        put(
            "rfc2435_depacketize",
            &format!("{name}-q200-small-cap"),
            &depacketize_input(jpeg, 40, QMode::Dynamic(200), 300),
        );
        for (i, (mtu, q, align)) in [(1400u16, 0u8, 1u8), (300, 1, 0), (100, 2, 1)]
            .into_iter()
            .enumerate()
        {
            let mut ctl = [0u8; 8];
            ctl[..2].copy_from_slice(&(mtu - 64).to_be_bytes());
            ctl[2] = q;
            ctl[3] = 72;
            ctl[4] = align;
            ctl[5] = (i as u8) * 0x51; // some runs lose a packet (bit 7)
            ctl[6] = 0x5A;
            ctl[7] = i as u8;
            put(
                "rfc2435_roundtrip",
                &format!("{name}-{i}"),
                &[&ctl[..], jpeg].concat(),
            );
        }
        // RTP packets around the first payload.
        let j = Jpeg::parse(jpeg).unwrap();
        let f = packetize(&j, &PacketizeConfig::default()).unwrap();
        let mut pkt = Vec::new();
        RtpHeader {
            marker: f.is_last(0),
            payload_type: 26,
            sequence_number: 65530,
            timestamp: 9000,
            ssrc: 0xDEADBEEF,
        }
        .write(&mut pkt);
        pkt.extend_from_slice(&f.payload(0)[..f.payload(0).len().min(200)]);
        assert!(RtpPacket::new_checked(&pkt[..]).is_ok());
        put("rtp", name, &pkt);
    }
    // CSRCs, an extension and padding.
    let mut p = vec![
        0xB2, 0x9A, 0, 7, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
    ];
    p.extend_from_slice(&[0xBE, 0xDE, 0, 1, 1, 2, 3, 4]);
    p.extend_from_slice(&[9, 9, 9, 0, 0, 3]);
    put("rtp", "csrc-ext-padding", &p);
    let mut stream = Vec::new();
    for (i, seq) in [1u16, 2, 3, 5, 4, 4, 9000, 9001, 65535, 0, 1]
        .iter()
        .enumerate()
    {
        stream.extend_from_slice(&[20, i as u8 * 3, 0]);
        let mut h = Vec::new();
        RtpHeader {
            marker: false,
            payload_type: 26,
            sequence_number: *seq,
            timestamp: 3000 * i as u32,
            ssrc: 7,
        }
        .write(&mut h);
        h.extend_from_slice(&[0; 8]);
        stream.extend_from_slice(&h);
    }
    put("rtp", "sequence", &stream);

    use stream_core::rtp::{Bye, ReceiverReport, Report, ReportBlock, SenderReport};
    let block = ReportBlock {
        ssrc: 5,
        fraction_lost: 3,
        cumulative_lost: -2,
        highest_sequence: 70000,
        jitter: 40,
        last_sr: 0x1234_5678,
        delay_since_last_sr: 65536,
    };
    let mut sr = Vec::new();
    stream_core::rtp::write_sender_report_compound(
        &mut sr,
        &SenderReport {
            ssrc: 1,
            ntp_timestamp: 0xE000_0000_8000_0000,
            rtp_timestamp: 90000,
            packet_count: 10,
            octet_count: 12000,
            reports: &[block],
        },
        "server@host",
    )
    .unwrap();
    put("rtcp", "sr-sdes", &[&[0u8][..], &sr].concat());
    let mut rr = Vec::new();
    stream_core::rtp::write_bye_compound(
        &mut rr,
        &Report::Receiver(ReceiverReport {
            ssrc: 2,
            reports: &[block, block],
        }),
        "viewer",
        &Bye {
            ssrcs: &[2],
            reason: Some("bye now"),
        },
    )
    .unwrap();
    put("rtcp", "rr-sdes-bye", &[&[0u8][..], &rr].concat());
    put(
        "rtcp",
        "app-padded",
        &[
            0u8, 0x80, 204, 0, 3, 0, 0, 0, 1, b'n', b'a', b'm', b'e', 1, 2, 3, 4, 0xA0, 200, 0, 0,
        ],
    );
    put(
        "rtcp",
        "structured",
        &[
            1u8, 3, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
            9, 1, 4, b'c', b'n', 1, 1, 1, 0,
        ],
    );
}

fn jpeg_seeds(small: &[(&str, Vec<u8>)], real: &[(&str, Vec<u8>)]) {
    for (name, j) in small {
        put("jpeg_markers", &format!("small-{name}"), j);
        put(
            "jpeg_normalize",
            &format!("small-{name}"),
            &[&[1u8][..], j].concat(),
        );
        put(
            "jpeg_normalize",
            &format!("small-{name}-q50-nolossy"),
            &[&[100u8][..], j].concat(),
        );
    }
    for (name, j) in real {
        put("jpeg_markers", name, j);
        if j.len() < 40_000 {
            put("jpeg_normalize", name, &[&[1u8][..], j].concat());
        }
    }
}

fn mjpeg_seeds() {
    for name in [
        "bad-header.Mjpeg",
        "bad-notjpeg.Mjpeg",
        "bad-overlong.Mjpeg",
        "odd-zero-and-spaces.Mjpeg",
    ] {
        put("mjpeg", name, &media(name));
    }
    // Cut-down files: the first frames of each kind, and a truncated one.
    for (name, n) in [
        ("lab-384x288-444.Mjpeg", 3),
        ("testsrc-640x480-420.raw.mjpeg", 2),
        ("restart-640x480-420.Mjpeg", 1),
        ("progressive-640x480.Mjpeg", 1),
    ] {
        let data = media(name);
        let idx = mjpeg::index(&data);
        let end = idx.frames[n - 1].range.end;
        put("mjpeg", &format!("{name}-{n}"), &data[..end]);
        put("mjpeg", &format!("{name}-cut"), &data[..end - 100]);
    }
}

fn main() {
    let small = small_jpegs();
    let real = media_frames();
    let carriable: Vec<(&str, Vec<u8>)> = small
        .iter()
        .chain(&real)
        .filter(|(_, j)| stream_core::jpeg::rfc2435_layout(&Jpeg::parse(j).unwrap()).is_ok())
        .map(|(n, j)| (*n, j.clone()))
        .collect();
    assert!(
        carriable.len() >= 5,
        "{:?}",
        carriable.iter().map(|c| c.0).collect::<Vec<_>>()
    );
    rtsp_seeds();
    sdp_seeds();
    rtp_seeds(&carriable);
    jpeg_seeds(&small, &real);
    mjpeg_seeds();
    seeds::write_state_machine_seeds(&|t, n, b| put(t, n, b));
    let _ = Path::new(".");
    println!("seeds written under {}", root().join("corpus").display());
}
