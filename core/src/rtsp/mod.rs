//! RTSP/1.0 messages (RFC 2326): incremental parser, emitter, typed headers.
