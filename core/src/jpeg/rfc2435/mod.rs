//! RTP/JPEG (RFC 2435): the packetizer that cuts a JPEG frame into RTP
//! payloads and the depacketizer that rebuilds JPEG frames from them.
//!
//! RFC 2435 sends only a frame's entropy-coded data and a few header
//! fields; the receiver rebuilds the JPEG headers (its Appendix B, here
//! [`crate::jpeg::headers`]). So only frames that
//! [`rfc2435_layout`](crate::jpeg::compat::rfc2435_layout) accepts can be
//! sent as they are; the normaliser makes the others fit first.
//!
//! Sending: [`packetize`] each frame once, then send its payloads to every
//! session, each with its own RTP header (RFC 3550: payload type 26, 90 kHz
//! timestamp, marker bit on the frame's last packet):
//!
//! ```
//! # fn demo(jpeg_bytes: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! use stream_core::jpeg::Jpeg;
//! use stream_core::jpeg::rfc2435::{PacketizeConfig, packetize};
//!
//! let jpeg = Jpeg::parse(jpeg_bytes)?;
//! let frame = packetize(&jpeg, &PacketizeConfig::default())?;
//! for (i, payload) in frame.iter().enumerate() {
//!     let marker = frame.is_last(i);
//!     // prepend this session's RTP header (sequence, timestamp, SSRC, marker)
//! #   let _ = (payload, marker);
//! }
//! # Ok(()) }
//! ```
//!
//! Receiving: feed every RTP/JPEG packet to a [`Depacketizer`]; whole frames
//! come out as ready-to-decode JPEG images:
//!
//! ```
//! use stream_core::jpeg::rfc2435::{Depacketizer, DepacketizerConfig};
//!
//! let mut depacketizer = Depacketizer::new(DepacketizerConfig::default());
//! # let packets: Vec<(u64, u32, bool, Vec<u8>)> = Vec::new();
//! for (sequence, rtp_timestamp, marker, payload) in packets {
//!     match depacketizer.push(sequence, rtp_timestamp, marker, &payload) {
//!         Ok(Some(frame)) => { /* decode frame.jpeg */ }
//!         Ok(None) => {}
//!         Err(e) => { /* log e; the depacketizer carries on */ }
//!     }
//! }
//! ```
//!
//! The lab dialect sends no RFC 2435 header at all (one whole JPEG per RTP
//! packet); [`check_lab_payload`] says whether a frame fits.

mod depacketize;
mod packetize;
pub mod wire;

pub use depacketize::{
    DEFAULT_MAX_FRAME_LEN, DepacketizeError, DepacketizedFrame, Depacketizer, DepacketizerConfig,
    DepacketizerStats, DropReason, MAX_FRAGMENT_RUNS,
};
pub use packetize::{
    DEFAULT_MTU, LabPayloadError, MAX_LAB_PAYLOAD, PacketizeConfig, PacketizeError,
    PacketizedFrame, Q_IN_BAND, QMode, RTP_HEADER_LEN, check_lab_payload, matching_scaled_q,
    packetize,
};
pub use wire::{JpegPayload, MAX_FRAME_DATA_LEN, PayloadError, PayloadHeader};
