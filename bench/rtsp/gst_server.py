#!/usr/bin/python3
# The peer for bench/rtsp: GStreamer's gst-rtsp-server serving an MP4's H.264 at real time, one
# shared pipeline for every client (as k230js serves one encoder to all). Prints "READY <url>".
# Args: <file.mp4> <port>
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
path, port = sys.argv[1], sys.argv[2]
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(f'( filesrc location="{path}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1 )')
factory.set_shared(True)
server.get_mount_points().add_factory("/test", factory)
server.attach(None)
print(f"READY rtsp://127.0.0.1:{port}/test", flush=True)
GLib.MainLoop().run()
