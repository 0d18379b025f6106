//! RTP/JPEG (RFC 2435) throughput: packetize (once per frame, shared by all
//! sessions) and depacketize (per receiver), in frame bytes per second.
//!
//! Clips: the 1280x720 4:2:0 clip (~58 KB frames); the lab's own 384x288
//! 4:4:4 movie, normalised first (RFC 2435 has no 4:4:4 type; what is
//! packetized and sent is the normalised frame, so its bytes are what is
//! counted); the raw 640x480 4:2:0 clip; and the restart-marker clip with
//! aligned and unaligned cutting. A third group times the normaliser
//! itself (once per frame at load) on the files that need it.
//!
//! Run: `cargo bench -p stream-core --bench rtp_jpeg`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use stream_core::jpeg::Jpeg;
use stream_core::jpeg::normalize::{NormalizeConfig, normalize};
use stream_core::jpeg::rfc2435::{
    Depacketizer, DepacketizerConfig, PacketizeConfig, PacketizedFrame, packetize,
};
use stream_core::mjpeg;

fn media(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/media")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The JPEG frames of a file (either container), normalised for RFC 2435
/// when `normalised`.
fn frames(name: &str, normalised: bool) -> Vec<Vec<u8>> {
    let data = media(name);
    let index = mjpeg::index(&data);
    index
        .frames
        .iter()
        .map(|f| {
            let jpeg = &data[f.range.clone()];
            if normalised {
                normalize(jpeg, &NormalizeConfig::default())
                    .unwrap()
                    .bytes(jpeg)
                    .to_vec()
            } else {
                jpeg.to_vec()
            }
        })
        .collect()
}

const CLIPS: [(&str, &str); 4] = [
    ("1280x720", "testsrc-1280x720-420.Mjpeg"),
    ("lab-384x288", "lab-384x288-444.Mjpeg"),
    ("640x480-raw", "testsrc-640x480-420.raw.mjpeg"),
    ("640x480-restart", "restart-640x480-420.Mjpeg"),
];

/// Files the normaliser must rewrite, one per kind of rewrite.
const TO_NORMALISE: [(&str, &str); 5] = [
    ("lab-444-transcode", "lab-384x288-444.Mjpeg"),
    (
        "opthuff-1280x720-reencode",
        "testsrc-1280x720-420-opthuff.Mjpeg",
    ),
    ("mandelbrot-422-regroup", "mandelbrot-640x480-422.Mjpeg"),
    ("gray-to-color", "gray-640x480.Mjpeg"),
    ("progressive-merge", "progressive-640x480.Mjpeg"),
];

fn bench_normalize(c: &mut Criterion) {
    let mut group = c.benchmark_group("normalize");
    for (label, file) in TO_NORMALISE {
        let frames = frames(file, false);
        let bytes: usize = frames.iter().map(Vec::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_with_input(
            BenchmarkId::new("normalize", label),
            &frames,
            |b, frames| {
                b.iter(|| {
                    for f in frames {
                        black_box(normalize(black_box(f), &NormalizeConfig::default()).unwrap());
                    }
                })
            },
        );
    }
    group.finish();
}

fn bench_packetize(c: &mut Criterion) {
    let mut group = c.benchmark_group("packetize");
    for (label, file) in CLIPS {
        let frames = frames(file, true);
        let bytes: usize = frames.iter().map(Vec::len).sum();
        let parsed: Vec<Jpeg<'_>> = frames.iter().map(|f| Jpeg::parse(f).unwrap()).collect();
        group.throughput(Throughput::Bytes(bytes as u64));
        let configs: &[(&str, PacketizeConfig)] = if label.ends_with("restart") {
            &[
                ("aligned", PacketizeConfig::default()),
                (
                    "unaligned",
                    PacketizeConfig {
                        align_restart_intervals: false,
                        ..PacketizeConfig::default()
                    },
                ),
            ]
        } else {
            &[("mtu1400", PacketizeConfig::default())]
        };
        for (name, cfg) in configs {
            group.bench_with_input(BenchmarkId::new(*name, label), &parsed, |b, parsed| {
                b.iter(|| {
                    for j in parsed {
                        black_box(packetize(black_box(j), cfg).unwrap());
                    }
                })
            });
        }
        // What a server does with a frame read from disk: parse, then packetize.
        group.bench_with_input(
            BenchmarkId::new("parse+packetize", label),
            &frames,
            |b, frames| {
                b.iter(|| {
                    for f in frames {
                        let j = Jpeg::parse(black_box(f)).unwrap();
                        black_box(packetize(&j, &PacketizeConfig::default()).unwrap());
                    }
                })
            },
        );
    }
    group.finish();
}

fn bench_depacketize(c: &mut Criterion) {
    let mut group = c.benchmark_group("depacketize");
    for (label, file) in CLIPS {
        let frames = frames(file, true);
        let bytes: usize = frames.iter().map(Vec::len).sum();
        let packetized: Vec<PacketizedFrame> = frames
            .iter()
            .map(|f| packetize(&Jpeg::parse(f).unwrap(), &PacketizeConfig::default()).unwrap())
            .collect();
        group.throughput(Throughput::Bytes(bytes as u64));
        for (name, reversed) in [("in-order", false), ("reversed", true)] {
            group.bench_with_input(
                BenchmarkId::new(name, label),
                &packetized,
                |b, packetized| {
                    let mut d = Depacketizer::new(DepacketizerConfig::default());
                    let mut sequence = 0u64;
                    let mut rtp_timestamp = 0u32;
                    b.iter(|| {
                        for p in packetized {
                            let mut emitted = 0;
                            let mut push = |i: usize| {
                                let out = d
                                    .push(
                                        sequence + i as u64,
                                        rtp_timestamp,
                                        p.is_last(i),
                                        p.payload(i),
                                    )
                                    .unwrap();
                                if let Some(f) = out {
                                    emitted += black_box(f.jpeg).len();
                                }
                            };
                            if reversed {
                                (0..p.len()).rev().for_each(&mut push);
                            } else {
                                (0..p.len()).for_each(&mut push);
                            }
                            assert!(emitted > 0);
                            sequence += p.len() as u64;
                            rtp_timestamp = rtp_timestamp.wrapping_add(3000);
                        }
                    })
                },
            );
        }
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_packetize, bench_depacketize, bench_normalize
}
criterion_main!(benches);
