//! Target `rtsp_transport`: the `Transport` header (RFC 2326 Section
//! 12.39), `TransportList` and `TransportSpec`, plus `PortPair` and
//! `ChannelPair`.
//!
//! Input: the header value (lossy UTF-8).
//!
//! Oracles:
//! - every spec that parses prints (`Display`) in a form that parses back
//!   to the same spec, prints the same again, and is one element of a
//!   `TransportList` by itself (a printed spec never splits into two, nor
//!   swallows a parameter into another's value);
//! - the specs a server prints in a reply, one after the other in a list,
//!   read back as the same list;
//! - a lab spec's `lab_display` form parses back to the lab profile with the
//!   same RTP port (the lab server reads it with `split(' ')[3]`);
//! - port and channel pairs print and parse back to themselves.

use stream_core::rtsp::{ChannelPair, PortPair, Profile, TransportList, TransportSpec};

use crate::util::text;

/// Runs the target.
pub fn run(data: &[u8]) {
    let value = text(data);
    let value = value.as_ref();
    let specs: Vec<TransportSpec<'_>> = TransportList::new(value).filter_map(Result::ok).collect();
    for spec in &specs {
        check_spec(value, spec);
    }
    if !specs.is_empty() {
        let joined = specs
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let again: Vec<_> = TransportList::new(&joined).collect();
        let want: Vec<_> = specs.iter().copied().map(Ok).collect();
        assert_eq!(again, want, "{value:?} -> {joined:?}");
    }
    if let Ok(p) = PortPair::parse(value) {
        assert_eq!(PortPair::parse(&p.to_string()), Ok(p), "{value:?}");
    }
    if let Ok(c) = ChannelPair::parse(value) {
        assert_eq!(ChannelPair::parse(&c.to_string()), Ok(c), "{value:?}");
    }
}

fn check_spec(value: &str, spec: &TransportSpec<'_>) {
    let shown = spec.to_string();
    let again = TransportSpec::parse(&shown);
    assert_eq!(again, Ok(*spec), "{value:?} -> {shown:?}");
    assert_eq!(again.map(|s| s.to_string()), Ok(shown.clone()));
    let list: Vec<_> = TransportList::new(&shown).collect();
    assert_eq!(list, [Ok(*spec)], "{shown:?} is not one list element");

    if spec.profile == Profile::LabRtpUdp {
        let lab = spec.lab_display().to_string();
        let back = TransportSpec::parse(&lab).unwrap_or_else(|e| panic!("{lab:?}: {e}"));
        assert_eq!(back.profile, Profile::LabRtpUdp);
        assert_eq!(
            back.client_port.map(|p| p.rtp),
            spec.client_port.map(|p| p.rtp),
            "{lab:?}"
        );
        if let Some(p) = spec.client_port {
            // What the lab server does with the line `Transport: <value>`.
            let line = format!("Transport: {lab}");
            assert_eq!(
                line.split(' ').nth(3).map(str::parse::<u16>),
                Some(Ok(p.rtp)),
                "{line:?}"
            );
        }
    }
}
