//! RTP and RTCP (RFC 3550).
