//! CPU cost of the two shells under the same load, measured the same way in
//! one run: each server (mio, then smol; `--rounds` alternates them again)
//! runs in a child process of this program, built with the same profile,
//! and serves N lab-dialect clients (plain sockets, as the course lab's
//! client talks) for a fixed window; the CPU time (user + system, from
//! `/proc/<pid>/stat`) the server process spends in that window is printed
//! side by side with the frames the clients received.
//!
//! ```text
//! cargo bench -p runtime-smol --bench cpu                 # 100 clients, 20 s each
//! cargo bench -p runtime-smol --bench cpu -- --clients 50 --seconds 10 --rounds 2
//! ```
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it does a short
//! smoke run (4 clients, 1 s) so the program itself stays tested.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use stream_core::runtime::{RunLoop, ServerOptions};

/// The clip every client plays (looped): the lab's own movie.
const FILE: &str = "lab-384x288-444.Mjpeg";

/// The kernel's unit for `/proc/<pid>/stat` times (`USER_HZ`, fixed at 100
/// by the Linux ABI on every architecture this runs on).
const TICKS_PER_SECOND: u64 = 100;

struct Settings {
    clients: usize,
    window: Duration,
    rounds: usize,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve") {
        return match serve(&args[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("server: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let settings = match settings(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}\nusage: cpu [--bench] [--clients N] [--seconds S] [--rounds R]");
            return ExitCode::from(2);
        }
    };
    match compare(&settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cpu bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn settings(args: &[String]) -> Result<Settings, String> {
    let bench = args.iter().any(|a| a == "--bench");
    let mut s = if bench {
        Settings {
            clients: 100,
            window: Duration::from_secs(20),
            rounds: 1,
        }
    } else {
        Settings {
            clients: 4,
            window: Duration::from_secs(1),
            rounds: 1,
        }
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .filter(|&v| v > 0)
                .ok_or_else(|| format!("{name} takes a positive whole number"))
        };
        match a.as_str() {
            "--clients" => s.clients = value("--clients")? as usize,
            "--seconds" => s.window = Duration::from_secs(value("--seconds")?),
            "--rounds" => s.rounds = value("--rounds")? as usize,
            // What cargo passes to bench targets.
            "--bench" => {}
            other if other.starts_with("--") => {}
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    if s.clients > 1000 {
        return Err("at most 1000 clients (the server's connection limit)".into());
    }
    Ok(s)
}

fn media_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/media")
}

// ---- the server child --------------------------------------------------

/// Child mode: `serve mio|smol DIR`. Prints the listener's address, serves
/// (looping clips) until its stdin closes, then shuts down.
fn serve(args: &[String]) -> io::Result<()> {
    let [runtime, dir] = args else {
        return Err(io::Error::other("serve takes a runtime and a directory"));
    };
    let options = ServerOptions {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        media_dir: PathBuf::from(dir),
        looping: true,
        ..ServerOptions::default()
    };
    match runtime.as_str() {
        "mio" => serve_with::<runtime_mio::ServerLoop>(&options),
        "smol" => serve_with::<runtime_smol::ServerLoop>(&options),
        other => Err(io::Error::other(format!("no runtime {other:?}"))),
    }
}

fn serve_with<L: RunLoop>(options: &ServerOptions) -> io::Result<()> {
    let server = L::bind(options)?;
    println!("{}", server.local_addr());
    io::stdout().flush()?;
    let stop = server.stopper();
    thread::spawn(move || {
        let _ = io::stdin().read_to_end(&mut Vec::new());
        stop();
    });
    server.run()
}

/// A server child process.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(runtime: &str) -> io::Result<Server> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["serve", runtime])
            .arg(media_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped");
        BufReader::new(stdout).read_line(&mut line)?;
        let addr = line
            .trim()
            .parse()
            .map_err(|_| io::Error::other(format!("server printed {line:?}, not an address")))?;
        Ok(Server { child, addr })
    }

    /// User and system CPU time the process has used so far.
    fn cpu(&self) -> io::Result<(Duration, Duration)> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))?;
        // Fields after the parenthesised command name (which may hold
        // spaces): state is field 3, utime 14, stime 15.
        let rest = stat
            .rsplit_once(')')
            .map(|(_, r)| r)
            .ok_or_else(|| io::Error::other("unreadable /proc stat"))?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| -> io::Result<Duration> {
            let t: u64 = fields
                .get(i - 3)
                .and_then(|f| f.parse().ok())
                .ok_or_else(|| io::Error::other("unreadable /proc stat field"))?;
            Ok(Duration::from_millis(t * 1000 / TICKS_PER_SECOND))
        };
        Ok((ticks(14)?, ticks(15)?))
    }

    /// Closes its stdin (it shuts down) and waits for it.
    fn stop(mut self) -> io::Result<()> {
        drop(self.child.stdin.take());
        let status = self.child.wait()?;
        if !status.success() {
            return Err(io::Error::other(format!("server exited with {status}")));
        }
        Ok(())
    }
}

// ---- lab clients -------------------------------------------------------

/// One lab client: its RTSP connection and its RTP socket.
struct LabClient {
    stream: TcpStream,
    rtp: UdpSocket,
    cseq: u32,
    session: String,
}

impl LabClient {
    fn connect(server: SocketAddr) -> io::Result<LabClient> {
        let stream = TcpStream::connect(server)?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        let rtp = UdpSocket::bind("127.0.0.1:0")?;
        rtp.set_read_timeout(Some(Duration::from_millis(200)))?;
        Ok(LabClient {
            stream,
            rtp,
            cseq: 0,
            session: String::new(),
        })
    }

    /// Sends a request in one write, bare `\n`, no terminating empty line,
    /// and reads the reply with one read, as the lab's client does.
    fn request(&mut self, method: &str) -> io::Result<()> {
        self.cseq += 1;
        let third = if method == "SETUP" {
            format!(
                "Transport: RTP/UDP; client_port= {}",
                self.rtp.local_addr()?.port()
            )
        } else {
            format!("Session: {}", self.session)
        };
        let request = format!("{method} {FILE} RTSP/1.0\nCSeq: {}\n{third}", self.cseq);
        self.stream.write_all(request.as_bytes())?;
        let mut buf = [0u8; 1024];
        let n = self.stream.read(&mut buf)?;
        let reply = String::from_utf8_lossy(&buf[..n]);
        let mut lines = reply.split('\n');
        let status = lines.next().and_then(|l| l.split(' ').nth(1));
        if status != Some("200") {
            return Err(io::Error::other(format!("{method}: {reply:?}")));
        }
        if method == "SETUP" {
            self.session = lines
                .nth(1)
                .and_then(|l| l.split(' ').nth(1))
                .map(|s| s.trim().to_string())
                .ok_or_else(|| io::Error::other(format!("no session in {reply:?}")))?;
        }
        Ok(())
    }

    /// Counts the frames that arrive while `counting`, until `done`.
    fn receive(self, counting: &AtomicBool, done: &AtomicBool, frames: &AtomicU64) {
        let mut buf = vec![0u8; 65536];
        while !done.load(Ordering::Relaxed) {
            if self.rtp.recv(&mut buf).is_ok() && counting.load(Ordering::Relaxed) {
                frames.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// What one measurement found.
struct Measured {
    user: Duration,
    system: Duration,
    frames: u64,
}

/// Starts `runtime`'s server, brings `clients` lab clients to PLAYING,
/// then measures the server's CPU over the window.
fn measure(runtime: &str, s: &Settings) -> io::Result<Measured> {
    let server = Server::start(runtime)?;
    let mut clients = Vec::with_capacity(s.clients);
    for _ in 0..s.clients {
        let mut c = LabClient::connect(server.addr)?;
        c.request("SETUP")?;
        c.request("PLAY")?;
        clients.push(c);
    }
    let counting = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let frames = Arc::new(AtomicU64::new(0));
    let receivers: Vec<_> = clients
        .into_iter()
        .map(|c| {
            let (counting, done, frames) = (counting.clone(), done.clone(), frames.clone());
            thread::spawn(move || c.receive(&counting, &done, &frames))
        })
        .collect();
    // Settle (every session sending), then the window.
    thread::sleep(Duration::from_millis(500));
    let before = server.cpu()?;
    let start = Instant::now();
    counting.store(true, Ordering::Relaxed);
    thread::sleep(s.window);
    counting.store(false, Ordering::Relaxed);
    let after = server.cpu()?;
    let elapsed = start.elapsed();
    done.store(true, Ordering::Relaxed);
    for r in receivers {
        let _ = r.join();
    }
    server.stop()?;
    let frames = frames.load(Ordering::Relaxed);
    let expected = s.clients as f64 * elapsed.as_secs_f64() * 20.0;
    if (frames as f64) < expected * 0.5 {
        return Err(io::Error::other(format!(
            "{runtime}: only {frames} of ~{expected:.0} frames arrived"
        )));
    }
    Ok(Measured {
        user: after.0.saturating_sub(before.0),
        system: after.1.saturating_sub(before.1),
        frames,
    })
}

fn compare(s: &Settings) -> io::Result<()> {
    if !Path::new(&format!("/proc/{}/stat", std::process::id())).exists() {
        return Err(io::Error::other("needs Linux /proc"));
    }
    println!(
        "{} lab clients playing {FILE} (looped, 20 fps), {} s window, {} round(s)",
        s.clients,
        s.window.as_secs(),
        s.rounds
    );
    let mut totals = [(Duration::ZERO, 0u64); 2];
    for round in 0..s.rounds {
        for (i, runtime) in ["mio", "smol"].iter().enumerate() {
            let m = measure(runtime, s)?;
            let cpu = m.user + m.system;
            println!(
                "round {} {runtime:>4}: cpu {:>7.3} s (user {:.3} s, sys {:.3} s) = {:5.1}% of a core, {} frames",
                round + 1,
                cpu.as_secs_f64(),
                m.user.as_secs_f64(),
                m.system.as_secs_f64(),
                100.0 * cpu.as_secs_f64() / s.window.as_secs_f64(),
                m.frames
            );
            totals[i].0 += cpu;
            totals[i].1 += m.frames;
        }
    }
    let [(mio, mio_frames), (smol, smol_frames)] = totals;
    let per_frame = |cpu: Duration, frames: u64| cpu.as_secs_f64() * 1e6 / frames.max(1) as f64;
    println!(
        "total  mio: {:.3} s cpu, {:.1} µs per frame sent | smol: {:.3} s cpu, {:.1} µs per frame sent",
        mio.as_secs_f64(),
        per_frame(mio, mio_frames),
        smol.as_secs_f64(),
        per_frame(smol, smol_frames)
    );
    if mio.is_zero() {
        println!("ratio smol/mio: n/a (mio used no measurable CPU)");
    } else {
        println!(
            "ratio smol/mio: {:.2} (cpu), {:.2} (cpu per frame)",
            smol.as_secs_f64() / mio.as_secs_f64(),
            per_frame(smol, smol_frames) / per_frame(mio, mio_frames)
        );
    }
    Ok(())
}
