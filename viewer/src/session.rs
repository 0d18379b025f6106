//! What the viewer knows about its session, as pure state: the RTSP state,
//! which controls the state allows, what to send next, the numbers of the
//! status line and the error to show.
//!
//! The window and the headless mode both feed it every [`PlayerEvent`]
//! ([`Session::handle`]) and ask it before sending a command
//! ([`Session::request`], [`Session::seek`]); it logs every state change and
//! error (tracing), so both modes log the same way. Time is injected.
//!
//! Controls follow the RTSP state machine (RFC 2326 Appendix A) as the lab
//! client does: Setup in INIT, Play in READY, Pause in PLAYING, Teardown in
//! READY or PLAYING. While a request is unanswered every control is
//! disabled, so a double click cannot send two SETUPs. After the connection
//! has closed (the lab server closes it after TEARDOWN) Setup reconnects.

use std::collections::VecDeque;
use std::fmt;

use stream_core::client::{ClientError, ClientEvent, MediaInfo, ReceptionStats};
use stream_core::runtime::ClientCommand;
use stream_core::session::State;
use stream_core::{Duration, Instant};

use crate::player::PlayerEvent;

/// One of the four buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Control {
    /// SETUP (DESCRIBE first in standard RTSP).
    Setup,
    /// PLAY.
    Play,
    /// PAUSE.
    Pause,
    /// TEARDOWN.
    Teardown,
}

impl Control {
    /// All controls, in button order.
    pub const ALL: [Control; 4] = [
        Control::Setup,
        Control::Play,
        Control::Pause,
        Control::Teardown,
    ];

    /// The button label.
    pub const fn label(self) -> &'static str {
        match self {
            Control::Setup => "Setup",
            Control::Play => "Play",
            Control::Pause => "Pause",
            Control::Teardown => "Teardown",
        }
    }

    /// The keyboard shortcut, as shown on the button.
    pub const fn shortcut(self) -> &'static str {
        match self {
            Control::Setup => "S",
            Control::Play | Control::Pause => "Space",
            Control::Teardown => "T",
        }
    }

    /// The command it sends.
    pub const fn command(self) -> ClientCommand {
        match self {
            Control::Setup => ClientCommand::Setup,
            Control::Play => ClientCommand::Play,
            Control::Pause => ClientCommand::Pause,
            Control::Teardown => ClientCommand::Teardown,
        }
    }

    /// The RTSP state the control is allowed in.
    pub fn allowed_in(self, state: State) -> bool {
        matches!(
            (self, state),
            (Control::Setup, State::Init)
                | (Control::Play, State::Ready)
                | (Control::Pause, State::Playing)
                | (Control::Teardown, State::Ready | State::Playing)
        )
    }
}

impl fmt::Display for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The connection to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Connecting (the player has started).
    Connecting,
    /// Connected: commands go to the server.
    Connected,
    /// Connecting failed.
    Failed,
    /// The connection has closed.
    Closed,
}

/// Tuning of a [`Session`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SessionConfig {
    /// Send SETUP once connected and PLAY once set up (the demo and the
    /// headless mode); otherwise wait for the user, like the lab client.
    pub autoplay: bool,
    /// Whether the dialect has `Range` (standard RTSP does, the lab's does not).
    pub can_seek: bool,
    /// How far one arrow key press seeks.
    pub seek_step: Duration,
    /// Span of the sliding window for fps and bitrate.
    pub rate_window: Duration,
    /// An unanswered request re-enables the controls after this long (the
    /// runtime reports its own reply timeout before; this is a backstop).
    pub pending_timeout: Duration,
    /// How long a transient error (a bad frame) stays on screen.
    pub transient_error_time: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            autoplay: false,
            can_seek: true,
            seek_step: Duration::from_secs(5),
            rate_window: Duration::from_secs(2),
            pending_timeout: Duration::from_secs(12),
            transient_error_time: Duration::from_secs(5),
        }
    }
}

/// What the caller must do for a control or a follow-up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Send this command to the player.
    Send(ClientCommand),
    /// Start a new player (a new connection); SETUP follows once connected.
    Reconnect,
}

/// Why a control or a seek is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// No connection (yet, or any more) for this control.
    NotConnected,
    /// A request is still unanswered.
    Busy {
        /// The control waiting for its answer.
        waiting_for: Control,
    },
    /// The RTSP state does not allow it.
    WrongState {
        /// What was asked.
        control: &'static str,
        /// The current state.
        state: State,
    },
    /// This stream or dialect cannot seek.
    CannotSeek(&'static str),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotConnected => f.write_str("not connected"),
            Refusal::Busy { waiting_for } => {
                write!(f, "still waiting for the answer to {waiting_for}")
            }
            Refusal::WrongState { control, state } => {
                write!(f, "{control} is not possible in state {state}")
            }
            Refusal::CannotSeek(why) => write!(f, "cannot seek: {why}"),
        }
    }
}

impl std::error::Error for Refusal {}

/// Counts since the session model was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// Frames that arrived whole.
    pub frames_received: u64,
    /// Frames decoded.
    pub frames_decoded: u64,
    /// Frames that failed to decode.
    pub decode_failed: u64,
    /// Frames not decoded because the decoder was busy.
    pub decode_skipped: u64,
}

#[derive(Debug, Clone)]
struct ErrorText {
    text: String,
    at: Instant,
    sticky: bool,
}

/// Frames per second and bitrate over a sliding window.
#[derive(Debug, Clone)]
pub struct RateWindow {
    window: Duration,
    samples: VecDeque<(Instant, u64)>,
}

impl RateWindow {
    /// Most samples kept, whatever the rate (bounds memory).
    pub const MAX_SAMPLES: usize = 4096;

    /// An empty window spanning `window`.
    pub fn new(window: Duration) -> RateWindow {
        RateWindow {
            window,
            samples: VecDeque::new(),
        }
    }

    /// Records a frame of `bytes` bytes at `at`.
    pub fn record(&mut self, at: Instant, bytes: u64) {
        // Samples are kept in time order even if `at` values come slightly
        // out of order (from different threads).
        let pos = self
            .samples
            .iter()
            .rposition(|(t, _)| *t <= at)
            .map_or(0, |i| i + 1);
        self.samples.insert(pos, (at, bytes));
        while self.samples.len() > Self::MAX_SAMPLES {
            self.samples.pop_front();
        }
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.samples.clear();
    }

    fn prune(&mut self, now: Instant) {
        let horizon = now - self.window;
        while self.samples.front().is_some_and(|(t, _)| *t < horizon) {
            self.samples.pop_front();
        }
    }

    /// (frames per second, bits per second) over the samples within the
    /// window ending at `now`; zero with fewer than two samples.
    pub fn rates(&mut self, now: Instant) -> (f64, f64) {
        self.prune(now);
        let (Some(first), Some(last)) = (self.samples.front(), self.samples.back()) else {
            return (0.0, 0.0);
        };
        let span = (last.0 - first.0).as_secs_f64();
        if self.samples.len() < 2 || span <= 0.0 {
            return (0.0, 0.0);
        }
        let intervals = (self.samples.len() - 1) as f64;
        let bytes: u64 = self.samples.iter().skip(1).map(|(_, b)| *b).sum();
        (intervals / span, bytes as f64 * 8.0 / span)
    }
}

/// The session model (see the module docs).
pub struct Session {
    config: SessionConfig,
    link: Link,
    state: State,
    pending: Option<(Control, Instant)>,
    setup_on_connect: bool,
    play_on_ready: bool,
    media: Option<MediaInfo>,
    reception: ReceptionStats,
    counters: Counters,
    displayed: Option<u64>,
    position: Option<Duration>,
    rates: RateWindow,
    error: Option<ErrorText>,
}

impl Session {
    /// A model for a player that is about to connect.
    pub fn new(config: SessionConfig) -> Session {
        Session {
            config,
            link: Link::Connecting,
            state: State::Init,
            pending: None,
            setup_on_connect: config.autoplay,
            play_on_ready: config.autoplay,
            media: None,
            reception: ReceptionStats::default(),
            counters: Counters::default(),
            displayed: None,
            position: None,
            rates: RateWindow::new(config.rate_window),
            error: None,
        }
    }

    /// The RTSP state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The connection.
    pub fn link(&self) -> Link {
        self.link
    }

    /// The control waiting for its answer, if any.
    pub fn pending(&self) -> Option<Control> {
        self.pending.map(|(c, _)| c)
    }

    /// What DESCRIBE said, if it was answered.
    pub fn media(&self) -> Option<&MediaInfo> {
        self.media.as_ref()
    }

    /// The latest reception statistics from the client.
    pub fn reception(&self) -> &ReceptionStats {
        &self.reception
    }

    /// Frame counts.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Index of the frame shown last.
    pub fn displayed_frame(&self) -> Option<u64> {
        self.displayed
    }

    /// Position of the frame shown last in the presentation (wrapped into
    /// the clip's duration when the server loops it).
    pub fn position(&self) -> Option<Duration> {
        let p = self.position?;
        match self.media.as_ref().and_then(|m| m.duration) {
            Some(d) if !d.is_zero() => Some(Duration::from_nanos(
                u64::try_from(p.as_nanos() % d.as_nanos()).unwrap_or(0),
            )),
            _ => Some(p),
        }
    }

    /// Whether the button for `control` is enabled.
    pub fn is_enabled(&self, control: Control) -> bool {
        match self.link {
            Link::Connecting => false,
            Link::Failed | Link::Closed => control == Control::Setup,
            Link::Connected => self.pending.is_none() && control.allowed_in(self.state),
        }
    }

    /// The user asks for `control` at `now`: what to do, or why not.
    pub fn request(&mut self, now: Instant, control: Control) -> Result<Action, Refusal> {
        match self.link {
            Link::Connecting => return Err(Refusal::NotConnected),
            Link::Failed | Link::Closed => {
                if control != Control::Setup {
                    return Err(Refusal::NotConnected);
                }
                tracing::info!("reconnecting");
                self.link = Link::Connecting;
                self.state = State::Init;
                self.setup_on_connect = true;
                self.play_on_ready = false;
                self.error = None;
                return Ok(Action::Reconnect);
            }
            Link::Connected => {}
        }
        if let Some((waiting_for, _)) = self.pending {
            return Err(Refusal::Busy { waiting_for });
        }
        if !control.allowed_in(self.state) {
            return Err(Refusal::WrongState {
                control: control.label(),
                state: self.state,
            });
        }
        self.pending = Some((control, now));
        tracing::info!("{} requested", control.label().to_uppercase());
        Ok(Action::Send(control.command()))
    }

    /// The command for Space: Play in READY, Pause in PLAYING.
    pub fn play_pause(&self) -> Control {
        if self.state == State::Playing {
            Control::Pause
        } else {
            Control::Play
        }
    }

    /// The user asks to seek one step forward or back: the PLAY-with-Range
    /// command to send, or why not. The caller resets its playout with the
    /// target as origin.
    pub fn seek(&mut self, now: Instant, forward: bool) -> Result<ClientCommand, Refusal> {
        if self.link != Link::Connected {
            return Err(Refusal::NotConnected);
        }
        if let Some((waiting_for, _)) = self.pending {
            return Err(Refusal::Busy { waiting_for });
        }
        if !matches!(self.state, State::Ready | State::Playing) {
            return Err(Refusal::WrongState {
                control: "Seek",
                state: self.state,
            });
        }
        if !self.config.can_seek {
            return Err(Refusal::CannotSeek("the lab dialect has no Range header"));
        }
        // With a known duration the target stays inside the clip; without
        // one (a looping or live stream) the server decides, and says so
        // with an error status if it cannot.
        let duration = self.media.as_ref().and_then(|m| m.duration);
        let here = self.position().unwrap_or(Duration::ZERO);
        let step = self.config.seek_step;
        let target = if forward {
            let ahead = here + step;
            match duration {
                Some(d) => ahead.min(d.saturating_sub(Duration::from_millis(1))),
                None => ahead,
            }
        } else {
            here.saturating_sub(step)
        };
        if self.state == State::Ready {
            self.pending = Some((Control::Play, now));
        }
        self.position = Some(target);
        tracing::info!(
            "seek to {:.1} s (from {:.1} s)",
            target.as_secs_f64(),
            here.as_secs_f64()
        );
        Ok(ClientCommand::Seek(target))
    }

    /// The viewer is closing: stops autoplay and returns the TEARDOWN to
    /// send if the server has a session for us, or is about to (SETUP
    /// unanswered: the client sends TEARDOWN once it is). Then wait until
    /// [`Session::torn_down`].
    pub fn close(&mut self, now: Instant) -> Option<ClientCommand> {
        self.play_on_ready = false;
        if self.torn_down() || self.pending() == Some(Control::Teardown) {
            return None;
        }
        self.pending = Some((Control::Teardown, now));
        tracing::info!("closing: TEARDOWN requested");
        Some(ClientCommand::Teardown)
    }

    /// Whether the server holds no session for us: not connected, or in
    /// INIT with no request unanswered.
    pub fn torn_down(&self) -> bool {
        self.link != Link::Connected || (self.state == State::Init && self.pending.is_none())
    }

    /// A frame is now on screen.
    pub fn on_displayed(&mut self, index: u64, position: Option<Duration>) {
        self.displayed = Some(index);
        if position.is_some() {
            self.position = position;
        }
    }

    /// Shows `text` as an error for a short while (a refused key, say).
    pub fn notice(&mut self, now: Instant, text: String) {
        tracing::warn!("{text}");
        self.set_error(now, text, false);
    }

    /// Expires an unanswered request; call now and then (the window does
    /// on every wake-up).
    pub fn tick(&mut self, now: Instant) {
        if let Some((control, at)) = self.pending {
            if now - at > self.config.pending_timeout {
                self.pending = None;
                let text = format!(
                    "no answer to {} after {} s",
                    control.label().to_uppercase(),
                    self.config.pending_timeout.as_secs()
                );
                tracing::error!("{text}");
                self.set_error(now, text, true);
            }
        }
        if self
            .error
            .as_ref()
            .is_some_and(|e| !e.sticky && now - e.at > self.config.transient_error_time)
        {
            self.error = None;
        }
    }

    /// When [`Session::tick`] next has something to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        let pending = self.pending.map(|(_, at)| at + self.config.pending_timeout);
        let error = self
            .error
            .as_ref()
            .filter(|e| !e.sticky)
            .map(|e| e.at + self.config.transient_error_time);
        match (pending, error) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The error to show, if any.
    pub fn error_text(&self) -> Option<&str> {
        self.error.as_ref().map(|e| e.text.as_str())
    }

    /// Frames per second and bits per second received over the rate window.
    pub fn rates(&mut self, now: Instant) -> (f64, f64) {
        self.rates.rates(now)
    }

    fn set_error(&mut self, now: Instant, text: String, sticky: bool) {
        // A transient message never hides a sticky one.
        if !sticky && self.error.as_ref().is_some_and(|e| e.sticky) {
            return;
        }
        self.error = Some(ErrorText {
            text,
            at: now,
            sticky,
        });
    }

    /// Feeds one player event; returns what to do next (autoplay's SETUP
    /// and PLAY). Logs state changes and errors.
    pub fn handle(&mut self, now: Instant, event: &PlayerEvent) -> Vec<Action> {
        let mut follow_up = Vec::new();
        match event {
            PlayerEvent::Connected { server } => {
                tracing::info!("connected to {server}");
                self.link = Link::Connected;
                self.state = State::Init;
                self.pending = None;
                self.rates.clear();
                self.reception = ReceptionStats::default();
                self.position = None;
                if std::mem::take(&mut self.setup_on_connect) {
                    self.pending = Some((Control::Setup, now));
                    tracing::info!("SETUP requested");
                    follow_up.push(Action::Send(ClientCommand::Setup));
                }
            }
            PlayerEvent::ConnectFailed { server, reason } => {
                let text = format!("cannot connect to {server}: {reason}");
                tracing::error!("{text}");
                self.link = Link::Failed;
                self.pending = None;
                self.set_error(now, text, true);
            }
            PlayerEvent::Client(event) => self.handle_client(now, event, &mut follow_up),
            PlayerEvent::FrameReceived(info) => {
                self.counters.frames_received += 1;
                self.rates.record(info.received_at, info.bytes as u64);
            }
            PlayerEvent::Decoded(frame) => {
                self.counters.frames_decoded += 1;
                tracing::trace!(
                    "frame {} decoded in {:?}",
                    frame.info.index,
                    frame.decode_time
                );
            }
            PlayerEvent::DecodeFailed { index, reason } => {
                self.counters.decode_failed += 1;
                let text = format!("frame {index}: {reason}");
                tracing::warn!("{text}");
                self.set_error(now, text, false);
            }
            PlayerEvent::DecodeSkipped { index } => {
                self.counters.decode_skipped += 1;
                tracing::debug!("frame {index}: decoder busy, not decoded");
            }
            PlayerEvent::RecordFailed { reason } => {
                let text = format!("recording: {reason}");
                tracing::warn!("{text}");
                self.set_error(now, text, false);
            }
            PlayerEvent::CommandFailed { command, reason } => {
                let text = format!("{command:?} not sent: {reason}");
                tracing::error!("{text}");
                self.pending = None;
                self.set_error(now, text, true);
            }
            PlayerEvent::Finished => {
                tracing::debug!("player finished");
                if self.link == Link::Connected || self.link == Link::Connecting {
                    self.link = Link::Closed;
                }
                self.pending = None;
            }
        }
        follow_up
    }

    fn handle_client(&mut self, now: Instant, event: &ClientEvent, follow_up: &mut Vec<Action>) {
        match event {
            ClientEvent::StateChanged { from, to } => {
                tracing::info!("state {from} -> {to}");
                self.state = *to;
                self.pending = None;
                self.error = None;
                if *from == State::Init
                    && *to == State::Ready
                    && std::mem::take(&mut self.play_on_ready)
                {
                    self.pending = Some((Control::Play, now));
                    tracing::info!("PLAY requested");
                    follow_up.push(Action::Send(ClientCommand::Play));
                }
                if *to == State::Init {
                    self.position = None;
                }
            }
            ClientEvent::Described(info) => {
                tracing::info!(
                    "stream described: control {}, duration {}, {} fps",
                    info.control,
                    info.duration
                        .map_or("unknown".into(), |d| format!("{:.2} s", d.as_secs_f64())),
                    info.framerate.map_or("unknown".into(), |f| format!("{f}"))
                );
                self.media = Some(info.clone());
            }
            ClientEvent::PlayStarted { from, .. } => {
                if let Some(from) = from {
                    tracing::info!("playing from {:.1} s", from.as_secs_f64());
                    self.position = Some(*from);
                }
            }
            ClientEvent::EndOfStream => {
                tracing::info!("end of stream (the server sent BYE)");
                // A server says BYE when torn down too: no news then.
                if self.pending() != Some(Control::Teardown) {
                    self.set_error(now, "end of stream".into(), false);
                }
            }
            ClientEvent::Frame(_) => {
                // The player turns frames into FrameReceived/Decoded.
            }
            ClientEvent::Stats(stats) => {
                tracing::debug!(
                    "stats: {} frames, {} dropped, {} packets, {} lost, jitter {:.1} ms",
                    stats.frames,
                    stats.frames_dropped,
                    stats.packets,
                    stats.packets_lost,
                    stats.jitter.as_secs_f64() * 1e3
                );
                self.reception = *stats;
            }
            ClientEvent::RequestFailed {
                method,
                status,
                reason,
            } => {
                let text = format!("{method} failed: {status} {reason}");
                tracing::error!("{text}");
                self.pending = None;
                self.play_on_ready = false;
                self.set_error(now, text, true);
            }
            ClientEvent::Error(error) => {
                let text = describe_client_error(error);
                tracing::error!("{text}");
                self.pending = None;
                self.set_error(now, text, true);
            }
            ClientEvent::Closed => {
                tracing::info!("connection closed");
                let was = self.state;
                self.link = Link::Closed;
                self.pending = None;
                if was != State::Init {
                    tracing::info!("state {was} -> INIT (connection closed)");
                    self.state = State::Init;
                    self.set_error(now, "the server closed the connection".into(), true);
                }
            }
            other => {
                tracing::debug!("client event {other:?}");
            }
        }
    }

    /// The status fields, in order: state, frame, fps, bitrate, lost,
    /// jitter, bad frames (if any), position.
    pub fn status_fields(&mut self, now: Instant) -> Vec<String> {
        let state = match self.link {
            Link::Connecting => "CONNECTING".to_string(),
            Link::Failed => "NOT CONNECTED".to_string(),
            Link::Closed => "CLOSED".to_string(),
            Link::Connected => match self.pending {
                Some((c, _)) => format!("{} ({}...)", self.state, c.label().to_uppercase()),
                None => self.state.to_string(),
            },
        };
        let (fps, bps) = self.rates(now);
        let mut fields = vec![
            state,
            match self.displayed {
                Some(i) => format!("frame {i}"),
                None => "frame -".to_string(),
            },
            format!("{fps:.1} fps"),
            format_bitrate(bps),
            format!("lost {}", self.reception.packets_lost),
            format!("jitter {:.1} ms", self.reception.jitter.as_secs_f64() * 1e3),
        ];
        if self.counters.decode_failed > 0 {
            fields.push(format!("{} bad frames", self.counters.decode_failed));
        }
        if let Some(p) = self.position() {
            let total = self.media.as_ref().and_then(|m| m.duration);
            fields.push(match total {
                Some(t) => format!("{} / {}", format_clock(p), format_clock(t)),
                None => format_clock(p),
            });
        }
        fields
    }

    /// The status line: the fields joined by two spaces.
    pub fn status_line(&mut self, now: Instant) -> String {
        self.status_fields(now).join("  ")
    }
}

/// A client error in the user's words.
pub fn describe_client_error(error: &ClientError) -> String {
    match error {
        ClientError::ReplyTimeout { method, timeout } => format!(
            "timeout: no reply to {method} within {:.1} s",
            timeout.as_secs_f64()
        ),
        other => other.to_string(),
    }
}

/// `1.52 Mbit/s`, `830 kbit/s`, `0 bit/s`.
pub fn format_bitrate(bits_per_second: f64) -> String {
    if bits_per_second >= 1e6 {
        format!("{:.2} Mbit/s", bits_per_second / 1e6)
    } else if bits_per_second >= 1e3 {
        format!("{:.0} kbit/s", bits_per_second / 1e3)
    } else {
        format!("{bits_per_second:.0} bit/s")
    }
}

/// `m:ss.d`.
pub fn format_clock(d: Duration) -> String {
    let tenths = d.as_millis() / 100;
    format!("{}:{:02}.{}", tenths / 600, (tenths / 10) % 60, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::player::FrameInfo;

    fn ms(v: u64) -> Instant {
        Instant::from_millis(v)
    }

    fn connected(autoplay: bool) -> (Session, Vec<Action>) {
        let mut s = Session::new(SessionConfig {
            autoplay,
            ..SessionConfig::default()
        });
        let follow = s.handle(
            ms(0),
            &PlayerEvent::Connected {
                server: "h:1".into(),
            },
        );
        (s, follow)
    }

    fn changed(from: State, to: State) -> PlayerEvent {
        PlayerEvent::Client(ClientEvent::StateChanged { from, to })
    }

    fn enabled(s: &Session) -> Vec<Control> {
        Control::ALL
            .into_iter()
            .filter(|c| s.is_enabled(*c))
            .collect()
    }

    #[test]
    fn controls_follow_the_state() {
        for state in [State::Init, State::Ready, State::Playing] {
            let allowed: Vec<_> = Control::ALL
                .into_iter()
                .filter(|c| c.allowed_in(state))
                .collect();
            let want = match state {
                State::Init => vec![Control::Setup],
                State::Ready => vec![Control::Play, Control::Teardown],
                State::Playing => vec![Control::Pause, Control::Teardown],
            };
            assert_eq!(allowed, want, "{state}");
        }
    }

    #[test]
    fn a_manual_session() {
        let mut s = Session::new(SessionConfig::default());
        assert!(enabled(&s).is_empty(), "nothing while connecting");
        assert_eq!(s.request(ms(0), Control::Setup), Err(Refusal::NotConnected));
        assert!(
            s.handle(
                ms(1),
                &PlayerEvent::Connected {
                    server: "h:1".into()
                }
            )
            .is_empty()
        );
        assert_eq!(enabled(&s), vec![Control::Setup]);
        assert_eq!(
            s.request(ms(2), Control::Play),
            Err(Refusal::WrongState {
                control: "Play",
                state: State::Init
            })
        );
        assert_eq!(
            s.request(ms(2), Control::Setup),
            Ok(Action::Send(ClientCommand::Setup))
        );
        // While SETUP is unanswered nothing is enabled, and a second click is refused.
        assert!(enabled(&s).is_empty());
        assert_eq!(
            s.request(ms(3), Control::Setup),
            Err(Refusal::Busy {
                waiting_for: Control::Setup
            })
        );
        assert!(
            s.handle(ms(4), &changed(State::Init, State::Ready))
                .is_empty()
        );
        assert_eq!(enabled(&s), vec![Control::Play, Control::Teardown]);
        assert_eq!(s.play_pause(), Control::Play);
        s.request(ms(5), Control::Play).unwrap();
        s.handle(ms(6), &changed(State::Ready, State::Playing));
        assert_eq!(enabled(&s), vec![Control::Pause, Control::Teardown]);
        assert_eq!(s.play_pause(), Control::Pause);
        s.request(ms(7), Control::Teardown).unwrap();
        s.handle(ms(8), &changed(State::Playing, State::Init));
        s.handle(ms(9), &PlayerEvent::Client(ClientEvent::Closed));
        assert_eq!(s.link(), Link::Closed);
        assert_eq!(s.error_text(), None, "closing after TEARDOWN is no error");
        // Setup reconnects.
        assert_eq!(enabled(&s), vec![Control::Setup]);
        assert_eq!(s.request(ms(10), Control::Setup), Ok(Action::Reconnect));
        assert_eq!(
            s.handle(
                ms(11),
                &PlayerEvent::Connected {
                    server: "h:1".into()
                }
            ),
            vec![Action::Send(ClientCommand::Setup)]
        );
        // ... but does not autoplay.
        assert!(
            s.handle(ms(12), &changed(State::Init, State::Ready))
                .is_empty()
        );
    }

    #[test]
    fn autoplay_sends_setup_then_play() {
        let (mut s, follow) = connected(true);
        assert_eq!(follow, vec![Action::Send(ClientCommand::Setup)]);
        assert_eq!(s.pending(), Some(Control::Setup));
        assert_eq!(
            s.handle(ms(1), &changed(State::Init, State::Ready)),
            vec![Action::Send(ClientCommand::Play)]
        );
        assert!(
            s.handle(ms(2), &changed(State::Ready, State::Playing))
                .is_empty()
        );
        // A later READY (after PAUSE) does not replay.
        assert!(
            s.handle(ms(3), &changed(State::Playing, State::Ready))
                .is_empty()
        );
    }

    #[test]
    fn errors_are_shown_and_re_enable_controls() {
        let (mut s, _) = connected(true);
        s.handle(
            ms(5),
            &PlayerEvent::Client(ClientEvent::RequestFailed {
                method: "DESCRIBE",
                status: 404,
                reason: "Not Found".into(),
            }),
        );
        assert_eq!(s.error_text(), Some("DESCRIBE failed: 404 Not Found"));
        assert_eq!(enabled(&s), vec![Control::Setup]);
        // Sticky: still there much later, and a transient error does not hide it.
        s.handle(
            ms(6),
            &PlayerEvent::DecodeFailed {
                index: 3,
                reason: "bad".into(),
            },
        );
        s.tick(ms(60_000));
        assert_eq!(s.error_text(), Some("DESCRIBE failed: 404 Not Found"));
        // No autoplay PLAY after a failed SETUP followed by a manual one.
        s.request(ms(60_001), Control::Setup).unwrap();
        assert!(
            s.handle(ms(60_002), &changed(State::Init, State::Ready))
                .is_empty()
        );
        assert_eq!(s.error_text(), None, "a state change clears the error");

        let mut s = Session::new(SessionConfig::default());
        s.handle(
            ms(0),
            &PlayerEvent::ConnectFailed {
                server: "h:1".into(),
                reason: "connection refused".into(),
            },
        );
        assert_eq!(s.link(), Link::Failed);
        assert_eq!(
            s.error_text(),
            Some("cannot connect to h:1: connection refused")
        );
        assert_eq!(enabled(&s), vec![Control::Setup]);

        let (mut s, _) = connected(true);
        s.handle(
            ms(1),
            &PlayerEvent::Client(ClientEvent::Error(ClientError::ReplyTimeout {
                method: "SETUP",
                timeout: Duration::from_secs(10),
            })),
        );
        assert_eq!(
            s.error_text(),
            Some("timeout: no reply to SETUP within 10.0 s")
        );
        assert_eq!(s.pending(), None);
    }

    #[test]
    fn transient_errors_expire_and_pending_times_out() {
        let (mut s, _) = connected(false);
        s.handle(
            ms(100),
            &PlayerEvent::DecodeFailed {
                index: 7,
                reason: "bad JPEG data: eof".into(),
            },
        );
        assert_eq!(s.error_text(), Some("frame 7: bad JPEG data: eof"));
        assert_eq!(s.next_deadline(), Some(ms(5100)));
        s.tick(ms(5000));
        assert!(s.error_text().is_some());
        s.tick(ms(5101));
        assert_eq!(s.error_text(), None);

        s.request(ms(6000), Control::Setup).unwrap();
        assert_eq!(s.next_deadline(), Some(ms(18_000)));
        s.tick(ms(18_001));
        assert_eq!(s.pending(), None);
        assert_eq!(s.error_text(), Some("no answer to SETUP after 12 s"));
        assert_eq!(enabled(&s), vec![Control::Setup]);
    }

    #[test]
    fn play_started_and_end_of_stream() {
        let (mut s, _) = connected(true);
        s.handle(ms(1), &changed(State::Init, State::Ready));
        s.handle(ms(2), &changed(State::Ready, State::Playing));
        s.handle(
            ms(3),
            &PlayerEvent::Client(ClientEvent::PlayStarted {
                from: Some(Duration::from_secs(7)),
                first_sequence: Some(5),
            }),
        );
        assert_eq!(s.position(), Some(Duration::from_secs(7)));
        s.handle(ms(4), &PlayerEvent::Client(ClientEvent::EndOfStream));
        assert_eq!(s.error_text(), Some("end of stream"));
        // The BYE a server sends when torn down is no news.
        let (mut s, _) = connected(true);
        s.handle(ms(1), &changed(State::Init, State::Ready));
        s.handle(ms(2), &changed(State::Ready, State::Playing));
        s.request(ms(3), Control::Teardown).unwrap();
        s.handle(ms(4), &PlayerEvent::Client(ClientEvent::EndOfStream));
        assert_eq!(s.error_text(), None);
    }

    #[test]
    fn closing_during_setup_tears_down_the_session_it_makes() {
        let (mut s, _) = connected(true);
        assert_eq!(s.pending(), Some(Control::Setup));
        assert!(!s.torn_down());
        assert_eq!(s.close(ms(1)), Some(ClientCommand::Teardown));
        assert_eq!(s.close(ms(2)), None, "TEARDOWN is pending already");
        // SETUP answered: no autoplay PLAY, and a session to tear down.
        assert!(
            s.handle(ms(3), &changed(State::Init, State::Ready))
                .is_empty()
        );
        assert!(!s.torn_down());
        s.handle(ms(4), &changed(State::Ready, State::Init));
        assert!(s.torn_down());
        // SETUP refused: nothing to tear down.
        let (mut s, _) = connected(true);
        s.close(ms(1));
        s.handle(
            ms(2),
            &PlayerEvent::Client(ClientEvent::RequestFailed {
                method: "SETUP",
                status: 454,
                reason: "Session Not Found".into(),
            }),
        );
        assert!(s.torn_down());
        // Idle in INIT, or not connected: nothing to send.
        let (mut s, _) = connected(false);
        assert_eq!(s.close(ms(1)), None);
        let mut s = Session::new(SessionConfig::default());
        assert_eq!(s.close(ms(1)), None);
    }

    #[test]
    fn unexpected_close_is_an_error() {
        let (mut s, _) = connected(true);
        s.handle(ms(1), &changed(State::Init, State::Ready));
        s.handle(ms(2), &changed(State::Ready, State::Playing));
        s.handle(ms(3), &PlayerEvent::Client(ClientEvent::Closed));
        assert_eq!(s.state(), State::Init);
        assert_eq!(s.error_text(), Some("the server closed the connection"));
    }

    #[test]
    fn seeking() {
        let (mut s, _) = connected(false);
        assert!(matches!(
            s.seek(ms(0), true),
            Err(Refusal::WrongState { .. })
        ));
        s.request(ms(0), Control::Setup).unwrap();
        s.handle(
            ms(1),
            &PlayerEvent::Client(ClientEvent::Described(MediaInfo {
                duration: Some(Duration::from_secs(12)),
                framerate: Some(20.0),
                control: "rtsp://h/x/track1".into(),
            })),
        );
        s.handle(ms(2), &changed(State::Init, State::Ready));
        s.request(ms(3), Control::Play).unwrap();
        s.handle(ms(4), &changed(State::Ready, State::Playing));
        s.on_displayed(40, Some(Duration::from_secs(2)));
        assert_eq!(
            s.seek(ms(5), true),
            Ok(ClientCommand::Seek(Duration::from_secs(7)))
        );
        assert_eq!(
            s.seek(ms(6), true),
            Ok(ClientCommand::Seek(Duration::from_millis(11_999)))
        );
        s.on_displayed(41, Some(Duration::from_secs(3)));
        assert_eq!(
            s.seek(ms(7), false),
            Ok(ClientCommand::Seek(Duration::ZERO))
        );
        // A looping server: positions past the end wrap into the clip.
        s.on_displayed(42, Some(Duration::from_secs(30)));
        assert_eq!(s.position(), Some(Duration::from_secs(6)));
        assert_eq!(
            s.seek(ms(8), false),
            Ok(ClientCommand::Seek(Duration::from_secs(1)))
        );

        // No duration: the server decides how far is too far.
        let (mut s, _) = connected(true);
        s.handle(ms(1), &changed(State::Init, State::Ready));
        s.handle(ms(2), &changed(State::Ready, State::Playing));
        s.on_displayed(1, Some(Duration::from_secs(100)));
        assert_eq!(
            s.seek(ms(3), true),
            Ok(ClientCommand::Seek(Duration::from_secs(105)))
        );
        // The lab dialect cannot seek at all.
        let mut s = Session::new(SessionConfig {
            can_seek: false,
            ..SessionConfig::default()
        });
        s.handle(
            ms(0),
            &PlayerEvent::Connected {
                server: "h:1".into(),
            },
        );
        s.request(ms(0), Control::Setup).unwrap();
        s.handle(ms(1), &changed(State::Init, State::Ready));
        let refusal = s.seek(ms(3), true).unwrap_err();
        assert!(refusal.to_string().contains("lab dialect"));
    }

    #[test]
    fn rates_over_a_sliding_window() {
        let mut r = RateWindow::new(Duration::from_secs(2));
        assert_eq!(r.rates(ms(0)), (0.0, 0.0));
        for i in 0..=40u64 {
            r.record(ms(1000 + 50 * i), 10_000);
        }
        let (fps, bps) = r.rates(ms(3000));
        assert!((fps - 20.0).abs() < 1e-9, "{fps}");
        assert!((bps - 1_600_000.0).abs() < 1e-3, "{bps}");
        // Nothing for more than the window: zero.
        assert_eq!(r.rates(ms(5100)), (0.0, 0.0));
        // Bounded whatever the rate.
        for i in 0..10_000u64 {
            r.record(ms(6000) + Duration::from_micros(i), 1);
        }
        assert!(r.samples.len() <= RateWindow::MAX_SAMPLES);
    }

    #[test]
    fn status_line() {
        let (mut s, _) = connected(true);
        s.handle(ms(1), &changed(State::Init, State::Ready));
        s.handle(ms(2), &changed(State::Ready, State::Playing));
        for i in 1..=21u64 {
            s.handle(
                ms(1000 + 50 * i),
                &PlayerEvent::FrameReceived(FrameInfo {
                    index: i,
                    bytes: 5000,
                    rtp_timestamp: 0,
                    sequence: i,
                    received_at: ms(1000 + 50 * i),
                }),
            );
        }
        s.handle(
            ms(2100),
            &PlayerEvent::Client(ClientEvent::Stats(ReceptionStats {
                packets_lost: 3,
                jitter: Duration::from_micros(1250),
                ..ReceptionStats::default()
            })),
        );
        s.on_displayed(21, Some(Duration::from_millis(65_400)));
        assert_eq!(
            s.status_line(ms(2100)),
            "PLAYING  frame 21  20.0 fps  800 kbit/s  lost 3  jitter 1.2 ms  1:05.4"
        );
        assert_eq!(s.counters().frames_received, 21);
        // Frames that did not decode are counted in the status line.
        for index in [22, 23] {
            s.handle(
                ms(2150),
                &PlayerEvent::DecodeFailed {
                    index,
                    reason: "bad".into(),
                },
            );
        }
        assert_eq!(
            s.status_line(ms(2150)),
            "PLAYING  frame 21  20.0 fps  800 kbit/s  lost 3  jitter 1.2 ms  2 bad frames  1:05.4"
        );
    }

    #[test]
    fn formats() {
        assert_eq!(format_bitrate(1_523_000.0), "1.52 Mbit/s");
        assert_eq!(format_bitrate(999.0), "999 bit/s");
        assert_eq!(format_clock(Duration::from_millis(5_049)), "0:05.0");
        assert_eq!(format_clock(Duration::from_secs(3600)), "60:00.0");
    }
}
