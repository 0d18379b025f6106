//! RTP and RTCP (RFC 3550): the packet view and header, wrapping sequence
//! numbers, receiver statistics, and RTCP reports.
//!
//! - [`packet`]: [`RtpPacket`], a checked view over received bytes, and
//!   [`RtpHeader`], the 12-byte header a sender emits.
//! - [`seq`]: wrapping comparisons and 16/32 → 64-bit unwrapping.
//! - [`stats`]: [`ReceiverStats`], RFC 3550 A.1 (validation), A.3 (loss)
//!   and A.8 (jitter) for one source.
//! - [`rtcp`]: compound RTCP parsing and SR/RR/SDES/BYE emission.

pub mod packet;
pub mod rtcp;
pub mod seq;
pub mod stats;

pub use packet::{HEADER_LEN, JPEG_CLOCK_RATE, PAYLOAD_TYPE_JPEG, RtpError, RtpHeader, RtpPacket};
pub use rtcp::{
    Bye, ReceiverReport, Report, ReportBlock, RtcpError, RtcpErrorKind, RtcpPacket, RtcpWriteError,
    Sdes, SenderReport, parse_compound, write_bye_compound, write_receiver_report_compound,
    write_report_compound, write_sender_report_compound,
};
pub use seq::{SequenceUnwrapper, TimestampUnwrapper, seq_diff, seq_newer};
pub use stats::{PacketVerdict, ReceiverStats};
