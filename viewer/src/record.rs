//! `--record FILE`: received frames appended to a lab-container file.
//!
//! Each frame is written as it arrives, with one `write` of the whole
//! container record, so a recording cut short (the viewer killed, the disk
//! full) still holds every earlier frame intact and plays in any lab-format
//! reader. A frame the container cannot hold (over 99999 bytes) is
//! reported and left out; recording goes on with the next one.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// An open recording.
pub struct Recorder {
    path: PathBuf,
    file: File,
    record: Vec<u8>,
    frames: u64,
    bytes: u64,
}

impl Recorder {
    /// Creates (or truncates) `path`.
    pub fn create(path: &Path) -> io::Result<Recorder> {
        let file = File::create(path).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display()))
        })?;
        Ok(Recorder {
            path: path.to_path_buf(),
            file,
            record: Vec::new(),
            frames: 0,
            bytes: 0,
        })
    }

    /// Appends one JPEG frame.
    pub fn write_frame(&mut self, jpeg: &[u8]) -> io::Result<()> {
        self.record.clear();
        lab_record(&mut self.record, jpeg)?;
        self.file.write_all(&self.record)?;
        self.frames += 1;
        self.bytes += self.record.len() as u64;
        Ok(())
    }

    /// Pushes everything written to the operating system.
    pub fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Bytes written so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Appends one lab-container record (5-digit length, then the JPEG) to `out`.
fn lab_record(out: &mut Vec<u8>, jpeg: &[u8]) -> io::Result<()> {
    if jpeg.len() > 99_999 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} bytes do not fit the lab container's 5-digit length; frame not recorded",
                jpeg.len()
            ),
        ));
    }
    write!(out, "{:05}", jpeg.len())?;
    out.extend_from_slice(jpeg);
    Ok(())
}
