//! Typed headers and URIs: `Display` then `parse` gives the value back for
//! generated values, and arbitrary strings never panic any parser.

use std::time::Duration;

use proptest::prelude::*;
use stream_core::rtsp::{
    self, ChannelPair, HeaderError, LowerTransport, Method, MethodSet, NptRange, NptTime, PortPair,
    Profile, RequestUri, RtpInfoDisplay, RtpInfoEntry, RtpInfoList, SessionHeader, TransportList,
    TransportSpec,
};

fn port_pair() -> impl Strategy<Value = PortPair> {
    (any::<u16>(), proptest::option::of(any::<u16>()))
        .prop_map(|(rtp, rtcp)| PortPair { rtp, rtcp })
}

/// A transport spec that owns its strings, for the strategy to produce.
#[derive(Debug, Clone)]
struct OwnedSpec {
    profile: Profile,
    lower: LowerTransport,
    unicast: Option<bool>,
    destination: Option<String>,
    source: Option<String>,
    client_port: Option<PortPair>,
    server_port: Option<PortPair>,
    interleaved: Option<ChannelPair>,
    ssrc: Option<u32>,
    mode: Option<String>,
    ttl: Option<u8>,
}

impl OwnedSpec {
    fn spec(&self) -> TransportSpec<'_> {
        TransportSpec {
            profile: self.profile,
            lower: self.lower,
            unicast: self.unicast,
            destination: self.destination.as_deref(),
            source: self.source.as_deref(),
            client_port: self.client_port,
            server_port: self.server_port,
            interleaved: self.interleaved,
            ssrc: self.ssrc,
            mode: self.mode.as_deref(),
            ttl: self.ttl,
        }
    }
}

fn transport() -> impl Strategy<Value = OwnedSpec> {
    let profile = prop_oneof![
        Just((Profile::RtpAvp, LowerTransport::Udp)),
        Just((Profile::RtpAvp, LowerTransport::Tcp)),
        Just((Profile::LabRtpUdp, LowerTransport::Udp)),
    ];
    let addr = "[a-z0-9.:]{1,20}";
    (
        profile,
        proptest::option::of(any::<bool>()),
        proptest::option::of(addr),
        proptest::option::of(addr),
        proptest::option::of(port_pair()),
        proptest::option::of(port_pair()),
        proptest::option::of((any::<u8>(), proptest::option::of(any::<u8>()))),
        proptest::option::of(any::<u32>()),
        proptest::option::of(prop_oneof![
            Just("PLAY".to_string()),
            Just("RECORD".to_string()),
            "[A-Z]{1,8}"
        ]),
        proptest::option::of(any::<u8>()),
    )
        .prop_map(
            |(
                (profile, lower),
                unicast,
                destination,
                source,
                client_port,
                server_port,
                i,
                ssrc,
                mode,
                ttl,
            )| {
                OwnedSpec {
                    profile,
                    lower,
                    unicast,
                    destination,
                    source,
                    client_port,
                    server_port,
                    interleaved: i.map(|(rtp, rtcp)| ChannelPair { rtp, rtcp }),
                    ssrc,
                    mode,
                    ttl,
                }
            },
        )
}

fn npt_time() -> impl Strategy<Value = NptTime> {
    prop_oneof![
        1 => Just(NptTime::Now),
        4 => (0u64..1_000_000_000, 0u32..1_000_000)
            .prop_map(|(s, us)| NptTime::At(Duration::from_secs(s) + Duration::from_micros(us.into()))),
    ]
}

proptest! {
    #[test]
    fn transport_round_trip(t in transport()) {
        let spec = t.spec();
        let text = spec.to_string();
        prop_assert_eq!(TransportSpec::parse(&text), Ok(spec));
        // Two of them as one header value.
        let list = format!("{spec},{spec}");
        let parsed: Vec<_> = TransportList::new(&list).collect();
        prop_assert_eq!(parsed, vec![Ok(spec), Ok(spec)]);
    }

    #[test]
    fn range_round_trip(start in npt_time(), end in proptest::option::of(npt_time())) {
        let r = NptRange { start, end };
        let text = r.to_string();
        match (start, end) {
            (NptTime::At(s), Some(NptTime::At(e))) if e < s => {
                prop_assert_eq!(NptRange::parse(&text), Err(HeaderError::InvalidRange));
            }
            _ => prop_assert_eq!(NptRange::parse(&text), Ok(r)),
        }
    }

    #[test]
    fn session_round_trip(id in "[A-Za-z0-9$_.+-]{1,64}", timeout in proptest::option::of(any::<u32>())) {
        let s = SessionHeader { id: &id, timeout };
        let text = s.to_string();
        prop_assert_eq!(SessionHeader::parse(&text), Ok(s));
    }

    #[test]
    fn rtp_info_round_trip(entries in proptest::collection::vec(
        ("rtsp://[a-z0-9.]{1,10}(:[0-9]{1,4})?/[a-z0-9/=._-]{0,20}", proptest::option::of(any::<u16>()), proptest::option::of(any::<u32>())),
        1..4,
    )) {
        let entries: Vec<RtpInfoEntry<'_>> = entries
            .iter()
            .map(|(url, seq, rtptime)| RtpInfoEntry { url, seq: *seq, rtptime: *rtptime })
            .collect();
        let text = RtpInfoDisplay(&entries).to_string();
        let back: Vec<_> = RtpInfoList::new(&text).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(back, entries);
    }

    #[test]
    fn method_set_round_trip(bits in any::<u16>()) {
        let set: MethodSet = Method::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, m)| *m)
            .collect();
        prop_assert_eq!(MethodSet::parse(&set.to_string()), set);
    }

    #[test]
    fn header_parsers_never_panic(s in "\\PC{0,80}", t in "[ -~]{0,80}") {
        for v in [&s, &t] {
            let _ = TransportList::new(v).count();
            let _ = NptRange::parse(v);
            let _ = SessionHeader::parse(v);
            let _ = RtpInfoList::new(v).count();
            let _ = MethodSet::parse(v);
            let _ = rtsp::parse_cseq(v);
            let _ = rtsp::parse_content_length(v);
        }
    }

    #[test]
    fn uri_functions_never_panic(s in "\\PC{0,80}", t in "[ -~]{0,80}") {
        for v in [&s, &t] {
            if let Ok(u) = rtsp::parse_request_uri(v) {
                let _ = u.decoded_path();
                if let RequestUri::Absolute { host, path, .. } = u {
                    prop_assert!(v.contains(host) && v.contains(path));
                }
            }
            let _ = rtsp::percent_decode(v);
            let joined = rtsp::resolve_control(v, v);
            prop_assert!(!joined.is_empty() || v.trim().is_empty());
        }
    }

    /// Percent-decoding undoes percent-encoding of every byte.
    #[test]
    fn percent_decode_inverts_encoding(s in "\\PC{0,40}") {
        prop_assume!(!s.contains('\0'));
        let encoded: String = s.bytes().map(|b| format!("%{b:02x}")).collect();
        prop_assert_eq!(rtsp::percent_decode(&encoded), Ok(s.clone()));
    }
}
