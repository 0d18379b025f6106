//! JPEG as RFC 2435 sees it: marker parsing, the standard tables, the
//! carriability check, RTP/JPEG packetization and depacketization, and the
//! normalisation of frames RFC 2435 cannot carry as they are.

pub mod compat;
pub mod headers;
pub mod markers;
pub mod tables;

pub use compat::{Incompatibility, JpegType, Rfc2435Layout, rfc2435_layout};
pub use markers::{Jpeg, JpegError, JpegErrorKind};
pub use rfc2435::{
    Depacketizer, DepacketizerConfig, PacketizeConfig, PacketizeError, PacketizedFrame, QMode,
    packetize,
};
pub mod entropy;
#[cfg(feature = "normalize")]
pub mod normalize;
pub mod rfc2435;
pub use entropy::{
    ComponentCoefficients, DecodeScanError, DecodedImage, DecodedScan, decode_image, decode_scan,
    encode_scan,
};
#[cfg(feature = "normalize")]
pub use normalize::{NormalizeAction, NormalizeConfig, NormalizeError, Normalized, normalize};
