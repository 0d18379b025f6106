//! Frame pacing: when each frame is due and its RTP timestamp.
