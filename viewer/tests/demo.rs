//! The demo: the sample is written to a private directory, served by a
//! looping loopback server, and cleaned up.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use support::{FakeRuntime, Script};
use viewer::demo::{Demo, SAMPLE, SAMPLE_NAME};

#[test]
fn serves_the_bundled_sample_on_loopback_and_cleans_up() {
    let rt = FakeRuntime::sample(20, Script::default()).leak();
    let demo = Demo::start(rt).unwrap();
    let dir = demo.media_dir().to_path_buf();
    assert_eq!(std::fs::read(dir.join(SAMPLE_NAME)).unwrap(), SAMPLE);
    assert_eq!(SAMPLE, std::fs::read(support::sample_path()).unwrap());
    {
        let t = rt.transcript.lock().unwrap();
        let server = &t.servers[0];
        assert_eq!(server.bind, SocketAddr::from(([127, 0, 0, 1], 0)));
        assert_eq!(server.media_dir, dir);
        assert!(server.looping);
    }
    assert_eq!(demo.url(), "rtsp://127.0.0.1:18554/sample.Mjpeg");
    let o = demo.client_options(Duration::from_secs(3));
    assert_eq!(
        (o.host.as_str(), o.port, o.path.as_str(), o.timeout),
        ("127.0.0.1", 18554, "sample.Mjpeg", Duration::from_secs(3))
    );
    demo.shutdown().unwrap();
    assert!(!dir.exists());

    // Dropped without shutdown: cleaned up too.
    let demo = Demo::start(rt).unwrap();
    let dir = demo.media_dir().to_path_buf();
    assert!(dir.exists());
    drop(demo);
    assert!(!dir.exists());
}
