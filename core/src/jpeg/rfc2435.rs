//! RTP/JPEG (RFC 2435) packetizer and depacketizer.
