//! RTSP methods (RFC 2326 Section 10) and sets of them for `Public` and
//! `Allow` (Sections 12.28 and 12.4).

use core::fmt;

/// An RTSP/1.0 method (RFC 2326 Section 6.1, Table 2 in Section 10).
///
/// Method names are case-sensitive (Section 6.1): `play` is not `PLAY` but
/// an unknown extension method, which the parser keeps as a token with
/// `method: None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `OPTIONS` (Section 10.1).
    Options,
    /// `DESCRIBE` (Section 10.2).
    Describe,
    /// `ANNOUNCE` (Section 10.3).
    Announce,
    /// `SETUP` (Section 10.4).
    Setup,
    /// `PLAY` (Section 10.5).
    Play,
    /// `PAUSE` (Section 10.6).
    Pause,
    /// `TEARDOWN` (Section 10.7).
    Teardown,
    /// `GET_PARAMETER` (Section 10.8).
    GetParameter,
    /// `SET_PARAMETER` (Section 10.9).
    SetParameter,
    /// `REDIRECT` (Section 10.10).
    Redirect,
    /// `RECORD` (Section 10.11).
    Record,
}

impl Method {
    /// Every method, in the order RFC 2326 Section 10 describes them (also
    /// the order [`MethodSet`] prints them in).
    pub const ALL: [Method; 11] = [
        Method::Options,
        Method::Describe,
        Method::Announce,
        Method::Setup,
        Method::Play,
        Method::Pause,
        Method::Teardown,
        Method::GetParameter,
        Method::SetParameter,
        Method::Redirect,
        Method::Record,
    ];

    /// The method named by `token` (exact, case-sensitive match), or `None`
    /// for an extension method.
    pub fn from_token(token: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == token)
    }

    /// The method's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Options => "OPTIONS",
            Method::Describe => "DESCRIBE",
            Method::Announce => "ANNOUNCE",
            Method::Setup => "SETUP",
            Method::Play => "PLAY",
            Method::Pause => "PAUSE",
            Method::Teardown => "TEARDOWN",
            Method::GetParameter => "GET_PARAMETER",
            Method::SetParameter => "SET_PARAMETER",
            Method::Redirect => "REDIRECT",
            Method::Record => "RECORD",
        }
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of methods, as carried by the `Public` (RFC 2326 Section 12.28) and
/// `Allow` (Section 12.4) headers.
///
/// Displays as a comma-separated list in [`Method::ALL`] order, ready to be
/// a header value: `OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MethodSet(u16);

impl MethodSet {
    /// The empty set.
    pub const fn empty() -> Self {
        MethodSet(0)
    }

    /// Every method.
    pub const fn all() -> Self {
        let mut bits = 0;
        let mut i = 0;
        while i < Method::ALL.len() {
            bits |= Method::ALL[i].bit();
            i += 1;
        }
        MethodSet(bits)
    }

    /// This set plus `method` (const, so a server can spell its `Public`
    /// list as a constant).
    #[must_use]
    pub const fn with(self, method: Method) -> Self {
        MethodSet(self.0 | method.bit())
    }

    /// This set minus `method`.
    #[must_use]
    pub const fn without(self, method: Method) -> Self {
        MethodSet(self.0 & !method.bit())
    }

    /// Whether `method` is in the set.
    pub const fn contains(self, method: Method) -> bool {
        self.0 & method.bit() != 0
    }

    /// Adds `method` to the set.
    pub fn insert(&mut self, method: Method) {
        self.0 |= method.bit();
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Number of methods in the set.
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Methods in the set, in [`Method::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Method> + Clone {
        Method::ALL.into_iter().filter(move |m| self.contains(*m))
    }

    /// The methods listed in a `Public` or `Allow` header value.
    ///
    /// Tokens are comma-separated with optional whitespace; unknown tokens
    /// (extension methods, lower-case spellings) are ignored, because a peer
    /// advertising a method we do not know tells us nothing we can use.
    pub fn parse(value: &str) -> MethodSet {
        value
            .split(',')
            .filter_map(|t| Method::from_token(t.trim_matches([' ', '\t'])))
            .collect()
    }
}

impl FromIterator<Method> for MethodSet {
    fn from_iter<I: IntoIterator<Item = Method>>(iter: I) -> Self {
        let mut set = MethodSet::empty();
        for m in iter {
            set.insert(m);
        }
        set
    }
}

impl fmt::Display for MethodSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, m) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(m.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Debug for MethodSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn tokens_round_trip_and_are_case_sensitive() {
        for m in Method::ALL {
            assert_eq!(Method::from_token(m.as_str()), Some(m));
        }
        assert_eq!(Method::from_token("play"), None);
        assert_eq!(Method::from_token("GET"), None);
        assert_eq!(Method::from_token(""), None);
    }

    #[test]
    fn set_operations() {
        let s = MethodSet::empty().with(Method::Play).with(Method::Options);
        assert!(s.contains(Method::Play) && s.contains(Method::Options));
        assert!(!s.contains(Method::Record));
        assert_eq!(s.len(), 2);
        assert_eq!(s.without(Method::Play).len(), 1);
        assert_eq!(MethodSet::all().len(), 11);
        assert!(MethodSet::empty().is_empty());
        assert_eq!(s.to_string(), "OPTIONS, PLAY");
        assert_eq!(MethodSet::empty().to_string(), "");
    }

    #[test]
    fn parse_ignores_unknown_and_tolerates_spacing() {
        let s = MethodSet::parse("DESCRIBE,SETUP , TEARDOWN,\tPLAY, PAUSE, FOO, play,,");
        assert_eq!(s.to_string(), "DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN");
        assert_eq!(
            MethodSet::parse(&MethodSet::all().to_string()),
            MethodSet::all()
        );
        assert!(MethodSet::parse("").is_empty());
    }
}
