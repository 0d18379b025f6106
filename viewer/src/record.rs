//! `--record FILE`: received frames appended to a lab-container file.
//!
//! The container format is the core's ([`stream_core::mjpeg::LabWriter`]);
//! this module only owns the file. Each frame goes to the operating system
//! as soon as it arrives (flushed per frame), so a recording cut short (the
//! viewer killed, the disk full) still holds every earlier frame intact and
//! plays in any lab-format reader. A frame the container cannot hold (over
//! 99999 bytes, or not a JPEG) is reported and left out; recording goes on
//! with the next one.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use stream_core::mjpeg::LabWriter;

/// An open recording.
pub struct Recorder {
    path: PathBuf,
    writer: LabWriter<BufWriter<File>>,
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
            writer: LabWriter::new(BufWriter::new(file)),
            bytes: 0,
        })
    }

    /// Appends one JPEG frame and hands it to the operating system.
    pub fn write_frame(&mut self, jpeg: &[u8]) -> io::Result<()> {
        self.writer.write_frame(jpeg)?;
        self.bytes += 5 + jpeg.len() as u64;
        self.writer.flush()
    }

    /// Pushes everything written to the operating system.
    pub fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.writer.frames_written()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_lab_records_and_refuses_what_does_not_fit() {
        let path = std::env::temp_dir().join(format!("viewer-record-{}.Mjpeg", std::process::id()));
        let mut r = Recorder::create(&path).unwrap();
        let jpeg = [0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9];
        r.write_frame(&jpeg).unwrap();
        let too_big = {
            let mut v = vec![0u8; 100_000];
            v[..2].copy_from_slice(&[0xFF, 0xD8]);
            v
        };
        let e = r.write_frame(&too_big).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("100000"), "{e}");
        assert!(r.write_frame(b"text").is_err());
        r.write_frame(&jpeg).unwrap();
        assert_eq!((r.frames(), r.bytes()), (2, 24));
        // Flushed per frame: readable while still open.
        let data = std::fs::read(&path).unwrap();
        assert_eq!(&data[..12], b"00007\xFF\xD8\x01\x02\x03\xFF\xD9");
        assert_eq!(data.len(), 24);
        let index = stream_core::mjpeg::index(&data);
        assert_eq!(index.len(), 2);
        drop(r);
        let _ = std::fs::remove_file(&path);
        assert!(Recorder::create(Path::new("/nonexistent-dir/x.Mjpeg")).is_err());
    }
}
