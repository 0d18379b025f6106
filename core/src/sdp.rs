//! SDP (RFC 4566) for DESCRIBE: what we emit and the little we parse.
