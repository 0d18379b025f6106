//! The window: winit 0.30's `ApplicationHandler` around pixels 0.17.
//!
//! This is glue only. The session model decides what the buttons do, the
//! playout decides when a frame shows, `ui` draws; here we move events
//! between them, keep the frame buffer the size of the window (so the
//! picture is scaled by [`crate::scale`] and text stays crisp), and sleep
//! with `ControlFlow::WaitUntil` until the next thing is due: a frame's
//! display time, an expiring message, the status refresh, or the end of
//! the TEARDOWN grace period.
//!
//! The GPU: pixels draws through wgpu. We try the primary backends
//! (Vulkan, Metal, DX12) first, then wgpu's fallback (software) adapter,
//! then OpenGL, then whatever wgpu picks, so the viewer comes up on machines
//! without a GPU (Mesa's lavapipe/llvmpipe, e.g. under Xvfb) without the
//! user setting `WGPU_BACKEND`; when it is set, it goes first.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use pixels::wgpu;
use pixels::{Pixels, PixelsBuilder, SurfaceTexture};
use stream_core::client::ClientEvent;
use stream_core::runtime::{ClientCommand, ClientOptions, Dialect, Runtime};
use stream_core::session::State;
use stream_core::{Duration, Instant};
use winit::application::ApplicationHandler;
use winit::dpi::{LogicalSize, PhysicalSize};
use winit::event::{ElementState, MouseButton, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop, EventLoopProxy};
use winit::keyboard::{Key as WinitKey, NamedKey};
use winit::window::{Window, WindowId};

use crate::clock::Clock;
use crate::image::{Canvas, RgbaImage};
use crate::player::{DecodedFrame, EventSink, Player, PlayerConfig, PlayerEvent};
use crate::playout::{Admission, Playout, PlayoutConfig, Timing};
use crate::record::Recorder;
use crate::scale::Filter;
use crate::session::{Action, Control, Link, Session, SessionConfig};
use crate::ui::{self, ButtonLook, Key, Layout, UiAction, View};

/// How the window plays.
pub struct AppConfig {
    /// What to connect to.
    pub options: ClientOptions,
    /// What the title bar calls the stream.
    pub stream_name: String,
    /// Send SETUP and PLAY at once.
    pub autoplay: bool,
    /// Where to record received frames.
    pub recorder: Option<Arc<Mutex<Recorder>>>,
    /// Resampling of the picture.
    pub filter: Filter,
    /// Jitter-buffer tuning (the timing is derived from the dialect).
    pub playout: PlayoutConfig,
}

impl AppConfig {
    /// Defaults for `options`.
    pub fn new(options: ClientOptions) -> AppConfig {
        let stream_name = match options.dialect {
            Dialect::Standard => {
                format!("rtsp://{}:{}/{}", options.host, options.port, options.path)
            }
            Dialect::Lab => format!("{}:{} {} (lab)", options.host, options.port, options.path),
        };
        AppConfig {
            options,
            stream_name,
            autoplay: false,
            recorder: None,
            filter: Filter::Bilinear,
            playout: PlayoutConfig::default(),
        }
    }
}

/// Why the window could not run.
#[derive(Debug)]
#[non_exhaustive]
pub enum AppError {
    /// No event loop (usually: no display).
    EventLoop(winit::error::EventLoopError),
    /// The window could not be created.
    Window(String),
    /// No GPU adapter/surface worked, not even a software one.
    Graphics(String),
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::EventLoop(e) => write!(
                f,
                "cannot open a window ({e}); is DISPLAY or WAYLAND_DISPLAY set? --headless plays without one"
            ),
            AppError::Window(e) => write!(f, "cannot create the window: {e}"),
            AppError::Graphics(e) => write!(f, "cannot draw into the window: {e}"),
        }
    }
}

impl std::error::Error for AppError {}

/// Opens the window and plays until it is closed.
pub fn run(runtime: &'static dyn Runtime, config: AppConfig) -> Result<(), AppError> {
    let event_loop = EventLoop::<Tagged>::with_user_event()
        .build()
        .map_err(AppError::EventLoop)?;
    let proxy = Arc::new(Mutex::new(event_loop.create_proxy()));
    let mut app = App::new(runtime, config, proxy);
    app.start_player();
    event_loop.run_app(&mut app).map_err(AppError::EventLoop)?;
    tracing::debug!("event loop finished");
    match app.fatal.take() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// How long closing waits for TEARDOWN's answer.
const TEARDOWN_WAIT: Duration = Duration::from_secs(1);
/// How often the status line refreshes while nothing else happens.
const STATUS_REFRESH: Duration = Duration::from_millis(500);
/// Initial size of the video area (logical pixels): the sample at 1.5x.
const INITIAL_VIDEO: (u32, u32) = (960, 540);

/// A player's event, tagged with which player (connection) sent it: after a
/// reconnect, what the previous player still had queued is ignored.
#[derive(Debug)]
struct Tagged {
    generation: u64,
    event: PlayerEvent,
}

struct App {
    runtime: &'static dyn Runtime,
    config: AppConfig,
    clock: Clock,
    proxy: Arc<Mutex<EventLoopProxy<Tagged>>>,
    generation: u64,
    window: Option<Arc<Window>>,
    pixels: Option<Pixels<'static>>,
    layout: Layout,
    session: Session,
    playout: Playout<DecodedFrame>,
    player: Option<Player>,
    frame: Option<RgbaImage>,
    hovered: Option<Control>,
    pressed: Option<Control>,
    cursor: Option<(f64, f64)>,
    closing_until: Option<Instant>,
    next_status_refresh: Instant,
    title_state: Option<(Link, State)>,
    fatal: Option<AppError>,
}

impl App {
    fn new(
        runtime: &'static dyn Runtime,
        config: AppConfig,
        proxy: Arc<Mutex<EventLoopProxy<Tagged>>>,
    ) -> App {
        let lab = config.options.dialect == Dialect::Lab;
        let session = Session::new(SessionConfig {
            autoplay: config.autoplay,
            can_seek: !lab,
            // SETUP may take two round trips (DESCRIBE, SETUP), each
            // bounded by the client's timeout.
            pending_timeout: config.options.timeout * 2 + Duration::from_secs(2),
            ..SessionConfig::default()
        });
        let playout = Playout::new(PlayoutConfig {
            timing: if lab {
                Timing::Arrival
            } else {
                Timing::RtpTimestamps
            },
            ..config.playout
        });
        let clock = Clock::new();
        App {
            runtime,
            config,
            clock,
            proxy,
            generation: 0,
            window: None,
            pixels: None,
            layout: ui::layout(1, 1, 1.0),
            session,
            playout,
            player: None,
            frame: None,
            hovered: None,
            pressed: None,
            cursor: None,
            closing_until: None,
            next_status_refresh: clock.now(),
            title_state: None,
            fatal: None,
        }
    }

    fn start_player(&mut self) {
        if let Some(old) = self.player.take() {
            old.stop();
        }
        self.generation += 1;
        let generation = self.generation;
        let proxy = self.proxy.clone();
        let sink: EventSink = Arc::new(move |event| match proxy.lock() {
            Ok(p) => p.send_event(Tagged { generation, event }).is_ok(),
            Err(_) => false,
        });
        let config = PlayerConfig {
            recorder: self.config.recorder.clone(),
            ..PlayerConfig::default()
        };
        match Player::start(
            self.runtime,
            self.config.options.clone(),
            config,
            self.clock,
            sink,
        ) {
            Ok(p) => self.player = Some(p),
            Err(e) => {
                let event = PlayerEvent::ConnectFailed {
                    server: format!("{}:{}", self.config.options.host, self.config.options.port),
                    reason: format!("cannot start the client thread: {e}"),
                };
                self.session.handle(self.clock.now(), &event);
            }
        }
    }

    fn send(&mut self, command: ClientCommand) {
        let sent = self.player.as_ref().is_some_and(|p| p.send(command));
        if !sent {
            let event = PlayerEvent::CommandFailed {
                command,
                reason: "the connection has ended".into(),
            };
            self.session.handle(self.clock.now(), &event);
        }
    }

    fn perform(&mut self, action: Action) {
        match action {
            Action::Send(command) => {
                if command == ClientCommand::Pause {
                    // Frames still waiting belong to the stretch being paused.
                    self.playout.reset(None);
                }
                self.send(command);
            }
            Action::Reconnect => self.start_player(),
        }
    }

    fn activate(&mut self, control: Control) {
        let now = self.clock.now();
        match self.session.request(now, control) {
            Ok(action) => self.perform(action),
            Err(refusal) => self.session.notice(now, refusal.to_string()),
        }
        self.request_redraw();
    }

    fn on_ui_action(&mut self, event_loop: &ActiveEventLoop, action: UiAction) {
        match action {
            UiAction::Control(control) => self.activate(control),
            UiAction::PlayPause => {
                let control = self.session.play_pause();
                self.activate(control);
            }
            UiAction::Seek(forward) => {
                let now = self.clock.now();
                match self.session.seek(now, forward) {
                    Ok(command) => {
                        if let ClientCommand::Seek(target) = command {
                            self.playout.reset(Some(target));
                        }
                        self.send(command);
                    }
                    Err(refusal) => self.session.notice(now, refusal.to_string()),
                }
                self.request_redraw();
            }
            UiAction::Quit => self.begin_close(event_loop),
        }
    }

    /// Window closing: TEARDOWN first (also while SETUP is unanswered),
    /// then exit once the session is torn down or a second has passed. A
    /// second close request exits at once.
    fn begin_close(&mut self, event_loop: &ActiveEventLoop) {
        if self.closing_until.is_some() || self.session.torn_down() {
            event_loop.exit();
            return;
        }
        let now = self.clock.now();
        if let Some(command) = self.session.close(now) {
            self.send(command);
        }
        self.closing_until = Some(now + TEARDOWN_WAIT);
    }

    fn request_redraw(&self) {
        if let Some(w) = &self.window {
            w.request_redraw();
        }
    }

    fn create_window(&mut self, event_loop: &ActiveEventLoop) -> Result<(), AppError> {
        let panel = ui::layout(INITIAL_VIDEO.0, 100_000, 1.0).panel.height;
        let attributes = Window::default_attributes()
            .with_title(self.title())
            .with_inner_size(LogicalSize::new(INITIAL_VIDEO.0, INITIAL_VIDEO.1 + panel))
            .with_min_inner_size(LogicalSize::new(480, panel + 120));
        let window = Arc::new(
            event_loop
                .create_window(attributes)
                .map_err(|e| AppError::Window(e.to_string()))?,
        );
        let size = window.inner_size();
        let pixels = build_pixels(&window, size)?;
        self.layout = ui::layout(size.width.max(1), size.height.max(1), window.scale_factor());
        self.pixels = Some(pixels);
        self.window = Some(window);
        Ok(())
    }

    fn resize(&mut self, size: PhysicalSize<u32>) {
        let (Some(window), Some(pixels)) = (&self.window, &mut self.pixels) else {
            return;
        };
        if size.width == 0 || size.height == 0 {
            return; // minimised
        }
        if let Err(e) = pixels
            .resize_surface(size.width, size.height)
            .and_then(|()| pixels.resize_buffer(size.width, size.height))
        {
            tracing::error!(
                "cannot resize the frame buffer to {}x{}: {e}",
                size.width,
                size.height
            );
            return;
        }
        self.layout = ui::layout(size.width, size.height, window.scale_factor());
        window.request_redraw();
    }

    fn title(&self) -> String {
        let state = match self.session.link() {
            Link::Connecting => "connecting".to_string(),
            Link::Failed => "not connected".to_string(),
            Link::Closed => "closed".to_string(),
            Link::Connected => self.session.state().to_string(),
        };
        format!("MJPEG viewer - {} [{state}]", self.config.stream_name)
    }

    fn message(&self) -> &'static str {
        match (self.session.link(), self.session.state()) {
            (Link::Connecting, _) => "Connecting...",
            (Link::Failed, _) => "Not connected: press Setup (S) to retry",
            (Link::Closed, _) => "Connection closed: press Setup (S) to reconnect",
            (Link::Connected, State::Init) => "Press Setup (S), then Play (Space)",
            (Link::Connected, State::Ready) => "Press Play (Space)",
            (Link::Connected, State::Playing) => "Waiting for video...",
        }
    }

    fn draw(&mut self) {
        // Render only into a surface of the window's current size: pixels
        // retries acquiring a frame for as long as the surface is out of
        // date, and some drivers (Mesa's lavapipe on X11) report it out of
        // date until it is reconfigured to the new size. The Resized event
        // may not have arrived yet, so ask the window (a server round trip).
        let Some(window) = &self.window else {
            return;
        };
        let size = window.inner_size();
        if size.width == 0 || size.height == 0 {
            return;
        }
        if (size.width, size.height) != (self.layout.window.width, self.layout.window.height) {
            self.resize(size);
        }
        let now = self.clock.now();
        let fields = self.session.status_fields(now);
        let message = self.message();
        let buttons = Control::ALL.map(|c| {
            if !self.session.is_enabled(c) {
                ButtonLook::Disabled
            } else if self.pressed == Some(c) {
                ButtonLook::Pressed
            } else if self.hovered == Some(c) {
                ButtonLook::Hovered
            } else {
                ButtonLook::Enabled
            }
        });
        let Some(pixels) = &mut self.pixels else {
            return;
        };
        let (w, h) = (self.layout.window.width, self.layout.window.height);
        let Some(mut canvas) = Canvas::new(w, h, pixels.frame_mut()) else {
            // The buffer and the layout disagree for a moment during a resize.
            return;
        };
        ui::render(
            &mut canvas,
            &self.layout,
            &View {
                frame: self.frame.as_ref(),
                status_fields: &fields,
                error: self.session.error_text(),
                message: Some(message),
                buttons,
                filter: self.config.filter,
            },
        );
        if let Err(e) = pixels.render() {
            tracing::error!("rendering failed: {e}");
        }
    }

    fn update_hover(&mut self) {
        let hovered = self
            .cursor
            .and_then(|(x, y)| ui::hit_test(&self.layout, x, y));
        if hovered != self.hovered {
            self.hovered = hovered;
            self.request_redraw();
        }
    }

    fn on_player_event(&mut self, event: PlayerEvent) {
        let now = self.clock.now();
        match &event {
            PlayerEvent::Client(ClientEvent::PlayStarted {
                from,
                first_sequence,
            }) => {
                // PLAY answered (it always follows the change to PLAYING): a
                // new stretch of media starts (after a PAUSE the timestamps
                // carry on but local time has moved on), from where the
                // server says, and frames in flight from before it are stale.
                self.playout.reset_for_play(*from, *first_sequence);
            }
            PlayerEvent::Client(ClientEvent::StateChanged {
                to: State::Init, ..
            })
            | PlayerEvent::Client(ClientEvent::Closed) => {
                // Torn down: frames still waiting belong to the old session.
                self.playout.reset(Some(Duration::ZERO));
            }
            _ => {}
        }
        for action in self.session.handle(now, &event) {
            self.perform(action);
        }
        match event {
            PlayerEvent::Decoded(frame) => {
                let (at, ts, seq, index) = (
                    frame.info.received_at,
                    frame.info.rtp_timestamp,
                    frame.info.sequence,
                    frame.info.index,
                );
                match self.playout.push(at, ts, seq, frame) {
                    Admission::Queued { .. } => {}
                    Admission::Late { by } => {
                        tracing::debug!(
                            "frame {index}: {:.0} ms late, dropped",
                            by.as_secs_f64() * 1e3
                        );
                    }
                    Admission::Stale => {
                        tracing::debug!("frame {index}: older than the frame shown, dropped");
                    }
                }
            }
            PlayerEvent::Finished => {
                if let Some(p) = self.player.take() {
                    p.stop();
                }
                self.request_redraw();
            }
            PlayerEvent::FrameReceived(_) => {}
            _ => self.request_redraw(),
        }
    }
}

impl ApplicationHandler<Tagged> for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.window.is_some() {
            return;
        }
        if let Err(e) = self.create_window(event_loop) {
            tracing::error!("{e}");
            self.fatal = Some(e);
            event_loop.exit();
        }
    }

    fn user_event(&mut self, _event_loop: &ActiveEventLoop, tagged: Tagged) {
        if tagged.generation == self.generation {
            self.on_player_event(tagged.event);
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        match event {
            WindowEvent::CloseRequested => self.begin_close(event_loop),
            WindowEvent::Resized(size) => self.resize(size),
            WindowEvent::ScaleFactorChanged { .. } => {
                if let Some(w) = &self.window {
                    let size = w.inner_size();
                    self.resize(size);
                }
            }
            WindowEvent::RedrawRequested => self.draw(),
            WindowEvent::CursorMoved { position, .. } => {
                self.cursor = Some((position.x, position.y));
                self.update_hover();
            }
            WindowEvent::CursorLeft { .. } => {
                self.cursor = None;
                self.update_hover();
            }
            WindowEvent::MouseInput {
                state,
                button: MouseButton::Left,
                ..
            } => {
                let under = self
                    .cursor
                    .and_then(|(x, y)| ui::hit_test(&self.layout, x, y));
                match state {
                    ElementState::Pressed => self.pressed = under,
                    ElementState::Released => {
                        let pressed = self.pressed.take();
                        if let Some(control) = under.filter(|c| Some(*c) == pressed) {
                            if self.session.is_enabled(control) {
                                self.activate(control);
                            }
                        }
                    }
                }
                self.request_redraw();
            }
            WindowEvent::KeyboardInput { event, .. } => {
                if event.state != ElementState::Pressed || event.repeat {
                    return;
                }
                let key = match &event.logical_key {
                    WinitKey::Named(NamedKey::Space) => Some(Key::Space),
                    WinitKey::Named(NamedKey::ArrowLeft) => Some(Key::Left),
                    WinitKey::Named(NamedKey::ArrowRight) => Some(Key::Right),
                    WinitKey::Named(NamedKey::Escape) => Some(Key::Escape),
                    WinitKey::Character(s) => s.chars().next().map(Key::Char),
                    _ => None,
                };
                if let Some(action) = key.and_then(ui::key_action) {
                    self.on_ui_action(event_loop, action);
                }
            }
            _ => {}
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        let now = self.clock.now();
        self.session.tick(now);
        if let Some(released) = self.playout.poll(now) {
            self.session
                .on_displayed(released.item.info.index, released.position);
            if self.frame.is_none() {
                // The clock starts with the window: this is the time a user
                // waits for a picture.
                tracing::info!(
                    "first frame shown {:.2} s after start",
                    now.total_micros() as f64 / 1e6
                );
            }
            self.frame = Some(released.item.image);
            self.request_redraw();
        }
        if let Some(until) = self.closing_until {
            let answered = self.session.torn_down();
            if answered || now >= until {
                if !answered {
                    tracing::warn!(
                        "no answer to TEARDOWN within {TEARDOWN_WAIT:?}; closing anyway"
                    );
                }
                event_loop.exit();
                return;
            }
        }
        if now >= self.next_status_refresh {
            self.next_status_refresh = now + STATUS_REFRESH;
            self.request_redraw();
        }
        let title_state = (self.session.link(), self.session.state());
        if self.title_state != Some(title_state) {
            self.title_state = Some(title_state);
            if let Some(w) = &self.window {
                w.set_title(&self.title());
            }
        }
        let mut wake = self.next_status_refresh;
        for deadline in [
            self.playout.next_deadline(),
            self.session.next_deadline(),
            self.closing_until,
        ]
        .into_iter()
        .flatten()
        {
            wake = wake.min(deadline);
        }
        event_loop.set_control_flow(ControlFlow::WaitUntil(self.clock.to_std(wake)));
    }

    fn exiting(&mut self, _event_loop: &ActiveEventLoop) {
        let (c, p) = (self.session.counters(), self.playout.counters());
        tracing::info!(
            "frames: {} received, {} decoded, {} failed to decode, {} not decoded (decoder busy); \
             {} shown, dropped {} late, {} stale, {} skipped, {} flushed",
            c.frames_received,
            c.frames_decoded,
            c.decode_failed,
            c.decode_skipped,
            p.released,
            p.late,
            p.stale,
            p.skipped,
            p.flushed
        );
        if let Some(player) = self.player.take() {
            if self.session.link() == Link::Connecting {
                // Connecting may block for the whole timeout: do not wait.
                player.detach();
            } else {
                player.stop();
            }
        }
        // The surface before the window, and the window now, so it
        // disappears before the event loop winds down.
        self.pixels = None;
        self.window = None;
    }
}

/// Ways to get a frame buffer, tried in order.
#[derive(Debug, Clone, Copy)]
enum Attempt {
    /// What pixels/wgpu pick (honours WGPU_BACKEND and friends).
    Default,
    /// wgpu's fallback adapter (a software rasteriser where there is one).
    FallbackAdapter,
    /// One backend explicitly.
    Backend(&'static str, wgpu::Backends),
}

impl std::fmt::Display for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Attempt::Default => f.write_str("default adapter"),
            Attempt::FallbackAdapter => f.write_str("fallback adapter"),
            Attempt::Backend(name, _) => write!(f, "{name} backend"),
        }
    }
}

fn build_pixels(
    window: &Arc<Window>,
    size: PhysicalSize<u32>,
) -> Result<Pixels<'static>, AppError> {
    let (w, h) = (size.width.max(1), size.height.max(1));
    // With WGPU_BACKEND set the user's choice goes first. Otherwise the
    // primary backends (Vulkan, Metal, DX12) go first: probing OpenGL too
    // logs scary EGL errors on machines where Vulkan works fine.
    let attempts: &[Attempt] = if std::env::var_os("WGPU_BACKEND").is_some() {
        &[
            Attempt::Default,
            Attempt::FallbackAdapter,
            Attempt::Backend("Vulkan", wgpu::Backends::VULKAN),
            Attempt::Backend("OpenGL", wgpu::Backends::GL),
        ]
    } else {
        &[
            Attempt::Backend("primary", wgpu::Backends::PRIMARY),
            Attempt::FallbackAdapter,
            Attempt::Backend("OpenGL", wgpu::Backends::GL),
            Attempt::Default,
        ]
    };
    let mut failures = Vec::new();
    for &attempt in attempts {
        let surface = SurfaceTexture::new(w, h, window.clone());
        let builder = PixelsBuilder::new(w, h, surface);
        let builder = match attempt {
            Attempt::Default => builder,
            Attempt::FallbackAdapter => {
                builder.request_adapter_options(wgpu::RequestAdapterOptions {
                    power_preference: wgpu::PowerPreference::LowPower,
                    force_fallback_adapter: true,
                    compatible_surface: None,
                })
            }
            Attempt::Backend(_, backends) => builder.wgpu_backend(backends),
        };
        // wgpu reports some failures by panicking; one failed attempt must
        // not end the viewer while another may work.
        match catch_unwind(AssertUnwindSafe(|| builder.build())) {
            Ok(Ok(pixels)) => {
                let info = pixels.adapter().get_info();
                tracing::info!(
                    "drawing with {} ({:?}, {:?}) via the {attempt}",
                    info.name,
                    info.backend,
                    info.device_type
                );
                return Ok(pixels);
            }
            Ok(Err(e)) => {
                tracing::warn!("graphics, {attempt}: {e}");
                failures.push(format!("{attempt}: {e}"));
            }
            Err(_) => {
                tracing::warn!("graphics, {attempt}: wgpu panicked");
                failures.push(format!("{attempt}: wgpu panicked"));
            }
        }
    }
    Err(AppError::Graphics(failures.join("; ")))
}
