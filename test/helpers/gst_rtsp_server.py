#!/usr/bin/python3
# GStreamer's gst-rtsp-server as the peer of the RTSP tests and benches (one script for both).
#   serve <file.mp4> <port>   plays the MP4's H.264 at real time from one shared pipeline for
#                             every client (as k230js serves one encoder to all): bench/rtsp.
#                             Prints "READY rtsp://127.0.0.1:<port>/test". Two more mounts for
#                             viewers (RtspProbe): /av, the MP4's H.264 and a live 8 kHz µ-law
#                             tone as a second track, and /mic, the tone alone.
#   record <port> <outdir>    RECORD mounts (ANNOUNCE/RECORD, for RtspPusher): /h264 and /h265
#                             write the depayloaded stream to <outdir>/<codec>.es; /av-alaw and
#                             /av-ulaw mux H.264 + G.711 into <outdir>/av-<law>.mkv with the
#                             timestamps the server gave them. Prints "READY <port>".
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
mode = sys.argv[1]
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
mounts = server.get_mount_points()
if mode == "serve":
    path, port = sys.argv[2], sys.argv[3]
    server.set_service(port)
    # Its default accept backlog is 5: a burst of joins would lose SYNs (1 s retransmissions)
    # where k230js's queue takes as many as it serves (server_posix.c). The same room for both.
    server.set_backlog(1024)
    f = GstRtspServer.RTSPMediaFactory()
    f.set_launch(f'( filesrc location="{path}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1 )')
    f.set_shared(True)
    mounts.add_factory("/test", f)
    tone = "audiotestsrc is-live=true ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay"
    for mount, launch in (("/av", f'filesrc location="{path}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 {tone} name=pay1'),
                          ("/mic", f"{tone} name=pay0")):
        f = GstRtspServer.RTSPMediaFactory()
        f.set_launch(f"( {launch} )")
        mounts.add_factory(mount, f)
elif mode == "record":
    port, outdir = sys.argv[2], sys.argv[3]
    server.set_service(port)
    for codec in ("h264", "h265"):
        f = GstRtspServer.RTSPMediaFactory()
        f.set_transport_mode(GstRtspServer.RTSPTransportMode.RECORD)
        f.set_launch(f"( rtp{codec}depay name=depay0 ! {codec}parse ! video/x-{codec},stream-format=byte-stream,alignment=au ! filesink location={outdir}/{codec}.es )")
        mounts.add_factory(f"/{codec}", f)
    for law, depay in (("alaw", "rtppcmadepay"), ("ulaw", "rtppcmudepay")):
        f = GstRtspServer.RTSPMediaFactory()
        f.set_transport_mode(GstRtspServer.RTSPTransportMode.RECORD)
        f.set_launch(f"( rtph264depay name=depay0 ! h264parse ! queue ! mux. {depay} name=depay1 ! queue ! mux. "
                     f"matroskamux name=mux ! filesink location={outdir}/av-{law}.mkv )")
        mounts.add_factory(f"/av-{law}", f)
else:
    sys.exit(f"usage: {sys.argv[0]} serve <file.mp4> <port> | record <port> <outdir>")
server.attach(None)
print(f"READY rtsp://127.0.0.1:{server.get_bound_port()}/test" if mode == "serve" else f"READY {server.get_bound_port()}", flush=True)
GLib.MainLoop().run()
