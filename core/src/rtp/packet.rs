//! The RTP fixed header (RFC 3550 Section 5.1): a checked view over
//! untrusted bytes, and the plain header a sender emits.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                           timestamp                           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |           synchronization source (SSRC) identifier            |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! |            contributing source (CSRC) identifiers             |
//! |                             ....                              |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use alloc::vec::Vec;

/// Length of the fixed RTP header, without CSRCs or extension (RFC 3550 5.1).
pub const HEADER_LEN: usize = 12;

/// The only RTP version there is (RFC 3550 5.1, field V).
pub const VERSION: u8 = 2;

/// The static payload type of JPEG video (RFC 3551 Section 6, Table 5).
pub const PAYLOAD_TYPE_JPEG: u8 = 26;

/// The RTP clock rate of JPEG video, in Hz (RFC 3551 Section 6; RFC 2435
/// Section 3: "the RTP timestamp is in units of 90000Hz").
pub const JPEG_CLOCK_RATE: u32 = 90_000;

/// Why bytes are not a well-formed RTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RtpError {
    /// Shorter than the 12-byte fixed header.
    #[error("RTP packet of {len} bytes is shorter than the 12-byte header")]
    TooShort {
        /// The buffer's length.
        len: usize,
    },
    /// The version field is not 2.
    #[error("RTP version {0}, expected 2")]
    BadVersion(u8),
    /// The CSRC list (4 bytes per CSRC count) runs past the end.
    #[error("CSRC list of {csrc_count} entries runs past the end of a {len}-byte packet")]
    CsrcsPastEnd {
        /// The CC field.
        csrc_count: u8,
        /// The buffer's length.
        len: usize,
    },
    /// The X bit is set but the extension header, or the extension data its
    /// length announces, runs past the end.
    #[error("header extension runs past the end of the packet")]
    ExtensionPastEnd,
    /// The P bit is set but the padding count (the last byte) is 0 or
    /// larger than what follows the headers.
    #[error("padding length {padding_len} is invalid for {available} bytes after the headers")]
    BadPadding {
        /// The last byte of the packet.
        padding_len: u8,
        /// Bytes after the fixed header, CSRCs and extension.
        available: usize,
    },
}

/// A read (and, over a mutable buffer, write) view of an RTP packet.
///
/// Build it with [`RtpPacket::new_checked`] over bytes from the network:
/// after that every getter is in bounds. [`RtpPacket::new_unchecked`] is
/// for buffers this program built itself; getters on a too-short unchecked
/// buffer panic, like slice indexing does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    use core::ops::Range;
    pub(super) const FLAGS: usize = 0;
    pub(super) const MARKER_PT: usize = 1;
    pub(super) const SEQ: Range<usize> = 2..4;
    pub(super) const TIMESTAMP: Range<usize> = 4..8;
    pub(super) const SSRC: Range<usize> = 8..12;
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

impl<T: AsRef<[u8]>> RtpPacket<T> {
    /// Wraps `buffer` without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        RtpPacket { buffer }
    }

    /// Wraps `buffer` after [`RtpPacket::check`] accepts it.
    pub fn new_checked(buffer: T) -> Result<Self, RtpError> {
        let packet = RtpPacket { buffer };
        packet.check()?;
        Ok(packet)
    }

    /// Checks everything the getters rely on: the fixed header is there, the
    /// version is 2, and the CSRC list, the header extension (RFC 3550
    /// 5.3.1) and the padding (5.1, P bit) fit in the buffer.
    pub fn check(&self) -> Result<(), RtpError> {
        let b = self.buffer.as_ref();
        let len = b.len();
        if len < HEADER_LEN {
            return Err(RtpError::TooShort { len });
        }
        let version = b[field::FLAGS] >> 6;
        if version != VERSION {
            return Err(RtpError::BadVersion(version));
        }
        let csrc_count = b[field::FLAGS] & 0x0F;
        let csrc_end = HEADER_LEN + 4 * usize::from(csrc_count);
        if csrc_end > len {
            return Err(RtpError::CsrcsPastEnd { csrc_count, len });
        }
        let mut payload_start = csrc_end;
        if b[field::FLAGS] & 0x10 != 0 {
            // 16 bits profile-defined, 16 bits length in 32-bit words
            // (not counting this 4-byte header).
            let ext = b
                .get(csrc_end..csrc_end + 4)
                .ok_or(RtpError::ExtensionPastEnd)?;
            let ext_len = 4 * usize::from(be16(&ext[2..4]));
            payload_start = csrc_end + 4 + ext_len;
            if payload_start > len {
                return Err(RtpError::ExtensionPastEnd);
            }
        }
        if b[field::FLAGS] & 0x20 != 0 {
            let available = len - payload_start;
            // With P set the last byte is the padding count, itself included
            // (RFC 3550 5.1), so it is at least 1 and there must be a byte.
            let padding_len = if available == 0 { 0 } else { b[len - 1] };
            if padding_len == 0 || usize::from(padding_len) > available {
                return Err(RtpError::BadPadding {
                    padding_len,
                    available,
                });
            }
        }
        Ok(())
    }

    /// Gives back the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole packet.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Field V (2 for every packet [`RtpPacket::new_checked`] accepts).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS] >> 6
    }

    /// Field P: the packet ends with padding.
    pub fn padding(&self) -> bool {
        self.buffer.as_ref()[field::FLAGS] & 0x20 != 0
    }

    /// Field X: a header extension follows the CSRCs.
    pub fn extension(&self) -> bool {
        self.buffer.as_ref()[field::FLAGS] & 0x10 != 0
    }

    /// Field CC: number of CSRC identifiers.
    pub fn csrc_count(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS] & 0x0F
    }

    /// Field M. For RTP/JPEG: set on the last packet of a frame (RFC 2435 3).
    pub fn marker(&self) -> bool {
        self.buffer.as_ref()[field::MARKER_PT] & 0x80 != 0
    }

    /// Field PT.
    pub fn payload_type(&self) -> u8 {
        self.buffer.as_ref()[field::MARKER_PT] & 0x7F
    }

    /// The 16-bit sequence number.
    pub fn sequence_number(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::SEQ])
    }

    /// The 32-bit RTP timestamp (in units of the payload's clock rate).
    pub fn timestamp(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::TIMESTAMP])
    }

    /// The synchronization source identifier.
    pub fn ssrc(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::SSRC])
    }

    /// The contributing source identifiers.
    pub fn csrcs(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
        let end = HEADER_LEN + 4 * usize::from(self.csrc_count());
        self.buffer.as_ref()[HEADER_LEN..end]
            .chunks_exact(4)
            .map(be32)
    }

    fn csrc_end(&self) -> usize {
        HEADER_LEN + 4 * usize::from(self.csrc_count())
    }

    /// The header extension as `(profile-defined 16 bits, data)`, if X is set.
    pub fn extension_data(&self) -> Option<(u16, &[u8])> {
        if !self.extension() {
            return None;
        }
        let b = self.buffer.as_ref();
        let at = self.csrc_end();
        let profile = be16(&b[at..at + 2]);
        let len = 4 * usize::from(be16(&b[at + 2..at + 4]));
        Some((profile, &b[at + 4..at + 4 + len]))
    }

    /// Offset of the payload: after the fixed header, CSRCs and extension.
    pub fn header_len(&self) -> usize {
        match self.extension_data() {
            Some((_, ext)) => self.csrc_end() + 4 + ext.len(),
            None => self.csrc_end(),
        }
    }

    /// Number of padding bytes at the end (0 if P is clear).
    pub fn padding_len(&self) -> usize {
        if self.padding() {
            let b = self.buffer.as_ref();
            usize::from(b[b.len() - 1])
        } else {
            0
        }
    }

    /// The payload: what follows the headers, without the padding.
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        &b[self.header_len()..b.len() - self.padding_len()]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> RtpPacket<T> {
    /// Sets field M.
    pub fn set_marker(&mut self, marker: bool) {
        let b = &mut self.buffer.as_mut()[field::MARKER_PT];
        *b = (*b & 0x7F) | if marker { 0x80 } else { 0 };
    }

    /// Sets field PT (the top bit of `payload_type` is ignored: it is M's).
    pub fn set_payload_type(&mut self, payload_type: u8) {
        let b = &mut self.buffer.as_mut()[field::MARKER_PT];
        *b = (*b & 0x80) | (payload_type & 0x7F);
    }

    /// Sets the sequence number.
    pub fn set_sequence_number(&mut self, sequence_number: u16) {
        self.buffer.as_mut()[field::SEQ].copy_from_slice(&sequence_number.to_be_bytes());
    }

    /// Sets the RTP timestamp.
    pub fn set_timestamp(&mut self, rtp_timestamp: u32) {
        self.buffer.as_mut()[field::TIMESTAMP].copy_from_slice(&rtp_timestamp.to_be_bytes());
    }

    /// Sets the SSRC.
    pub fn set_ssrc(&mut self, ssrc: u32) {
        self.buffer.as_mut()[field::SSRC].copy_from_slice(&ssrc.to_be_bytes());
    }
}

/// The RTP header a sender of this system emits: version 2, no padding, no
/// extension, no CSRCs (the "Repr" of [`RtpPacket`]).
///
/// A server builds each frame's payloads once and emits only this 12-byte
/// header per session and packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RtpHeader {
    /// Field M (for RTP/JPEG: last packet of a frame).
    pub marker: bool,
    /// Field PT, 0..=127 ([`PAYLOAD_TYPE_JPEG`] for JPEG).
    pub payload_type: u8,
    /// The sequence number.
    pub sequence_number: u16,
    /// The RTP timestamp.
    pub timestamp: u32,
    /// The synchronization source identifier.
    pub ssrc: u32,
}

impl RtpHeader {
    /// Reads the fixed-header fields of `packet`, after checking it (so an
    /// unchecked view cannot make this panic). CSRCs, the extension and the
    /// padding stay on the view.
    pub fn parse<T: AsRef<[u8]>>(packet: &RtpPacket<T>) -> Result<RtpHeader, RtpError> {
        packet.check()?;
        Ok(RtpHeader {
            marker: packet.marker(),
            payload_type: packet.payload_type(),
            sequence_number: packet.sequence_number(),
            timestamp: packet.timestamp(),
            ssrc: packet.ssrc(),
        })
    }

    /// Writes the 12-byte header into `buf`. A `payload_type` above 127 has
    /// its top bit dropped: on the wire that bit is the marker's.
    pub fn emit(&self, buf: &mut [u8; HEADER_LEN]) {
        buf[field::FLAGS] = VERSION << 6;
        buf[field::MARKER_PT] = (u8::from(self.marker) << 7) | (self.payload_type & 0x7F);
        buf[field::SEQ].copy_from_slice(&self.sequence_number.to_be_bytes());
        buf[field::TIMESTAMP].copy_from_slice(&self.timestamp.to_be_bytes());
        buf[field::SSRC].copy_from_slice(&self.ssrc.to_be_bytes());
    }

    /// Appends the 12-byte header to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        let mut buf = [0u8; HEADER_LEN];
        self.emit(&mut buf);
        out.extend_from_slice(&buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn emit_then_view() {
        let h = RtpHeader {
            marker: true,
            payload_type: PAYLOAD_TYPE_JPEG,
            sequence_number: 0xBEEF,
            timestamp: 0xDEAD_BEEF,
            ssrc: 0x0102_0304,
        };
        let mut out = vec![];
        h.write(&mut out);
        assert_eq!(
            out,
            [
                0x80,
                0x80 | 26,
                0xBE,
                0xEF,
                0xDE,
                0xAD,
                0xBE,
                0xEF,
                1,
                2,
                3,
                4
            ]
        );
        out.extend_from_slice(b"payload");
        let p = RtpPacket::new_checked(&out[..]).unwrap();
        assert_eq!(RtpHeader::parse(&p), Ok(h));
        assert_eq!(p.payload(), b"payload");
        assert_eq!(p.header_len(), HEADER_LEN);
    }

    #[test]
    fn setters() {
        let mut buf = [0u8; 12];
        buf[0] = 0x80;
        let mut p = RtpPacket::new_unchecked(&mut buf[..]);
        p.set_payload_type(0xFF);
        p.set_marker(false);
        p.set_sequence_number(7);
        p.set_timestamp(9);
        p.set_ssrc(11);
        assert_eq!(p.payload_type(), 127);
        assert!(!p.marker());
        p.set_marker(true);
        assert_eq!((p.marker(), p.payload_type()), (true, 127));
        assert_eq!((p.sequence_number(), p.timestamp(), p.ssrc()), (7, 9, 11));
    }
}
