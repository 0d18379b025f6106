//! Media files for the server (std only): the one place that turns a
//! requested path into a file, a file into a [`Clip`], and keeps clips
//! cached. Both runtimes answer the server's media requests through it.
//!
//! Nothing outside the media directory is ever served: a request path is
//! refused if it is absolute, has a `..` component, a backslash, a NUL or a
//! drive prefix, and the file it names is canonicalised (resolving every
//! symlink) and must still lie under the canonical media directory.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::string::{String, ToString};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use std::vec::Vec;

use crate::clip::{Clip, ClipConfig, ClipError};
use crate::server::MediaError;

/// The largest file the server loads (the lab container's frames are at
/// most 99,999 bytes; raw files are bounded here so no request can make the
/// server read an arbitrary amount into memory).
pub const MAX_FILE_LEN: u64 = 512 * 1024 * 1024;

fn too_long(len: u64) -> MediaError {
    MediaError::NotPlayable(std::format!(
        "{len} bytes is more than the {MAX_FILE_LEN} bytes a clip may have"
    ))
}

/// A clip loaded by [`MediaLibrary::load`].
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The clip.
    pub clip: Arc<Clip>,
    /// The file it came from.
    pub file: PathBuf,
    /// `true` the first time this file (or this version of it) is loaded:
    /// log its problems and normalisation summary then.
    pub fresh: bool,
}

#[derive(Debug)]
struct Entry {
    modified: Option<SystemTime>,
    len: u64,
    clip: Arc<Clip>,
}

/// The server's media directory and its clip cache.
#[derive(Debug)]
pub struct MediaLibrary {
    root: PathBuf,
    config: ClipConfig,
    cache: Mutex<HashMap<PathBuf, Entry>>,
}

impl MediaLibrary {
    /// A library serving the files under `root` (which must exist).
    pub fn new(root: &Path, config: ClipConfig) -> io::Result<MediaLibrary> {
        let root = fs::canonicalize(root)?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                std::format!("{} is not a directory", root.display()),
            ));
        }
        Ok(MediaLibrary {
            root,
            config,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The canonical media directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file a request path names, if it is inside the media directory.
    pub fn resolve(&self, request_path: &str) -> Result<PathBuf, MediaError> {
        if request_path.is_empty()
            || request_path.contains('\0')
            || request_path.contains('\\')
            || request_path.contains(':')
        {
            return Err(MediaError::NotFound);
        }
        let relative = Path::new(request_path);
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(MediaError::NotFound);
        }
        let joined = self.root.join(relative);
        let file = fs::canonicalize(&joined).map_err(|_| MediaError::NotFound)?;
        if !file.starts_with(&self.root) || !file.is_file() {
            return Err(MediaError::NotFound);
        }
        Ok(file)
    }

    /// The clip for a request path: from the cache while the file is
    /// unchanged (same length and modification time), else read and built.
    ///
    /// Blocking (reads and normalises a whole file): call it off any event
    /// loop that serves other clients.
    pub fn load(&self, request_path: &str) -> Result<Loaded, MediaError> {
        let file = self.resolve(request_path)?;
        let meta = fs::metadata(&file).map_err(|e| MediaError::Unreadable(e.to_string()))?;
        let modified = meta.modified().ok();
        if let Some(e) = self.lock().get(&file) {
            if e.len == meta.len() && e.modified == modified {
                return Ok(Loaded {
                    clip: Arc::clone(&e.clip),
                    file,
                    fresh: false,
                });
            }
        }
        if meta.len() > MAX_FILE_LEN {
            return Err(too_long(meta.len()));
        }
        // The file may grow after the length was checked (a recording
        // written into the media directory): read no more than the cap.
        let mut data = Vec::new();
        fs::File::open(&file)
            .and_then(|f| f.take(MAX_FILE_LEN + 1).read_to_end(&mut data))
            .map_err(|e| MediaError::Unreadable(e.to_string()))?;
        if data.len() as u64 > MAX_FILE_LEN {
            return Err(too_long(data.len() as u64));
        }
        let clip = Clip::build(request_path, data, &self.config)
            .map_err(|e: ClipError| MediaError::NotPlayable(e.to_string()))?;
        let clip = Arc::new(clip);
        self.lock().insert(
            file.clone(),
            Entry {
                modified,
                len: meta.len(),
                clip: Arc::clone(&clip),
            },
        );
        Ok(Loaded {
            clip,
            file,
            fresh: true,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Entry>> {
        // A panic while holding the lock cannot leave the map inconsistent
        // (single inserts), so a poisoned lock is still usable.
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Log lines for a freshly loaded clip: one summary line, then one line per
/// problem (bad frames, frames RFC 2435 cannot carry) naming the file.
pub fn describe_load(loaded: &Loaded) -> Vec<String> {
    let clip = &loaded.clip;
    let mut lines = Vec::new();
    let mut summary = std::format!(
        "loaded {} ({:?} container, {} frames, {}x{})",
        loaded.file.display(),
        clip.container(),
        clip.len(),
        clip.width(),
        clip.height()
    );
    for (what, n) in &clip.normalized().actions {
        summary.push_str(&std::format!("; {n} frames {what}"));
    }
    lines.push(summary);
    for p in clip.problems() {
        lines.push(std::format!("{}: {p}", loaded.file.display()));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(std::format!(
            "stream-core-media-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn refuses_escapes() {
        let d = tempdir("escape");
        fs::create_dir_all(d.join("media/sub")).unwrap();
        fs::write(d.join("secret.Mjpeg"), b"x").unwrap();
        fs::write(d.join("media/sub/ok.Mjpeg"), b"x").unwrap();
        let lib = MediaLibrary::new(&d.join("media"), ClipConfig::default()).unwrap();
        assert!(lib.resolve("sub/ok.Mjpeg").is_ok());
        assert!(lib.resolve("./sub/ok.Mjpeg").is_ok());
        for bad in [
            "../secret.Mjpeg",
            "sub/../../secret.Mjpeg",
            "/etc/passwd",
            "sub\\..\\..\\secret.Mjpeg",
            "C:/x",
            "sub/missing.Mjpeg",
            "sub",
            "",
        ] {
            assert_eq!(lib.resolve(bad), Err(MediaError::NotFound), "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(d.join("secret.Mjpeg"), d.join("media/link.Mjpeg")).unwrap();
            assert_eq!(lib.resolve("link.Mjpeg"), Err(MediaError::NotFound));
            std::os::unix::fs::symlink(d.join("media/sub/ok.Mjpeg"), d.join("media/inside.Mjpeg"))
                .unwrap();
            assert!(lib.resolve("inside.Mjpeg").is_ok());
        }
        let _ = fs::remove_dir_all(&d);
    }
}
