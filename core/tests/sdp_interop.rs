//! SDP as other programs write it (gst-rtsp-server, VLC's `#rtp{sdp=rtsp://}`
//! output, ffmpeg, live555, an IP camera with a dynamic payload type, RFC
//! 4566's example) through our parser, and our own output checked against
//! RFC 4566's grammar and field order.

use std::net::IpAddr;
use std::time::Duration;

use stream_core::rtsp::{NptRange, NptTime, resolve_control};
use stream_core::sdp::{self, SdpError, SdpParams, parse_sdp, write_sdp};

const GST_RTSP_SERVER: &str = "v=0\r\n\
o=- 1188340656180883 1 IN IP4 127.0.0.1\r\n\
s=Session streamed with GStreamer\r\n\
i=rtsp-server\r\n\
t=0 0\r\n\
a=tool:GStreamer\r\n\
a=type:broadcast\r\n\
a=control:*\r\n\
a=range:npt=0-10.000000000\r\n\
m=video 0 RTP/AVP 26\r\n\
c=IN IP4 0.0.0.0\r\n\
a=rtpmap:26 JPEG/90000\r\n\
a=framerate:25\r\n\
a=control:stream=0\r\n\
a=ts-refclk:local\r\n\
a=mediaclk:sender\r\n";

const VLC: &str = "v=0\r\n\
o=- 15720915436424469036 15720915436424469036 IN IP4 debian\r\n\
s=Unnamed\r\n\
i=N/A\r\n\
c=IN IP4 0.0.0.0\r\n\
t=0 0\r\n\
a=tool:vlc 3.0.18\r\n\
a=recvonly\r\n\
a=type:broadcast\r\n\
a=charset:UTF-8\r\n\
a=control:rtsp://127.0.0.1:8554/stream\r\n\
m=video 0 RTP/AVP 26\r\n\
b=RR:0\r\n\
a=rtpmap:26 JPEG/90000\r\n\
a=control:rtsp://127.0.0.1:8554/stream/trackID=0\r\n";

/// ffmpeg's SDP for an MJPEG stream: static type 26 without an rtpmap.
const FFMPEG: &str = "v=0\n\
o=- 0 0 IN IP4 127.0.0.1\n\
s=No Name\n\
c=IN IP4 127.0.0.1\n\
t=0 0\n\
a=tool:libavformat 59.27.100\n\
m=video 0 RTP/AVP 26\n\
a=control:streamid=0\n";

const LIVE555: &str = "v=0\r\n\
o=- 1700000000123456 1 IN IP4 192.168.1.2\r\n\
s=Session streamed by \"testOnDemandRTSPServer\"\r\n\
i=mjpeg\r\n\
t=0 0\r\n\
a=tool:LIVE555 Streaming Media v2023.01.19\r\n\
a=type:broadcast\r\n\
a=control:*\r\n\
a=range:npt=0-\r\n\
a=x-qt-text-nam:Session streamed by \"testOnDemandRTSPServer\"\r\n\
m=video 0 RTP/AVP 26\r\n\
c=IN IP4 0.0.0.0\r\n\
b=AS:500\r\n\
a=x-dimensions:640,480\r\n\
a=control:track1\r\n";

/// A camera offering H.264 first and MJPEG on a dynamic type, plus audio.
const CAMERA: &str = "v=0\r\n\
o=- 1109162014219182 1109162014219192 IN IP4 10.0.0.9\r\n\
s=Media Presentation\r\n\
e=NONE\r\n\
b=AS:5050\r\n\
t=0 0\r\n\
a=control:rtsp://10.0.0.9/live/\r\n\
a=range:npt=now-\r\n\
m=video 0 RTP/AVP 96\r\n\
c=IN IP4 0.0.0.0\r\n\
a=rtpmap:96 H264/90000\r\n\
a=control:rtsp://10.0.0.9/live/trackID=1\r\n\
m=video 0 RTP/AVP 97\r\n\
a=rtpmap:97 jpeg/90000\r\n\
a=framerate:12.5\r\n\
a=control:trackID=2\r\n\
m=audio 0 RTP/AVP 0 8\r\n\
a=rtpmap:0 PCMU/8000/1\r\n\
a=control:trackID=3\r\n";

/// RFC 4566 Section 5's example.
const RFC4566: &str = "v=0\r\n\
o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\r\n\
s=SDP Seminar\r\n\
i=A Seminar on the session description protocol\r\n\
u=http://www.example.com/seminars/sdp.pdf\r\n\
e=j.doe@example.com (Jane Doe)\r\n\
c=IN IP4 224.2.17.12/127\r\n\
t=2873397496 2873404696\r\n\
a=recvonly\r\n\
m=audio 49170 RTP/AVP 0\r\n\
m=video 51372 RTP/AVP 99\r\n\
a=rtpmap:99 h263-1998/90000\r\n";

#[test]
fn gst_rtsp_server() {
    let sd = parse_sdp(GST_RTSP_SERVER).unwrap();
    assert_eq!(sd.session_name, "Session streamed with GStreamer");
    assert_eq!(sd.control, Some("*"));
    assert_eq!(sd.duration(), Some(Duration::from_secs(10)));
    let v = sd.first_jpeg_video().unwrap();
    assert_eq!(v.jpeg_payload_type(), Some(26));
    assert_eq!(v.framerate, Some(25.0));
    assert_eq!(v.control, Some("stream=0"));
    assert_eq!(
        resolve_control("rtsp://127.0.0.1:8554/test/", v.control.unwrap()),
        "rtsp://127.0.0.1:8554/test/stream=0"
    );
}

#[test]
fn vlc() {
    let sd = parse_sdp(VLC).unwrap();
    assert_eq!(sd.control, Some("rtsp://127.0.0.1:8554/stream"));
    assert_eq!(sd.range, None);
    assert_eq!(sd.duration(), None);
    let v = sd.first_jpeg_video().unwrap();
    assert_eq!(v.framerate, None);
    // An absolute control wins over any base.
    assert_eq!(
        resolve_control("rtsp://other/", v.control.unwrap()),
        "rtsp://127.0.0.1:8554/stream/trackID=0"
    );
}

#[test]
fn ffmpeg_lf_and_no_rtpmap() {
    let sd = parse_sdp(FFMPEG).unwrap();
    assert_eq!(sd.session_name, "No Name");
    let v = sd.first_jpeg_video().unwrap();
    assert!(v.rtpmaps.is_empty());
    assert_eq!(v.jpeg_payload_type(), Some(26));
    assert_eq!(
        resolve_control("rtsp://127.0.0.1:8554/movie.Mjpeg", v.control.unwrap()),
        "rtsp://127.0.0.1:8554/movie.Mjpeg/streamid=0"
    );
}

#[test]
fn live555() {
    let sd = parse_sdp(LIVE555).unwrap();
    assert_eq!(
        sd.range,
        Some(NptRange {
            start: NptTime::At(Duration::ZERO),
            end: None
        })
    );
    let v = sd.first_jpeg_video().unwrap();
    assert_eq!(v.dimensions, Some((640, 480)));
    assert_eq!(v.control, Some("track1"));
}

#[test]
fn camera_with_dynamic_jpeg_type() {
    let sd = parse_sdp(CAMERA).unwrap();
    assert_eq!(sd.media.len(), 3);
    assert_eq!(
        sd.range,
        Some(NptRange {
            start: NptTime::Now,
            end: None
        })
    );
    let v = sd.first_jpeg_video().unwrap();
    assert!(std::ptr::eq(v, &sd.media[1]));
    assert_eq!(v.jpeg_payload_type(), Some(97));
    assert_eq!(v.framerate, Some(12.5));
    assert_eq!(sd.media[0].jpeg_payload_type(), None);
    assert_eq!(sd.media[2].formats, [0, 8]);
    let pcmu = sd.media[2].rtpmap(0).unwrap();
    assert_eq!(
        (pcmu.encoding_name, pcmu.clock_rate, pcmu.encoding_params),
        ("PCMU", 8000, Some("1"))
    );
    assert_eq!(
        resolve_control(sd.control.unwrap(), v.control.unwrap()),
        "rtsp://10.0.0.9/live/trackID=2"
    );
}

#[test]
fn rfc4566_example() {
    let sd = parse_sdp(RFC4566).unwrap();
    assert_eq!(sd.media.len(), 2);
    assert_eq!((sd.media[0].kind, sd.media[0].port), ("audio", 49170));
    assert_eq!(sd.media[1].rtpmap(99).unwrap().encoding_name, "h263-1998");
    assert!(sd.first_jpeg_video().is_none());
}

fn ours(params: &SdpParams<'_>) -> String {
    let mut out = Vec::new();
    write_sdp(&mut out, params);
    String::from_utf8(out).unwrap()
}

fn params() -> SdpParams<'static> {
    SdpParams {
        session_id: u64::MAX,
        origin_address: "10.1.2.3".parse::<IpAddr>().unwrap(),
        session_name: "testsrc-1280x720-420.Mjpeg",
        duration: Some(Duration::from_secs(5)),
        framerate: 25,
        control: "trackID=0",
        width: Some(1280),
        height: Some(720),
    }
}

/// RFC 4566 Section 5: `<type>=<value>` lines ending in CRLF, in the order
/// v o s [i u e p] [c] [b] t [r z] [k] a* then m [i c b k] a* per media.
#[test]
fn our_output_follows_rfc4566_grammar() {
    for p in [
        params(),
        SdpParams {
            origin_address: "::1".parse().unwrap(),
            duration: None,
            framerate: 0,
            width: None,
            height: None,
            session_name: "",
            ..params()
        },
    ] {
        let text = ours(&p);
        assert!(text.ends_with("\r\n"));
        let lines: Vec<&str> = text.strip_suffix("\r\n").unwrap().split("\r\n").collect();
        let mut types = String::new();
        for l in &lines {
            let b = l.as_bytes();
            assert!(
                b.len() >= 2 && b[0].is_ascii_lowercase() && b[1] == b'=',
                "{l:?}"
            );
            assert!(!l.contains('\n') && !l.contains('\r'));
            types.push(b[0] as char);
        }
        let session = &types[..types.find('m').unwrap()];
        let media = &types[types.find('m').unwrap()..];
        assert!(session.starts_with("vosct"), "{types}");
        assert!(session[5..].chars().all(|c| c == 'a'), "{types}");
        assert!(media[1..].chars().all(|c| c == 'a'), "{types}");
        assert_eq!(types.matches('m').count(), 1);

        let sd = parse_sdp(&text).unwrap();
        let v = sd.first_jpeg_video().unwrap();
        assert_eq!(v.jpeg_payload_type(), Some(26));
        assert_eq!(v.control, Some("trackID=0"));
        assert_eq!(sd.control, Some("*"));
    }
}

#[test]
fn our_output_carries_what_clients_need() {
    let text = ours(&params());
    assert!(text.contains(&format!("o=- {0} {0} IN IP4 10.1.2.3\r\n", u64::MAX)));
    assert!(text.contains("a=range:npt=0-5.000\r\n"));
    assert!(text.contains("a=rtpmap:26 JPEG/90000\r\n"));
    assert!(text.contains("a=framerate:25\r\n"));
    assert!(text.contains("a=x-dimensions:1280,720\r\n"));
    let sd = parse_sdp(&text).unwrap();
    assert_eq!(sd.duration(), Some(Duration::from_secs(5)));
    let v = sd.first_jpeg_video().unwrap();
    assert_eq!((v.framerate, v.dimensions), (Some(25.0), Some((1280, 720))));
    assert_eq!(
        resolve_control(
            "rtsp://10.1.2.3:8554/testsrc-1280x720-420.Mjpeg",
            v.control.unwrap()
        ),
        "rtsp://10.1.2.3:8554/testsrc-1280x720-420.Mjpeg/trackID=0"
    );
}

#[test]
fn truncated_descriptions() {
    // Every prefix of a real description either parses or fails with a
    // line number inside it; none panics.
    for text in [GST_RTSP_SERVER, VLC, FFMPEG, LIVE555, CAMERA, RFC4566] {
        let lines = text.lines().count();
        for cut in 0..text.len() {
            match parse_sdp(&text[..cut]) {
                Ok(_) => {}
                Err(
                    SdpError::MalformedLine { line }
                    | SdpError::BadMediaLine { line }
                    | SdpError::BadAttribute { line }
                    | SdpError::MissingVersion { line }
                    | SdpError::UnsupportedVersion { line },
                ) => assert!(line >= 1 && line <= lines, "{cut}: line {line}"),
                Err(e) => panic!("{cut}: {e:?}"),
            }
        }
    }
    assert_eq!(
        parse_sdp(&"a".repeat(sdp::MAX_SDP_LEN + 1)),
        Err(SdpError::TooLarge {
            len: sdp::MAX_SDP_LEN + 1
        })
    );
}
