//! Small socket helpers.

use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};

/// Binds an RTP/RTCP pair on `ip`: an even port for RTP and the next one for
/// RTCP (RFC 3550 Section 11), or exactly `rtp_port`/`rtp_port + 1` when
/// `rtp_port` is not 0.
pub(crate) fn bind_pair(ip: IpAddr, rtp_port: u16) -> io::Result<(UdpSocket, UdpSocket)> {
    if rtp_port != 0 {
        let rtp = UdpSocket::bind(SocketAddr::new(ip, rtp_port))?;
        let rtcp = UdpSocket::bind(SocketAddr::new(ip, rtp_port.wrapping_add(1)))?;
        return Ok((rtp, rtcp));
    }
    let mut last = None;
    for _ in 0..64 {
        let rtp = UdpSocket::bind(SocketAddr::new(ip, 0))?;
        let port = rtp.local_addr()?.port();
        if port % 2 != 0 || port == u16::MAX {
            continue;
        }
        match UdpSocket::bind(SocketAddr::new(ip, port + 1)) {
            Ok(rtcp) => return Ok((rtp, rtcp)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::AddrInUse, "no free even/odd UDP port pair")
    }))
}
