//! A clip as the server streams it.
//!
//! A file is read once: its container indexed, each frame checked, frames
//! RFC 2435 cannot carry normalised (when the `normalize` feature is on), and
//! every frame packetized once. The result is immutable and shared (`Arc`)
//! by every session playing the file: a session only adds the 12-byte RTP
//! header to payloads built here.
//!
//! Building a clip is pure (bytes in, clip out); reading the file and
//! caching clips is the caller's business (see `media` with `std`).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

use crate::jpeg::markers::Jpeg;
use crate::jpeg::rfc2435::{self, PacketizeConfig, PacketizedFrame};
use crate::mjpeg::{self, Container};

/// How to prepare a clip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipConfig {
    /// Largest RTP packet (RTP header included) the packetizer may build.
    pub mtu: usize,
    /// Normalise frames RFC 2435 cannot carry as they are (needs the
    /// `normalize` feature; without it such frames are lab-dialect only).
    pub normalize: bool,
}

impl Default for ClipConfig {
    fn default() -> Self {
        ClipConfig {
            mtu: 1400,
            normalize: true,
        }
    }
}

/// Why a clip could not be built at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClipError {
    /// Neither container format was recognised.
    #[error("not an MJPEG file (neither the lab container nor raw JPEG)")]
    UnknownContainer,
    /// The container was recognised but no frame in it can be served.
    #[error("no playable frame in the file")]
    NoFrames,
}

/// Something wrong with one frame, or with the file from some point on.
/// A frame named here is left out, except one RFC 2435 cannot carry (even
/// after normalising): that one still goes whole to lab-dialect clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipProblem {
    /// 1-based frame number in the file.
    pub frame: u32,
    /// Byte offset in the file, when known.
    pub offset: Option<usize>,
    /// What is wrong, for a log line.
    pub message: String,
}

impl fmt::Display for ClipProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(o) => write!(f, "frame {} at byte {}: {}", self.frame, o, self.message),
            None => write!(f, "frame {}: {}", self.frame, self.message),
        }
    }
}

/// What was done to frames to make RFC 2435 carry them, counted per kind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NormalizeSummary {
    /// (what was done, how many frames), in order of first appearance.
    pub actions: Vec<(String, u32)>,
}

impl NormalizeSummary {
    #[cfg_attr(not(feature = "normalize"), allow(dead_code))]
    fn add(&mut self, what: String) {
        match self.actions.iter_mut().find(|(w, _)| *w == what) {
            Some((_, n)) => *n += 1,
            None => self.actions.push((what, 1)),
        }
    }
}

/// One frame, ready for both dialects.
#[derive(Debug)]
pub struct ClipFrame {
    /// 1-based position in the file (bad frames count too).
    pub number: u32,
    range: Range<usize>,
    /// The RFC 2435 payloads, or why RFC 2435 cannot carry this frame.
    pub rtp: Result<PacketizedFrame, String>,
}

/// A whole file, prepared for streaming.
#[derive(Debug)]
pub struct Clip {
    name: String,
    data: Vec<u8>,
    container: Container,
    frames: Vec<ClipFrame>,
    width: u16,
    height: u16,
    problems: Vec<ClipProblem>,
    normalized: NormalizeSummary,
}

impl Clip {
    /// Builds a clip from a file's bytes. `name` is used in messages only.
    ///
    /// Bad frames are left out and listed in [`problems`](Self::problems);
    /// the clip fails only when nothing at all can be played.
    pub fn build(name: &str, data: Vec<u8>, config: &ClipConfig) -> Result<Clip, ClipError> {
        let index = mjpeg::index(&data);
        let container = index.container.ok_or(ClipError::UnknownContainer)?;
        let mut problems: Vec<ClipProblem> = index
            .problems
            .iter()
            .map(|p| ClipProblem {
                frame: p.frame,
                offset: Some(p.offset),
                message: format!("{}", p.kind),
            })
            .collect();
        let packetize = PacketizeConfig {
            mtu: config.mtu,
            ..PacketizeConfig::default()
        };
        let mut frames = Vec::with_capacity(index.frames.len());
        let mut normalized = NormalizeSummary::default();
        let (mut width, mut height) = (0, 0);
        for f in &index.frames {
            let bytes = &data[f.range.clone()];
            let jpeg = match Jpeg::parse(bytes) {
                Ok(j) => j,
                Err(e) => {
                    problems.push(ClipProblem {
                        frame: f.number,
                        offset: Some(f.range.start + e.offset),
                        message: format!("not a decodable JPEG: {}", e.kind),
                    });
                    continue;
                }
            };
            if width == 0 {
                (width, height) = (jpeg.frame.width, jpeg.frame.height);
            }
            let rtp = prepare_rtp(&jpeg, bytes, config, &packetize, &mut normalized);
            if let Err(why) = &rtp {
                problems.push(ClipProblem {
                    frame: f.number,
                    offset: Some(f.range.start),
                    message: format!("cannot be sent as RTP/JPEG (RFC 2435): {why}"),
                });
            }
            frames.push(ClipFrame {
                number: f.number,
                range: f.range.clone(),
                rtp,
            });
        }
        if frames.is_empty() {
            return Err(ClipError::NoFrames);
        }
        Ok(Clip {
            name: String::from(name),
            data,
            container,
            frames,
            width,
            height,
            problems,
            normalized,
        })
    }

    /// The name given at build time.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The container the file used.
    pub fn container(&self) -> Container {
        self.container
    }

    /// Playable frames, in file order.
    pub fn frames(&self) -> &[ClipFrame] {
        &self.frames
    }

    /// Number of playable frames.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether there are no frames (never true for a built clip).
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The original JPEG bytes of frame `i` (what the lab dialect sends).
    pub fn jpeg(&self, i: usize) -> &[u8] {
        &self.data[self.frames[i].range.clone()]
    }

    /// Width of the first frame in pixels.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Height of the first frame in pixels.
    pub fn height(&self) -> u16 {
        self.height
    }

    /// Frames left out or not carriable over RFC 2435, and file damage.
    pub fn problems(&self) -> &[ClipProblem] {
        &self.problems
    }

    /// What normalisation did, for a log line.
    pub fn normalized(&self) -> &NormalizeSummary {
        &self.normalized
    }
}

#[cfg(feature = "normalize")]
fn prepare_rtp(
    jpeg: &Jpeg<'_>,
    bytes: &[u8],
    config: &ClipConfig,
    packetize: &PacketizeConfig,
    summary: &mut NormalizeSummary,
) -> Result<PacketizedFrame, String> {
    use crate::jpeg::compat::rfc2435_layout;
    use crate::jpeg::normalize::{NormalizeConfig, normalize};
    match rfc2435_layout(jpeg) {
        Ok(_) => rfc2435::packetize(jpeg, packetize).map_err(|e| format!("{e}")),
        Err(why) if !config.normalize || !why.is_fixable() => Err(format!("{why}")),
        Err(_) => {
            let out = normalize(bytes, &NormalizeConfig::default()).map_err(|e| format!("{e}"))?;
            summary.add(format!("{}", out.action));
            let fixed = out.jpeg.as_deref().unwrap_or(bytes);
            let j =
                Jpeg::parse(fixed).map_err(|e| format!("normalised frame does not parse: {e}"))?;
            rfc2435::packetize(&j, packetize).map_err(|e| format!("{e}"))
        }
    }
}

#[cfg(not(feature = "normalize"))]
fn prepare_rtp(
    jpeg: &Jpeg<'_>,
    _bytes: &[u8],
    _config: &ClipConfig,
    packetize: &PacketizeConfig,
    _summary: &mut NormalizeSummary,
) -> Result<PacketizedFrame, String> {
    rfc2435::packetize(jpeg, packetize).map_err(|e| format!("{e}"))
}
