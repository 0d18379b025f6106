//! The `Transport` header (RFC 2326 Section 12.39).
//!
//! A client lists the transports it accepts, most preferred first,
//! comma-separated; the server picks one and echoes it, completed with its
//! own ports. [`TransportList`] walks the list lazily and yields each spec
//! as a `Result`, so a server can skip the ones it does not speak and answer
//! 461 Unsupported Transport only when none is left.

use core::fmt;

use super::header::{
    HeaderError, parse_decimal, parse_hex, split_param, split_unquoted, trim_lws, unquote,
};

/// The transport protocol and profile of a spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// `RTP/AVP` (RFC 3551), optionally followed by `/UDP` or `/TCP`.
    RtpAvp,
    /// The course lab's `RTP/UDP` (not a registered profile; see
    /// `shared/docs/lab-dialect.md`): RTP over UDP, whole JPEG frames.
    LabRtpUdp,
}

/// The lower transport (RFC 2326 Section 12.39: UDP when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LowerTransport {
    /// Separate UDP datagrams.
    Udp,
    /// Interleaved on the RTSP connection (Section 10.12).
    Tcp,
}

/// A `client_port` / `server_port` value: `5000-5001` or a single port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortPair {
    /// The RTP port.
    pub rtp: u16,
    /// The RTCP port, if given (conventionally `rtp + 1`).
    pub rtcp: Option<u16>,
}

impl PortPair {
    /// Parses `5000-5001` or `5000`; whitespace around `-` is tolerated.
    pub fn parse(value: &str) -> Result<Self, HeaderError> {
        let (a, b) = parse_pair(value, u64::from(u16::MAX), "port")?;
        Ok(PortPair {
            rtp: a as u16,
            rtcp: b.map(|b| b as u16),
        })
    }
}

impl fmt::Display for PortPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rtcp {
            Some(rtcp) => write!(f, "{}-{}", self.rtp, rtcp),
            None => write!(f, "{}", self.rtp),
        }
    }
}

/// An `interleaved` value: `0-1` or a single channel (Section 10.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChannelPair {
    /// The channel carrying RTP.
    pub rtp: u8,
    /// The channel carrying RTCP, if given.
    pub rtcp: Option<u8>,
}

impl ChannelPair {
    /// Parses `0-1` or `0`.
    pub fn parse(value: &str) -> Result<Self, HeaderError> {
        let (a, b) = parse_pair(value, u64::from(u8::MAX), "interleaved channel")?;
        Ok(ChannelPair {
            rtp: a as u8,
            rtcp: b.map(|b| b as u8),
        })
    }
}

impl fmt::Display for ChannelPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rtcp {
            Some(rtcp) => write!(f, "{}-{}", self.rtp, rtcp),
            None => write!(f, "{}", self.rtp),
        }
    }
}

fn parse_pair(
    value: &str,
    max: u64,
    what: &'static str,
) -> Result<(u64, Option<u64>), HeaderError> {
    let num = |s: &str| {
        let s = trim_lws(s);
        if s.is_empty() {
            return Err(HeaderError::Empty(what));
        }
        parse_decimal(s, max).ok_or(HeaderError::InvalidNumber(what))
    };
    match value.split_once('-') {
        Some((a, b)) => Ok((num(a)?, Some(num(b)?))),
        None => Ok((num(value)?, None)),
    }
}

/// One transport spec (RFC 2326 Section 12.39).
///
/// Build one with [`TransportSpec::new`] and fill the fields a reply needs;
/// `Display` prints the canonical form, e.g.
/// `RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=0000ABCD;mode="PLAY"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransportSpec<'a> {
    /// Protocol and profile.
    pub profile: Profile,
    /// UDP or TCP (interleaved).
    pub lower: LowerTransport,
    /// `Some(true)` for `unicast`, `Some(false)` for `multicast`, `None`
    /// when neither is given (the lab never says).
    pub unicast: Option<bool>,
    /// `destination=`: where the client wants the media sent.
    pub destination: Option<&'a str>,
    /// `source=`: where the server sends from.
    pub source: Option<&'a str>,
    /// `client_port=`: the client's RTP (and RTCP) ports.
    pub client_port: Option<PortPair>,
    /// `server_port=`: the server's RTP (and RTCP) ports.
    pub server_port: Option<PortPair>,
    /// `interleaved=`: the RTSP-connection channels for RTP and RTCP.
    pub interleaved: Option<ChannelPair>,
    /// `ssrc=`: the sender's RTP SSRC, 8 hex digits on the wire.
    pub ssrc: Option<u32>,
    /// `mode=`: `PLAY` or `RECORD`, without the quotes.
    pub mode: Option<&'a str>,
    /// `ttl=`: multicast time-to-live.
    pub ttl: Option<u8>,
}

impl<'a> TransportSpec<'a> {
    /// A spec with the given profile and lower transport and no parameters.
    pub const fn new(profile: Profile, lower: LowerTransport) -> Self {
        TransportSpec {
            profile,
            lower,
            unicast: None,
            destination: None,
            source: None,
            client_port: None,
            server_port: None,
            interleaved: None,
            ssrc: None,
            mode: None,
            ttl: None,
        }
    }

    /// Parses one spec (no commas).
    ///
    /// The protocol/profile is matched case-insensitively (`RTP/AVP`,
    /// `RTP/AVP/UDP`, `RTP/AVP/TCP`, lab `RTP/UDP`); anything else is
    /// [`HeaderError::UnsupportedTransport`]. Parameter names are
    /// case-insensitive, whitespace around `;`, `=` and `-` is tolerated,
    /// unknown parameters are ignored, and a repeated parameter's last
    /// value wins.
    pub fn parse(value: &'a str) -> Result<Self, HeaderError> {
        let mut params = split_unquoted(value, b';');
        let proto = trim_lws(params.next().unwrap_or(""));
        if proto.is_empty() {
            return Err(HeaderError::Empty("Transport"));
        }
        let (profile, lower) =
            if proto.eq_ignore_ascii_case("RTP/AVP") || proto.eq_ignore_ascii_case("RTP/AVP/UDP") {
                (Profile::RtpAvp, LowerTransport::Udp)
            } else if proto.eq_ignore_ascii_case("RTP/AVP/TCP") {
                (Profile::RtpAvp, LowerTransport::Tcp)
            } else if proto.eq_ignore_ascii_case("RTP/UDP") {
                (Profile::LabRtpUdp, LowerTransport::Udp)
            } else {
                return Err(HeaderError::UnsupportedTransport);
            };
        let mut spec = TransportSpec::new(profile, lower);
        for p in params {
            let (name, v) = split_param(p);
            let value = |what: &'static str| match v {
                Some("") | None => Err(HeaderError::Empty(what)),
                Some(v) => Ok(v),
            };
            let is = |n: &str| name.eq_ignore_ascii_case(n);
            if is("unicast") {
                spec.unicast = Some(true);
            } else if is("multicast") {
                spec.unicast = Some(false);
            } else if is("destination") {
                // `destination` without a value means "the default": the
                // address the request came from.
                spec.destination = v.map(address).transpose()?.filter(|v| !v.is_empty());
            } else if is("source") {
                spec.source = Some(address(value("Transport source")?)?);
            } else if is("client_port") {
                spec.client_port = Some(PortPair::parse(value("client_port")?)?);
            } else if is("server_port") {
                spec.server_port = Some(PortPair::parse(value("server_port")?)?);
            } else if is("interleaved") {
                spec.interleaved = Some(ChannelPair::parse(value("interleaved")?)?);
            } else if is("ssrc") {
                // RFC 2326 Section 12.39: ssrc = 8*8(HEX).
                let n = parse_hex(value("ssrc")?, 8).ok_or(HeaderError::InvalidNumber("ssrc"))?;
                spec.ssrc = Some(n as u32);
            } else if is("mode") {
                let m = trim_lws(unquote(value("mode")?));
                if m.is_empty() {
                    return Err(HeaderError::Empty("mode"));
                }
                // Display quotes the mode; a quote inside would end it early.
                if m.contains('"') {
                    return Err(HeaderError::Malformed("mode"));
                }
                spec.mode = Some(m);
            } else if is("ttl") {
                let n = parse_decimal(value("ttl")?, u64::from(u8::MAX))
                    .ok_or(HeaderError::InvalidNumber("ttl"))?;
                spec.ttl = Some(n as u8);
            }
        }
        Ok(spec)
    }

    /// This spec as the course lab's client writes it, for a client talking
    /// to a lab server: `RTP/UDP; client_port= 5008`.
    ///
    /// The lab server takes the RTP port as the fourth space-separated word
    /// of the Transport line, so the spaces after `;` and `=` are load-bearing
    /// and the canonical `Display` form would crash it.
    pub fn lab_display(&self) -> impl fmt::Display + '_ {
        LabTransport(self)
    }
}

/// A `destination` or `source` value: a host, optionally quoted. Quotes,
/// `;` and `,` cannot be part of a host, and `Display` writes the value
/// bare, so they are refused rather than printed into a spec that reads
/// back differently.
fn address(v: &str) -> Result<&str, HeaderError> {
    let a = trim_lws(unquote(v));
    if a.contains(['"', ';', ',']) {
        return Err(HeaderError::Malformed("Transport address"));
    }
    Ok(a)
}

impl fmt::Display for TransportSpec<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match (self.profile, self.lower) {
            (Profile::RtpAvp, LowerTransport::Udp) => "RTP/AVP",
            (Profile::RtpAvp, LowerTransport::Tcp) => "RTP/AVP/TCP",
            (Profile::LabRtpUdp, _) => "RTP/UDP",
        })?;
        match self.unicast {
            Some(true) => f.write_str(";unicast")?,
            Some(false) => f.write_str(";multicast")?,
            None => {}
        }
        if let Some(d) = self.destination {
            write!(f, ";destination={d}")?;
        }
        if let Some(s) = self.source {
            write!(f, ";source={s}")?;
        }
        if let Some(p) = self.client_port {
            write!(f, ";client_port={p}")?;
        }
        if let Some(p) = self.server_port {
            write!(f, ";server_port={p}")?;
        }
        if let Some(c) = self.interleaved {
            write!(f, ";interleaved={c}")?;
        }
        if let Some(t) = self.ttl {
            write!(f, ";ttl={t}")?;
        }
        if let Some(s) = self.ssrc {
            write!(f, ";ssrc={s:08X}")?;
        }
        if let Some(m) = self.mode {
            write!(f, ";mode=\"{m}\"")?;
        }
        Ok(())
    }
}

struct LabTransport<'s, 'a>(&'s TransportSpec<'a>);

impl fmt::Display for LabTransport<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RTP/UDP;")?;
        if let Some(p) = self.0.client_port {
            write!(f, " client_port= {}", p.rtp)?;
        }
        Ok(())
    }
}

/// The comma-separated specs of a `Transport` header, in the client's order
/// of preference.
///
/// Yields one `Result` per non-empty element; an element that fails does
/// not stop the iteration. Commas inside quoted strings do not split.
#[derive(Debug, Clone)]
pub struct TransportList<'a> {
    rest: Option<&'a str>,
}

impl<'a> TransportList<'a> {
    /// The specs of a raw `Transport` header value.
    pub fn new(value: &'a str) -> Self {
        TransportList { rest: Some(value) }
    }
}

impl<'a> Iterator for TransportList<'a> {
    type Item = Result<TransportSpec<'a>, HeaderError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let s = self.rest?;
            let mut it = split_unquoted(s, b',');
            let item = it.next().unwrap_or("");
            // `split_unquoted` yields the whole input when there is no
            // separator; otherwise continue after the comma.
            self.rest = if item.len() < s.len() {
                Some(&s[item.len() + 1..])
            } else {
                None
            };
            if !trim_lws(item).is_empty() {
                return Some(TransportSpec::parse(item));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use std::vec::Vec;

    #[test]
    fn rfc_and_real_world_specs() {
        let s =
            TransportSpec::parse("RTP/AVP;unicast;client_port=3456-3457;mode=\"PLAY\"").unwrap();
        assert_eq!(s.profile, Profile::RtpAvp);
        assert_eq!(s.lower, LowerTransport::Udp);
        assert_eq!(s.unicast, Some(true));
        assert_eq!(
            s.client_port,
            Some(PortPair {
                rtp: 3456,
                rtcp: Some(3457)
            })
        );
        assert_eq!(s.mode, Some("PLAY"));

        let s = TransportSpec::parse("RTP/AVP/TCP;unicast;interleaved=0-1").unwrap();
        assert_eq!(s.lower, LowerTransport::Tcp);
        assert_eq!(
            s.interleaved,
            Some(ChannelPair {
                rtp: 0,
                rtcp: Some(1)
            })
        );
        assert_eq!(s.to_string(), "RTP/AVP/TCP;unicast;interleaved=0-1");

        let s = TransportSpec::parse("RTP/AVP;multicast;ttl=127;mode=\"PLAY\"").unwrap();
        assert_eq!((s.unicast, s.ttl), (Some(false), Some(127)));

        let s = TransportSpec::parse(
            "RTP/AVP;unicast;client_port=50000-50001;server_port=42406-42407;ssrc=7A8B6C1D;mode=\"PLAY\"",
        )
        .unwrap();
        assert_eq!(s.ssrc, Some(0x7A8B_6C1D));
        assert_eq!(
            s.server_port,
            Some(PortPair {
                rtp: 42406,
                rtcp: Some(42407)
            })
        );
    }

    #[test]
    fn lab_spec_with_its_spacing() {
        let s = TransportSpec::parse("RTP/UDP; client_port= 5008").unwrap();
        assert_eq!(s.profile, Profile::LabRtpUdp);
        assert_eq!(s.lower, LowerTransport::Udp);
        assert_eq!(s.unicast, None);
        assert_eq!(
            s.client_port,
            Some(PortPair {
                rtp: 5008,
                rtcp: None
            })
        );
        assert_eq!(s.to_string(), "RTP/UDP;client_port=5008");
        assert_eq!(s.lab_display().to_string(), "RTP/UDP; client_port= 5008");
        // The lab server's reading: 4th space-separated word of the line.
        let line = std::format!("Transport: {}", s.lab_display());
        assert_eq!(line.split(' ').nth(3), Some("5008"));
    }

    #[test]
    fn canonical_display_round_trips() {
        let mut s = TransportSpec::new(Profile::RtpAvp, LowerTransport::Udp);
        s.unicast = Some(true);
        s.client_port = Some(PortPair {
            rtp: 5000,
            rtcp: Some(5001),
        });
        s.server_port = Some(PortPair {
            rtp: 6970,
            rtcp: Some(6971),
        });
        s.ssrc = Some(0xABCD);
        s.mode = Some("PLAY");
        let text = s.to_string();
        assert_eq!(
            text,
            "RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=0000ABCD;mode=\"PLAY\""
        );
        assert_eq!(TransportSpec::parse(&text), Ok(s));

        let mut m = TransportSpec::new(Profile::RtpAvp, LowerTransport::Udp);
        m.unicast = Some(false);
        m.destination = Some("224.2.0.1");
        m.source = Some("10.0.0.1");
        m.ttl = Some(16);
        let text = m.to_string();
        assert_eq!(
            text,
            "RTP/AVP;multicast;destination=224.2.0.1;source=10.0.0.1;ttl=16"
        );
        assert_eq!(TransportSpec::parse(&text), Ok(m));
    }

    #[test]
    fn case_spacing_and_unknown_parameters() {
        let s = TransportSpec::parse(
            " rtp/avp/udp ; UNICAST ; Client_Port = 5000 - 5001 ; x-foo=bar ; append ; mode=play ",
        )
        .unwrap();
        assert_eq!(s.profile, Profile::RtpAvp);
        assert_eq!(s.unicast, Some(true));
        assert_eq!(
            s.client_port,
            Some(PortPair {
                rtp: 5000,
                rtcp: Some(5001)
            })
        );
        assert_eq!(s.mode, Some("play"));
        let s = TransportSpec::parse("RTP/AVP;destination;unicast").unwrap();
        assert_eq!(s.destination, None);
    }

    #[test]
    fn invalid_specs() {
        for bad in [
            "RTP/SAVP;unicast",
            "RAW/RAW/UDP",
            "MP2T/H2221/UDP",
            "RTP",
            "RTP/AVP/SCTP",
        ] {
            assert_eq!(
                TransportSpec::parse(bad),
                Err(HeaderError::UnsupportedTransport),
                "{bad}"
            );
        }
        assert_eq!(
            TransportSpec::parse(" "),
            Err(HeaderError::Empty("Transport"))
        );
        assert_eq!(
            TransportSpec::parse("RTP/AVP;client_port=70000"),
            Err(HeaderError::InvalidNumber("port"))
        );
        assert_eq!(
            TransportSpec::parse("RTP/AVP;client_port=a-b"),
            Err(HeaderError::InvalidNumber("port"))
        );
        assert_eq!(
            TransportSpec::parse("RTP/AVP;client_port=5000-"),
            Err(HeaderError::Empty("port"))
        );
        assert_eq!(
            TransportSpec::parse("RTP/AVP;client_port"),
            Err(HeaderError::Empty("client_port"))
        );
        assert_eq!(
            TransportSpec::parse("RTP/AVP/TCP;interleaved=256-257"),
            Err(HeaderError::InvalidNumber("interleaved channel"))
        );
        assert_eq!(
            TransportSpec::parse("RTP/AVP;ssrc=123456789"),
            Err(HeaderError::InvalidNumber("ssrc"))
        );
        assert_eq!(
            TransportSpec::parse("RTP/AVP;ssrc=xyz"),
            Err(HeaderError::InvalidNumber("ssrc"))
        );
        assert_eq!(
            TransportSpec::parse("RTP/AVP;ttl=300"),
            Err(HeaderError::InvalidNumber("ttl"))
        );
        assert_eq!(
            TransportSpec::parse("RTP/AVP;mode=\"\""),
            Err(HeaderError::Empty("mode"))
        );
    }

    #[test]
    fn list_skips_and_reports_per_spec() {
        let list: Vec<_> = TransportList::new(
            "RTP/SAVP;unicast, RTP/AVP;unicast;client_port=50000-50001,RTP/AVP/TCP;unicast;interleaved=0-1,,",
        )
        .collect();
        assert_eq!(list.len(), 3);
        assert_eq!(list[0], Err(HeaderError::UnsupportedTransport));
        assert_eq!(list[1].unwrap().lower, LowerTransport::Udp);
        assert_eq!(list[2].unwrap().lower, LowerTransport::Tcp);

        let list: Vec<_> = TransportList::new("RTP/AVP;mode=\"PLAY,RECORD\";unicast").collect();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].unwrap().mode, Some("PLAY,RECORD"));
        assert_eq!(TransportList::new("").count(), 0);
        assert_eq!(TransportList::new(" , ").count(), 0);
    }

    /// Found by fuzz target `rtsp_transport`: values with quotes (or a
    /// quoted host with separators) were printed in a form that reads back
    /// as other parameters or as two specs.
    #[test]
    fn printed_specs_read_back() {
        for bad in [
            "RTP/AVP;unicast;mode=\"\"PLA,Y\" RTP/AVP/TCP\"",
            "RTP/AVP;destination=\"a;b\";client_port=1",
            "RTP/AVP;source=\"x,y\"",
            "RTP/AVP;destination=\"a",
        ] {
            assert!(TransportSpec::parse(bad).is_err(), "{bad}");
        }
        let t =
            TransportSpec::parse("RTP/AVP;destination=\"10.0.0.2\";mode=\"PLAY, RECORD\"").unwrap();
        assert_eq!(t.destination, Some("10.0.0.2"));
        let shown = t.to_string();
        assert_eq!(TransportList::new(&shown).collect::<Vec<_>>(), [Ok(t)]);
    }
}
