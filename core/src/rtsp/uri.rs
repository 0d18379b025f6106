//! Request-URIs (RFC 2326 Section 3.2) as clients actually send them, and
//! resolution of SDP `a=control` URLs (RFC 2326 Appendix C.1.1).
//!
//! Three shapes reach a server: `*` (OPTIONS for the server as a whole),
//! absolute `rtsp://host[:port]/path` URLs, and the course lab's bare file
//! names (`movie.Mjpeg`). Paths stay raw (percent-encoded) in
//! [`RequestUri`]; [`RequestUri::decoded_path`] decodes them exactly once,
//! so `%2F` or `%25` can never be decoded twice on the way to a file name.

use alloc::string::String;
use alloc::vec::Vec;

/// A request-URI that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// The URI is empty.
    #[error("empty URI")]
    Empty,
    /// A scheme other than `rtsp`, `rtsps` or `rtspu`.
    #[error("URI scheme is not rtsp, rtsps or rtspu")]
    UnsupportedScheme,
    /// `scheme:` not followed by `//authority`.
    #[error("URI has a scheme but no //authority")]
    MissingAuthority,
    /// The authority has no host (`rtsp:///x`, `rtsp://:554/x`).
    #[error("URI has no host")]
    MissingHost,
    /// An IPv6 literal without its closing `]`, or junk after it.
    #[error("malformed host in URI")]
    InvalidHost,
    /// A port that is not a decimal number up to 65535.
    #[error("invalid port in URI")]
    InvalidPort,
    /// `%` not followed by two hex digits.
    #[error("invalid percent-escape in URI")]
    InvalidEscape,
    /// A `%00` escape or a literal NUL: no file name or path may contain NUL.
    #[error("URI decodes to a NUL byte")]
    NulByte,
    /// The decoded bytes are not UTF-8.
    #[error("URI does not decode to UTF-8")]
    InvalidUtf8,
    /// `*` names no resource, so it has no path.
    #[error("'*' has no path")]
    NoPath,
}

/// A parsed request-URI; every part borrows the request line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestUri<'a> {
    /// `*`: the server itself (OPTIONS, Section 10.1).
    Star,
    /// `rtsp://host[:port]/path`.
    Absolute {
        /// `rtsp`, `rtsps` or `rtspu`, as written (compare in lower case).
        scheme: &'a str,
        /// Host name or address; an IPv6 literal without its brackets.
        /// User information (`user:pass@`) is dropped.
        host: &'a str,
        /// The port, when given (the default, 554, is the caller's).
        port: Option<u16>,
        /// The path, raw (still percent-encoded), without its leading `/`,
        /// query or fragment.
        path: &'a str,
    },
    /// A URI without a scheme: the lab client's bare file name
    /// (`movie.Mjpeg`), or a path. Kept as written.
    Bare(&'a str),
}

/// Parses a request-URI.
///
/// Only the shape is checked: characters in the path are left to
/// [`RequestUri::decoded_path`].
pub fn parse_request_uri(uri: &str) -> Result<RequestUri<'_>, UriError> {
    if uri.is_empty() {
        return Err(UriError::Empty);
    }
    if uri == "*" {
        return Ok(RequestUri::Star);
    }
    let Some((scheme, rest)) = split_scheme(uri) else {
        return Ok(RequestUri::Bare(uri));
    };
    let rtsp_scheme = ["rtsp", "rtsps", "rtspu"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s));
    let Some(rest) = rest.strip_prefix("//") else {
        // `movie:2.Mjpeg` is a file name that happens to contain a colon,
        // but `rtsp:x` is a broken URL.
        return if rtsp_scheme {
            Err(UriError::MissingAuthority)
        } else {
            Ok(RequestUri::Bare(uri))
        };
    };
    if !rtsp_scheme {
        return Err(UriError::UnsupportedScheme);
    }
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let hostport = match authority.rfind('@') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let close = v6.find(']').ok_or(UriError::InvalidHost)?;
        let after = &v6[close + 1..];
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(UriError::InvalidHost)?),
        };
        (&v6[..close], port)
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err(UriError::MissingHost);
    }
    let port = match port {
        // `rtsp://host:/x`: an empty port means the default (RFC 3986 3.2.3).
        None | Some("") => None,
        Some(p) => {
            if p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(UriError::InvalidPort);
            }
            Some(p.parse::<u16>().map_err(|_| UriError::InvalidPort)?)
        }
    };
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    let path = tail[..path_end]
        .strip_prefix('/')
        .unwrap_or(&tail[..path_end]);
    Ok(RequestUri::Absolute {
        scheme,
        host,
        port,
        path,
    })
}

/// `scheme ":" rest` when `uri` starts with an RFC 3986 scheme.
fn split_scheme(uri: &str) -> Option<(&str, &str)> {
    let colon = uri.find(':')?;
    let scheme = &uri[..colon];
    let mut bytes = scheme.bytes();
    let first = bytes.next()?;
    (first.is_ascii_alphabetic()
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
    .then(|| (scheme, &uri[colon + 1..]))
}

impl RequestUri<'_> {
    /// The resource path, percent-decoded once, without a leading `/`.
    ///
    /// For [`RequestUri::Bare`] a leading `/` is dropped too, so `/a.Mjpeg`
    /// and `a.Mjpeg` name the same file. The result may still contain `..`
    /// segments or `/`: a caller mapping it onto a file system must confine
    /// it to its media directory.
    pub fn decoded_path(&self) -> Result<String, UriError> {
        match self {
            RequestUri::Star => Err(UriError::NoPath),
            RequestUri::Absolute { path, .. } => percent_decode(path),
            RequestUri::Bare(p) => percent_decode(p.strip_prefix('/').unwrap_or(p)),
        }
    }
}

/// Decodes `%XX` escapes (RFC 3986 Section 2.1). `+` is left alone (it means
/// space only in form data, never in a path).
///
/// Errors: a `%` without two hex digits after it, a NUL (escaped or
/// literal), or a result that is not UTF-8.
pub fn percent_decode(s: &str) -> Result<String, UriError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = |j: usize| {
                bytes
                    .get(j)
                    .and_then(|&h| (h as char).to_digit(16))
                    .ok_or(UriError::InvalidEscape)
            };
            let v = (hex(i + 1)? << 4 | hex(i + 2)?) as u8;
            if v == 0 {
                return Err(UriError::NulByte);
            }
            out.push(v);
            i += 3;
        } else if b == 0 {
            // A literal NUL is as dangerous in a file name as `%00`.
            return Err(UriError::NulByte);
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| UriError::InvalidUtf8)
}

/// Whether `s` starts with `scheme://`.
fn is_absolute_url(s: &str) -> bool {
    split_scheme(s).is_some_and(|(_, rest)| rest.starts_with("//"))
}

/// The URL a client sends SETUP (or an aggregate PLAY) to, from an SDP
/// `a=control` value and its base (Content-Base, else Content-Location,
/// else the DESCRIBE request URL: RFC 2326 Appendix C.1.1).
///
/// - an absolute control URL wins as it is;
/// - `*` (or an empty control) is the base itself;
/// - anything else is appended to the base with exactly one `/` between
///   them (`rtsp://h/movie` + `trackID=0` = `rtsp://h/movie/trackID=0`,
///   same with `rtsp://h/movie/`).
///
/// Appending, rather than RFC 3986 resolution (which would replace the last
/// path segment when the base lacks a trailing `/`), is what ffmpeg,
/// live555 and GStreamer do and what servers expect.
pub fn resolve_control(base: &str, control: &str) -> String {
    let control = control.trim();
    if is_absolute_url(control) {
        return String::from(control);
    }
    if control.is_empty() || control == "*" {
        return String::from(base);
    }
    let base = base.trim_end_matches('/');
    let control = control.trim_start_matches('/');
    let mut out = String::with_capacity(base.len() + 1 + control.len());
    out.push_str(base);
    out.push('/');
    out.push_str(control);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(parse_request_uri("*"), Ok(RequestUri::Star));
        assert_eq!(
            parse_request_uri("movie.Mjpeg"),
            Ok(RequestUri::Bare("movie.Mjpeg"))
        );
        assert_eq!(
            parse_request_uri("/dir/movie.Mjpeg"),
            Ok(RequestUri::Bare("/dir/movie.Mjpeg"))
        );
        assert_eq!(
            parse_request_uri("rtsp://127.0.0.1:8554/dir/a.Mjpeg?x=1#frag"),
            Ok(RequestUri::Absolute {
                scheme: "rtsp",
                host: "127.0.0.1",
                port: Some(8554),
                path: "dir/a.Mjpeg"
            })
        );
        assert_eq!(
            parse_request_uri("RTSP://example.com"),
            Ok(RequestUri::Absolute {
                scheme: "RTSP",
                host: "example.com",
                port: None,
                path: ""
            })
        );
        assert_eq!(
            parse_request_uri("rtsps://[::1]:322/x/trackID=0"),
            Ok(RequestUri::Absolute {
                scheme: "rtsps",
                host: "::1",
                port: Some(322),
                path: "x/trackID=0"
            })
        );
        assert_eq!(
            parse_request_uri("rtspu://admin:pw@cam.local/live"),
            Ok(RequestUri::Absolute {
                scheme: "rtspu",
                host: "cam.local",
                port: None,
                path: "live"
            })
        );
        assert_eq!(
            parse_request_uri("rtsp://h:/p"),
            Ok(RequestUri::Absolute {
                scheme: "rtsp",
                host: "h",
                port: None,
                path: "p"
            })
        );
        assert_eq!(
            parse_request_uri("rtsp://h?q"),
            Ok(RequestUri::Absolute {
                scheme: "rtsp",
                host: "h",
                port: None,
                path: ""
            })
        );
        // A colon after the first slash is not a scheme separator, and a
        // colon without `//` after it makes no URL.
        assert_eq!(
            parse_request_uri("dir/a:b.Mjpeg"),
            Ok(RequestUri::Bare("dir/a:b.Mjpeg"))
        );
        assert_eq!(
            parse_request_uri("movie:2.Mjpeg"),
            Ok(RequestUri::Bare("movie:2.Mjpeg"))
        );
    }

    #[test]
    fn errors() {
        assert_eq!(parse_request_uri(""), Err(UriError::Empty));
        assert_eq!(
            parse_request_uri("http://h/x"),
            Err(UriError::UnsupportedScheme)
        );
        assert_eq!(parse_request_uri("rtsp:x"), Err(UriError::MissingAuthority));
        assert_eq!(parse_request_uri("rtsp:///x"), Err(UriError::MissingHost));
        assert_eq!(
            parse_request_uri("rtsp://:554/x"),
            Err(UriError::MissingHost)
        );
        assert_eq!(
            parse_request_uri("rtsp://h:70000/x"),
            Err(UriError::InvalidPort)
        );
        assert_eq!(
            parse_request_uri("rtsp://h:8a/x"),
            Err(UriError::InvalidPort)
        );
        assert_eq!(
            parse_request_uri("rtsp://h:+80/x"),
            Err(UriError::InvalidPort)
        );
        assert_eq!(
            parse_request_uri("rtsp://[::1/x"),
            Err(UriError::InvalidHost)
        );
        assert_eq!(
            parse_request_uri("rtsp://[::1]x/y"),
            Err(UriError::InvalidHost)
        );
        assert_eq!(parse_request_uri("rtsp://[]/y"), Err(UriError::MissingHost));
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%20b%2Fc"), Ok(String::from("a b/c")));
        assert_eq!(percent_decode("caf%C3%A9+x"), Ok(String::from("café+x")));
        assert_eq!(percent_decode("100%"), Err(UriError::InvalidEscape));
        assert_eq!(percent_decode("%4"), Err(UriError::InvalidEscape));
        assert_eq!(percent_decode("%zz"), Err(UriError::InvalidEscape));
        assert_eq!(percent_decode("a%00b"), Err(UriError::NulByte));
        assert_eq!(percent_decode("%C3"), Err(UriError::InvalidUtf8));
        assert_eq!(percent_decode("%FF"), Err(UriError::InvalidUtf8));
        // Decoded once: %2525 is the three characters %25.
        assert_eq!(
            parse_request_uri("rtsp://h/a%2525.Mjpeg")
                .unwrap()
                .decoded_path(),
            Ok(String::from("a%25.Mjpeg"))
        );
        assert_eq!(
            parse_request_uri("/movie%20one.Mjpeg")
                .unwrap()
                .decoded_path(),
            Ok(String::from("movie one.Mjpeg"))
        );
        assert_eq!(RequestUri::Star.decoded_path(), Err(UriError::NoPath));
    }

    #[test]
    fn control_resolution() {
        let base = "rtsp://127.0.0.1:8554/movie.Mjpeg";
        assert_eq!(
            resolve_control(base, "trackID=0"),
            std::format!("{base}/trackID=0")
        );
        assert_eq!(
            resolve_control("rtsp://h/test/", "stream=0"),
            "rtsp://h/test/stream=0"
        );
        assert_eq!(
            resolve_control("rtsp://h/test//", "/stream=0"),
            "rtsp://h/test/stream=0"
        );
        assert_eq!(resolve_control(base, "*"), base);
        assert_eq!(resolve_control(base, ""), base);
        assert_eq!(
            resolve_control(base, "rtsp://127.0.0.1:8554/stream/trackID=0"),
            "rtsp://127.0.0.1:8554/stream/trackID=0"
        );
        assert_eq!(resolve_control(base, "RTSP://other/x"), "RTSP://other/x");
    }

    /// Found by fuzz target `rtsp_uri`: a literal NUL went through
    /// `percent_decode` into the decoded path.
    #[test]
    fn literal_nul_is_refused() {
        assert_eq!(percent_decode("a\0b"), Err(UriError::NulByte));
        assert_eq!(
            parse_request_uri("/d\0.Mjpeg").unwrap().decoded_path(),
            Err(UriError::NulByte)
        );
    }
}
