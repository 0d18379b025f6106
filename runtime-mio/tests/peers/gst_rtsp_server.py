#!/usr/bin/python3
"""Serve clips of JPEG frames with gst-rtsp-server.

Usage: gst_rtsp_server.py PORT DIR

Every DIR/NAME/ holding frames 00000.jpg, 00001.jpg, ... is served at
rtsp://127.0.0.1:PORT/NAME as RTP/JPEG (GStreamer's rtpjpegpay, RFC 2435)
at 20 frames a second, over UDP or TCP as the client asks, once through.
Prints "ready" on stdout once it listens; runs until killed.

The frames are pushed through an appsrc with a timestamp each (k / 20 s):
GStreamer's file sources and jpegparse do not timestamp JPEG frames, and
rtpjpegpay would then send every frame with one RTP timestamp, in a burst.

Used by the interop suite to check that our client plays from a real
standard server. Needs Debian's gir1.2-gst-rtsp-server-1.0 and python3-gi.
"""

import os
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

FPS = 20


def frames_of(directory):
    names = sorted(n for n in os.listdir(directory) if n.endswith(".jpg"))
    frames = []
    for n in names:
        with open(os.path.join(directory, n), "rb") as f:
            frames.append(f.read())
    return frames


class ClipFactory(GstRtspServer.RTSPMediaFactory):
    def __init__(self, frames):
        super().__init__()
        self.frames = frames
        self.set_shared(False)

    def do_create_element(self, url):
        return Gst.parse_launch(
            "appsrc name=src is-live=true format=time "
            f"caps=image/jpeg,framerate={FPS}/1 "
            "! jpegparse ! rtpjpegpay name=pay0 pt=26"
        )

    def do_configure(self, media):
        src = media.get_element().get_by_name_recurse_up("src")
        state = {"next": 0}

        def need_data(appsrc, _length):
            k = state["next"]
            if k >= len(self.frames):
                appsrc.emit("end-of-stream")
                return
            buf = Gst.Buffer.new_wrapped(self.frames[k])
            buf.pts = k * Gst.SECOND // FPS
            buf.duration = Gst.SECOND // FPS
            state["next"] = k + 1
            appsrc.emit("push-buffer", buf)

        src.connect("need-data", need_data)


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    port, directory = sys.argv[1], sys.argv[2]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    mounts = server.get_mount_points()
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if os.path.isdir(path):
            mounts.add_factory("/" + name, ClipFactory(frames_of(path)))
    if server.attach(None) == 0:
        print(f"cannot listen on port {port}", file=sys.stderr)
        return 1
    print("ready", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
