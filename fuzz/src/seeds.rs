//! Protocol text the seed corpora are made of (see `examples/make_seeds.rs`)
//! and that the server and client targets draw requests and replies from:
//! RFC 2326's examples, the course lab's messages (`shared/docs/
//! lab-dialect.md`), what ffmpeg, GStreamer, VLC and live555 send, and
//! RFC 4566's SDP.

/// Whole RTSP messages: requests, responses and a lab exchange.
pub const RTSP_MESSAGES: &[&[u8]] = &[
    // The course lab's requests: bare LF, no empty line at the end.
    b"SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 5008",
    b"PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: 123456",
    b"PAUSE movie.Mjpeg RTSP/1.0\nCSeq: 3\nSession: 123456",
    b"TEARDOWN movie.Mjpeg RTSP/1.0\nCSeq: 4\nSession: 123456",
    b"RTSP/1.0 200 OK\nCSeq: 1\nSession: 123456",
    // RFC 2326 Section 10 and Appendix D.
    b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nRequire: implicit-play\r\nProxy-Require: gzipped-messages\r\n\r\n",
    b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE\r\n\r\n",
    b"DESCRIBE rtsp://server.example.com/fizzle/foo RTSP/1.0\r\nCSeq: 312\r\nAccept: application/sdp, application/rtsl, application/mheg\r\n\r\n",
    b"RTSP/1.0 200 OK\r\nCSeq: 312\r\nDate: 23 Jan 1997 15:35:06 GMT\r\nContent-Type: application/sdp\r\nContent-Length: 62\r\n\r\nv=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 26\r\n",
    b"SETUP rtsp://example.com/foo/bar/baz.rm RTSP/1.0\r\nCSeq: 302\r\nTransport: RTP/AVP;unicast;client_port=4588-4589\r\n\r\n",
    b"RTSP/1.0 200 OK\r\nCSeq: 302\r\nDate: 23 Jan 1997 15:35:06 GMT\r\nSession: 47112344;timeout=60\r\nTransport: RTP/AVP;unicast;client_port=4588-4589;server_port=6256-6257;ssrc=0000ABCD\r\n\r\n",
    b"PLAY rtsp://audio.example.com/twister.en RTSP/1.0\r\nCSeq: 833\r\nSession: 12345678\r\nRange: smpte=0:10:20-;time=19970123T153600Z\r\n\r\n",
    b"RTSP/1.0 200 OK\r\nCSeq: 833\r\nSession: 12345678\r\nRange: npt=0.000-\r\nRTP-Info: url=rtsp://foo.com/bar.avi/streamid=0;seq=45102, url=rtsp://foo.com/bar.avi/streamid=1;seq=30211;rtptime=2890844526\r\n\r\n",
    b"PAUSE rtsp://example.com/fizzle/foo RTSP/1.0\r\nCSeq: 834\r\nSession: 12345678\r\n\r\n",
    b"TEARDOWN rtsp://example.com/fizzle/foo RTSP/1.0\r\nCSeq: 892\r\nSession: 12345678\r\n\r\n",
    b"GET_PARAMETER rtsp://example.com/fizzle/foo RTSP/1.0\r\nCSeq: 431\r\nContent-Type: text/parameters\r\nSession: 12345678\r\nContent-Length: 15\r\n\r\npacket_loss\r\njitter\r\n",
    b"SET_PARAMETER rtsp://example.com/fizzle/foo RTSP/1.0\r\nCSeq: 421\r\nContent-length: 20\r\nContent-type: text/parameters\r\n\r\nbarparam: barstuff\r\n",
    b"RTSP/1.0 451 Invalid Parameter\r\nCSeq: 421\r\nContent-length: 10\r\nContent-type: text/parameters\r\n\r\nbarparam\r\n",
    b"RECORD rtsp://example.com/meeting/audio.en RTSP/1.0\r\nCSeq: 954\r\nSession: 12345678\r\nConference: 128.16.64.19/32492374\r\n\r\n",
    // ffmpeg, GStreamer, VLC (live555) as clients.
    b"OPTIONS rtsp://127.0.0.1:8554/clip.mjpeg RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: Lavf59.27.100\r\n\r\n",
    b"SETUP rtsp://127.0.0.1:8554/clip.mjpeg/trackID=0 RTSP/1.0\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nCSeq: 3\r\nUser-Agent: Lavf59.27.100\r\n\r\n",
    b"DESCRIBE rtsp://127.0.0.1:8554/clip.mjpeg RTSP/1.0\r\nCSeq: 2\r\nUser-Agent: GStreamer/1.22\r\nAccept: application/sdp\r\n\r\n",
    b"SETUP rtsp://127.0.0.1:8554/clip.mjpeg/trackID=0 RTSP/1.0\r\nCSeq: 4\r\nTransport: RTP/AVP;unicast;client_port=51234-51235;mode=\"PLAY\", RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n",
    b"PLAY rtsp://127.0.0.1:8554/clip.mjpeg/ RTSP/1.0\r\nCSeq: 5\r\nSession: 0123456789ABCDEF\r\nRange: npt=0.000-\r\nUser-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2016.11.28)\r\n\r\n",
    b"GET_PARAMETER rtsp://127.0.0.1:8554/clip.mjpeg/ RTSP/1.0\r\nCSeq: 6\r\nSession: 0123456789ABCDEF\r\n\r\n",
    b"RTSP/1.0 454 Session Not Found\r\nCSeq: 6\r\nServer: stream-core/0.1.0\r\n\r\n",
];

/// `(selector, value)` seeds of the `rtsp_headers` target: 0 Session,
/// 1 CSeq/Content-Length, 2 method sets, 3 one RTP-Info entry, 4 an
/// RTP-Info list.
pub const HEADER_VALUES: &[(u8, &str)] = &[
    (0, "47112344;timeout=60"),
    (0, "123456"),
    (0, "0123456789ABCDEF ; timeout = 30 ; x=1"),
    (0, "a$b-c_d.e+f"),
    (1, "18446744073709551615"),
    (1, "0042"),
    (
        2,
        "DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER",
    ),
    (2, "OPTIONS,ANNOUNCE , RECORD,REDIRECT,foo"),
    (
        3,
        "url=rtsp://foo.com/bar.avi/streamid=0;seq=45102;rtptime=2890844526",
    ),
    (3, "url=\"rtsp://h/a;b,c\";seq=1"),
    (3, "url=rtsp://h/x;y=1;seq=65535;ssrc=0000ABCD"),
    (
        4,
        "url=rtsp://foo.com/bar.avi/streamid=0;seq=45102, url=rtsp://foo.com/bar.avi/streamid=1;seq=30211",
    ),
    (4, "url=rtsp://h/a,b;seq=1,url=rtsp://h/c;rtptime=5,"),
];

/// `Transport` values.
pub const TRANSPORTS: &[&str] = &[
    "RTP/UDP; client_port= 5008",
    "RTP/AVP;unicast;client_port=4588-4589",
    "RTP/AVP;unicast;client_port=4588-4589;server_port=6256-6257;ssrc=0000ABCD;mode=\"PLAY\"",
    "RTP/AVP/TCP;unicast;interleaved=0-1",
    "RTP/AVP;multicast;ttl=127;destination=224.2.0.1;client_port=3456-3457",
    "RTP/AVP/UDP;unicast;destination=\"10.0.0.2\";source=10.0.0.1;client_port=5000",
    "RTP/AVP;unicast;client_port=51234-51235;mode=\"PLAY\", RTP/AVP/TCP;unicast;interleaved=0-1",
    "rtp/avp ; UNICAST ; Client_Port = 6000 - 6001 ; x-foo=\"a,b;c\"",
    "RTP/SAVP;unicast;client_port=1-2,RTP/AVP;unicast;client_port=3",
];

/// `Range` values.
pub const RANGES: &[&str] = &[
    "npt=0-",
    "npt=now-",
    "npt=12.5-20",
    "npt=1:02:03.25-",
    "npt = 5 -",
    "npt=-20",
    "NPT=123.45-125;time=19970123T143720Z",
    "npt=0.000001-999999999999.999999",
    "smpte=0:10:20-;time=19970123T153600Z",
    "clock=19961108T142300Z-19961108T143520Z",
];

/// Request-URIs; the last ones are `base 0xFF control` pairs for
/// `resolve_control`.
pub const URIS: &[&str] = &[
    "*",
    "movie.Mjpeg",
    "/dir/movie.Mjpeg",
    "rtsp://127.0.0.1:8554/dir/a.Mjpeg?x=1#frag",
    "rtsp://user:pass@[::1]:554/a%20b.Mjpeg/trackID=0",
    "RTSPU://host:/x",
    "rtsp:///x",
    "http://example.com/x",
    "movie:2.Mjpeg",
    "rtsp://h/%2e%2e/%2Fetc%2fpasswd%00",
    "rtsp://h/movie\u{FF}trackID=0",
    "rtsp://h/movie/\u{FF}rtsp://other/stream",
    "rtsp://h/movie\u{FF}*",
];

/// Session descriptions from other programs.
pub const SDPS: &[&str] = &[
    "v=0\r\no=- 1188340656180883 1 IN IP4 127.0.0.1\r\ns=Session streamed with GStreamer\r\ni=rtsp-server\r\nt=0 0\r\na=tool:GStreamer\r\na=type:broadcast\r\na=control:*\r\na=range:npt=0-10.000000000\r\nm=video 0 RTP/AVP 26\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:26 JPEG/90000\r\na=framerate:25\r\na=control:stream=0\r\n",
    "v=0\r\no=- 15720915436424469036 15720915436424469036 IN IP4 debian\r\ns=Unnamed\r\ni=N/A\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\na=tool:vlc 3.0.18\r\na=recvonly\r\na=control:rtsp://127.0.0.1:8554/stream\r\nm=video 0 RTP/AVP 26\r\nb=RR:0\r\na=rtpmap:26 JPEG/90000\r\na=control:rtsp://127.0.0.1:8554/stream/trackID=0\r\n",
    "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=No Name\nc=IN IP4 127.0.0.1\nt=0 0\na=tool:libavformat 59.27.100\nm=video 0 RTP/AVP 26\na=control:streamid=0\n",
    "v=0\r\no=- 1700000000123456 1 IN IP4 192.168.1.2\r\ns=Session streamed by \"testOnDemandRTSPServer\"\r\ni=mjpeg\r\nt=0 0\r\na=tool:LIVE555 Streaming Media v2023.01.19\r\na=type:broadcast\r\na=control:*\r\na=range:npt=0-\r\na=x-qt-text-nam:x\r\nm=video 0 RTP/AVP 26\r\nc=IN IP4 0.0.0.0\r\nb=AS:2000\r\na=control:track1\r\na=x-dimensions:640,480\r\n",
    "v=0\r\no=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\r\ns=SDP Seminar\r\ni=A Seminar on the session description protocol\r\nu=http://www.example.com/seminars/sdp.pdf\r\ne=j.doe@example.com (Jane Doe)\r\nc=IN IP4 224.2.17.12/127\r\nt=2873397496 2873404696\r\na=recvonly\r\nm=audio 49170 RTP/AVP 0\r\nm=video 51372/2 RTP/AVP 99 26\r\na=rtpmap:99 h263-1998/90000\r\na=rtpmap:26 JPEG/90000/1\r\na=framerate:29.97\r\na=range:npt=1:00:00-1:00:10.5\r\n",
];

/// Writes the seeds of the `server` and `client` targets, whose inputs are
/// sequences of operations built by those modules, through `put(target,
/// name, bytes)`.
pub fn write_state_machine_seeds(put: &dyn Fn(&str, &str, &[u8])) {
    for (name, bytes) in crate::server::seed_inputs() {
        put("server", &name, &bytes);
    }
    for (name, bytes) in crate::client::seed_inputs() {
        put("client", &name, &bytes);
    }
}
