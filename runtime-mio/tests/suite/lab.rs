//! The course lab's programs, as `shared/docs/lab-dialect.md` describes
//! their wire behaviour: a client that sends and parses exactly what the
//! lab's `Client.py` does, and a server that reads and answers exactly as
//! the lab's `Server.py` does. The suite holds our server and client to them.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use stream_core::runtime::{
    ClientCommand, ClientOptions, ClientTransport, Dialect, Runtime, State,
};

use super::{DEADLINE, Seen, file_frames, media_dir, start_server};

/// Python's `int()` on a `str.split(' ')` word: surrounding whitespace
/// (including the `\r` of a CRLF line) is accepted, nothing else.
fn python_int(word: &str) -> i64 {
    word.trim()
        .parse()
        .unwrap_or_else(|_| panic!("int({word:?}) raises ValueError"))
}

/// The lab client's RTSP side.
pub struct LabClient {
    stream: TcpStream,
    file: String,
    rtp_port: u16,
    cseq: u32,
    pub session: i64,
}

impl LabClient {
    pub fn connect(server: SocketAddr, file: &str, rtp_port: u16) -> LabClient {
        let stream = TcpStream::connect(server).unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        LabClient {
            stream,
            file: file.to_string(),
            rtp_port,
            cseq: 0,
            session: 0,
        }
    }

    /// Sends one request in one `send`, reads the reply with one
    /// `recv(1024)`, and parses it as `parseRtspReply` does; returns the status.
    fn request(&mut self, method: &str) -> i64 {
        self.cseq += 1;
        let third = if method == "SETUP" {
            format!("Transport: RTP/UDP; client_port= {}", self.rtp_port)
        } else {
            format!("Session: {}", self.session)
        };
        let req = format!(
            "{method} {} RTSP/1.0\nCSeq: {}\n{third}",
            self.file, self.cseq
        );
        self.stream.write_all(req.as_bytes()).unwrap();
        let mut buf = [0u8; 1024];
        let n = self.stream.read(&mut buf).unwrap();
        let reply =
            std::str::from_utf8(&buf[..n]).expect("the lab client decodes replies as UTF-8");
        let lines: Vec<&str> = reply.split('\n').collect();
        assert!(
            lines.len() >= 3,
            "{method}: the lab client indexes lines 1 and 2: {reply:?}"
        );
        let seq = python_int(lines[1].split(' ').nth(1).expect("CSeq value"));
        assert_eq!(
            seq,
            i64::from(self.cseq),
            "{method}: CSeq must be line 2: {reply:?}"
        );
        let session = python_int(lines[2].split(' ').nth(1).expect("Session value"));
        if self.session == 0 {
            self.session = session;
        }
        assert_eq!(
            session, self.session,
            "{method}: the same session in every reply"
        );
        python_int(lines[0].split(' ').nth(1).expect("status"))
    }

    pub fn setup(&mut self) {
        assert_eq!(self.request("SETUP"), 200);
        assert_ne!(self.session, 0, "session must not be 0");
    }

    pub fn play(&mut self) {
        assert_eq!(self.request("PLAY"), 200);
    }

    pub fn pause(&mut self) {
        assert_eq!(self.request("PAUSE"), 200);
    }

    pub fn teardown(mut self) {
        assert_eq!(self.request("TEARDOWN"), 200);
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// The process dies: the connection closes without TEARDOWN.
    pub fn kill(self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

/// One RTP packet as the lab client reads it.
struct LabPacket {
    sequence: u16,
    payload: Vec<u8>,
}

fn recv_lab_packet(rtp: &UdpSocket, buf: &mut [u8]) -> Option<LabPacket> {
    let n = rtp.recv(buf).ok()?;
    let p = &buf[..n];
    assert!(n >= 12, "short RTP packet");
    assert_eq!(p[0], 0x80, "V=2, P=0, X=0, CC=0");
    assert_eq!(p[1], 26, "M=0, PT=26");
    Some(LabPacket {
        sequence: u16::from_be_bytes([p[2], p[3]]),
        payload: p[12..].to_vec(),
    })
}

/// Our server, talked to exactly as lab-dialect.md describes the lab client.
pub fn conformance(server_rt: &dyn Runtime) {
    let server = start_server(server_rt, &media_dir(), |_| {});
    let file = "lab-384x288-444.Mjpeg";
    let source = file_frames(file);
    let rtp = UdpSocket::bind("127.0.0.1:0").unwrap();
    rtp.set_read_timeout(Some(DEADLINE)).unwrap();
    let port = rtp.local_addr().unwrap().port();
    let mut lab = LabClient::connect(server.local_addr(), file, port);
    lab.setup();
    lab.play();
    let mut buf = vec![0u8; 65536];
    let mut seqs = Vec::new();
    let start = Instant::now();
    while seqs.len() < 10 {
        let p = recv_lab_packet(&rtp, &mut buf).expect("frames after PLAY");
        let k = usize::from(p.sequence) - 1;
        assert!(p.payload == source[k], "frame {k} byte-identical");
        seqs.push(p.sequence);
    }
    let first_ten = start.elapsed();
    assert_eq!(
        seqs,
        (1..=10).collect::<Vec<u16>>(),
        "sequence number = frame number, from 1"
    );
    // Ten frames at 50 ms each: about half a second (never a burst).
    assert!(
        first_ten >= Duration::from_millis(350),
        "{first_ten:?} for 10 frames"
    );
    lab.pause();
    // Frames already sent may land; then nothing while paused.
    rtp.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut last = *seqs.last().unwrap();
    while let Some(p) = recv_lab_packet(&rtp, &mut buf) {
        last = p.sequence;
    }
    rtp.set_read_timeout(Some(Duration::from_millis(700)))
        .unwrap();
    assert!(
        recv_lab_packet(&rtp, &mut buf).is_none(),
        "nothing while paused"
    );
    rtp.set_read_timeout(Some(DEADLINE)).unwrap();
    lab.play();
    let p = recv_lab_packet(&rtp, &mut buf).expect("frames after the second PLAY");
    assert_eq!(p.sequence, last + 1, "numbering continues after PAUSE");
    lab.teardown();
    server.shutdown().unwrap();
}

/// The lab's server, as lab-dialect.md describes it: one `recv(256)` is one
/// request, replies `RTSP/1.0 200 OK\nCSeq: n\nSession: id` to everything,
/// sends each frame whole every 50 ms with the frame number as sequence
/// number, wall-clock seconds as timestamp and SSRC 0.
pub struct LabServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl LabServer {
    pub fn start() -> LabServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = Arc::clone(&stop);
        thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                thread::spawn(move || lab_server_worker(conn));
            }
        });
        LabServer { addr, stop }
    }
}

impl Drop for LabServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn lab_server_worker(mut conn: TcpStream) {
    let peer = conn.peer_addr().unwrap();
    let session: u32 = 100_000
        + (SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
            % 900_000);
    let playing = Arc::new(AtomicBool::new(false));
    // (frames of the file, next frame to send, client RTP port)
    type Playlist = Option<(Vec<Vec<u8>>, usize, u16)>;
    let frames: Arc<Mutex<Playlist>> = Arc::new(Mutex::new(None));
    let mut buf = [0u8; 256];
    while let Ok(n) = conn.read(&mut buf) {
        if n == 0 {
            break;
        }
        let data = String::from_utf8_lossy(&buf[..n]).into_owned();
        let lines: Vec<&str> = data.split('\n').collect();
        let words: Vec<&str> = lines[0].split(' ').collect();
        let (method, file) = (words[0], words.get(1).copied().unwrap_or(""));
        let cseq = lines
            .get(1)
            .and_then(|l| l.split(' ').nth(1))
            .unwrap_or("0")
            .trim()
            .to_string();
        match method {
            "SETUP" => {
                let port: u16 = lines[2].split(' ').nth(3).unwrap().trim().parse().unwrap();
                let data = std::fs::read(media_dir().join(file)).unwrap();
                let mut list = Vec::new();
                let mut at = 0;
                while at + 5 <= data.len() {
                    let len: usize = std::str::from_utf8(&data[at..at + 5])
                        .unwrap()
                        .trim()
                        .parse()
                        .unwrap();
                    list.push(data[at + 5..at + 5 + len].to_vec());
                    at += 5 + len;
                }
                *frames.lock().unwrap() = Some((list, 0, port));
            }
            "PLAY" => {
                playing.store(true, Ordering::SeqCst);
                let (playing, frames) = (Arc::clone(&playing), Arc::clone(&frames));
                thread::spawn(move || {
                    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
                    while playing.load(Ordering::SeqCst) {
                        thread::sleep(Duration::from_millis(50));
                        let mut guard = frames.lock().unwrap();
                        let Some((list, next, port)) = guard.as_mut() else {
                            return;
                        };
                        let Some(frame) = list.get(*next) else { return };
                        *next += 1;
                        let mut p = vec![0x80, 26];
                        p.extend_from_slice(&(*next as u16).to_be_bytes());
                        let secs = SystemTime::now()
                            .duration_since(UNIX_EPOCH)
                            .unwrap()
                            .as_secs() as u32;
                        p.extend_from_slice(&secs.to_be_bytes());
                        p.extend_from_slice(&0u32.to_be_bytes());
                        p.extend_from_slice(frame);
                        let _ = udp.send_to(&p, SocketAddr::new(peer.ip(), *port));
                    }
                });
            }
            "PAUSE" | "TEARDOWN" => playing.store(false, Ordering::SeqCst),
            _ => continue,
        }
        let reply = format!("RTSP/1.0 200 OK\nCSeq: {cseq}\nSession: {session}");
        if conn.write_all(reply.as_bytes()).is_err() {
            break;
        }
    }
    playing.store(false, Ordering::SeqCst);
}

/// Our client, in lab mode, plays from the lab's server.
pub fn client_plays_from_lab_server(client_rt: &dyn Runtime) {
    let lab = LabServer::start();
    let file = "lab-384x288-444.Mjpeg";
    let source = file_frames(file);
    let c = client_rt
        .connect(ClientOptions {
            host: "127.0.0.1".into(),
            port: lab.addr.port(),
            path: file.into(),
            transport: ClientTransport::Udp { rtp_port: 0 },
            dialect: Dialect::Lab,
            timeout: DEADLINE,
        })
        .unwrap();
    let mut seen = Seen::default();
    seen.command(&c, ClientCommand::Setup, State::Ready);
    seen.command(&c, ClientCommand::Play, State::Playing);
    seen.frames_at_least(&c, 8);
    seen.command(&c, ClientCommand::Pause, State::Ready);
    seen.command(&c, ClientCommand::Play, State::Playing);
    let n = seen.frames.len();
    seen.frames_at_least(&c, n + 4);
    for f in &seen.frames {
        let k = usize::try_from(f.sequence).unwrap() - 1;
        assert!(f.jpeg == source[k], "frame {k} byte-identical");
    }
    for w in seen.frames.windows(2) {
        assert!(w[1].sequence > w[0].sequence, "in order");
    }
    seen.command(&c, ClientCommand::Teardown, State::Init);
    assert!(seen.errors.is_empty(), "{:?}", seen.errors);
}
