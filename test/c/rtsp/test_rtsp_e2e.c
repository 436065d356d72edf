/*
 * Real peers against a real server in this process: ffmpeg/ffprobe (RTSP over TCP and UDP,
 * H.264 + PCMU and H.265) and gst-launch-1.0 rtspsrc (TCP and UDP) when installed. The stream
 * is made at test time with ffmpeg, split into access units with media_annexb_next and sent at
 * real time. Every client must decode with zero errors, receive >= 98% of the frames sent, with
 * monotonic timestamps. Exit code 77 (skip) when ffmpeg is missing.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

/* Command lines are assembled from short paths; GCC cannot see that bound. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
#include "media/annexb.h"
#include "poll_driver.h"
#include "rtsp/server.h"
#include "rtsp/server_posix.h"

extern char **environ;

#define FPS 30
#define SECONDS 4
#define NFRAMES (FPS * SECONDS)

typedef struct stream {
  uint8_t *buf;
  size_t len;
  size_t *au_off, *au_len; /* Annex-B slices of buf, one per access unit */
  int n;
} stream;

static const char *dir; /* tu_tmpdir() */

/* Access units: a new one starts at a non-VCL prefix NAL or a first slice once the current one
 * holds a picture (H.264 §7.4.1.2.3 / H.265 §7.4.2.4.4, simplified for one slice per picture). */
static void split(stream *s, media_codec codec) {
  size_t pos = 0, cap = 1024;
  media_nal nal;
  s->au_off = malloc(cap * sizeof(size_t));
  s->au_len = malloc(cap * sizeof(size_t));
  s->n = 0;
  bool has_vcl = false;
  size_t start = 0;
  while (media_annexb_next(codec, s->buf, s->len, &pos, &nal) == 1) {
    size_t nal_start = (size_t)(nal.data - s->buf) - 3; /* include the 00 00 01 start code */
    while (nal_start > 0 && s->buf[nal_start - 1] == 0) nal_start--;
    bool vcl = media_nal_is_vcl(codec, nal.type);
    bool first_slice = vcl && nal.size > 2 && (codec == MEDIA_CODEC_H264 ? (nal.data[1] & 0x80) : (nal.data[2] & 0x80));
    if (has_vcl && (!vcl || first_slice)) {
      s->au_off[s->n] = start;
      s->au_len[s->n] = nal_start - start;
      s->n++;
      start = nal_start;
      has_vcl = false;
    }
    if (vcl) has_vcl = true;
  }
  if (has_vcl) {
    s->au_off[s->n] = start;
    s->au_len[s->n] = s->len - start;
    s->n++;
  }
}

/* The parameter sets of the first AU alone (the encoder's HEADER pack). */
static void send_header(rtsp_mount *m, stream *s, media_codec codec) {
  size_t pos = 0;
  media_nal nal;
  const uint8_t *au = s->buf + s->au_off[0];
  while (media_annexb_next(codec, au, s->au_len[0], &pos, &nal) == 1)
    if (media_nal_is_param_set(codec, nal.type)) {
      uint8_t tmp[1024] = {0, 0, 0, 1};
      if (nal.size + 4 <= sizeof tmp) {
        memcpy(tmp + 4, nal.data, nal.size);
        rtsp_mount_send_video(m, tmp, nal.size + 4, 0);
      }
    }
}

typedef struct client {
  const char *name;
  char cmd[2048];
  char out[256], err[256];
  pid_t pid;
  int status;
  bool done;
  int kind; /* 0 ffmpeg framecrc, 1 ffprobe count, 2 gst */
  int want_video, want_audio;
} client;

static void spawn(client *c) {
  char *argv[] = {"/bin/sh", "-c", c->cmd, NULL};
  if (posix_spawn(&c->pid, "/bin/sh", NULL, NULL, argv, environ) != 0) c->pid = -1;
}

static int count_lines_with(const char *text, const char *needle) {
  int n = 0;
  for (const char *p = text; (p = strstr(p, needle)) != NULL; p++) n++;
  return n;
}

static void check_client(client *c) {
  size_t ol = 0, el = 0;
  char *out = (char *)tu_read(c->out, &ol), *err = (char *)tu_read(c->err, &el);
  int video = 0, audio = 0;
  bool mono = true;
  if (c->kind == 0 && out) {
    long long last = -1;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
      if (line[0] == '#') continue;
      int idx;
      long long dts;
      if (sscanf(line, "%d, %lld", &idx, &dts) != 2) continue;
      if (idx == 0) {
        video++;
        if (dts <= last) mono = false;
        last = dts;
      } else {
        audio++;
      }
    }
  } else if (c->kind == 1 && out) {
    char codec[32];
    int n;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
      if (sscanf(line, "%31[^,],%d", codec, &n) == 2) {
        if (!strcmp(codec, "pcm_mulaw")) audio = n;
        else video = n;
      }
  } else if (c->kind == 2 && out) {
    video = count_lines_with(out, "chain");
  }
  /* decode errors: anything printed at -v error (gst prints nothing with -q on success) */
  bool clean = el == 0 || !err || !err[0];
  /* rtspsrc reconnects after the server ends the stream and sends PAUSE/TEARDOWN with the old
   * session id, which a new connection must not honour (454): that error comes after EOS. Only
   * errors from the depayload/parse/decode chain count for gst. */
  if (c->kind == 2 && err)
    clean = !strstr(err, "depay") && !strstr(err, "h264parse") && !strstr(err, "avdec") && !strstr(err, "WARNING");
  bool vok = video >= c->want_video * 98 / 100 && video <= c->want_video;
  bool aok = !c->want_audio || (audio >= c->want_audio * 98 / 100 && audio <= c->want_audio);
  printf("  %-22s exit=%d video=%d/%d audio=%d/%d monotonic=%d stderr=%s\n", c->name,
         WIFEXITED(c->status) ? WEXITSTATUS(c->status) : -1, video, c->want_video, audio, c->want_audio, mono,
         clean ? "clean" : "NOT clean");
  if (!clean) fprintf(stderr, "  %s stderr: %.600s\n", c->name, err);
  CHECK(c->done);
  CHECK(clean);
  CHECK(vok);
  CHECK(aok);
  CHECK(mono);
  free(out);
  free(err);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  if (!tu_have("ffmpeg") || !tu_have("ffprobe")) {
    printf("SKIP: ffmpeg/ffprobe not installed\n");
    return 77;
  }
  dir = tu_tmpdir();
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "cd %s && ffmpeg -v error -f lavfi -i testsrc=size=640x360:rate=%d -t %d -c:v libx264 -g 30 -bf 0 "
           "-bsf:v h264_mp4toannexb -f h264 x.264 && "
           "ffmpeg -v error -f lavfi -i testsrc=size=320x240:rate=%d -t %d -c:v libx265 -x265-params "
           "log-level=error:keyint=30:bframes=0 -f hevc x.265 && "
           "ffmpeg -v error -f lavfi -i sine=frequency=440:sample_rate=8000 -t %d -f mulaw x.ulaw",
           dir, FPS, SECONDS, FPS, SECONDS, SECONDS);
  CHECK_EQ_INT(tu_system(cmd), 0);
  char path[512];
  stream h264 = {0}, h265 = {0};
  size_t alen = 0;
  snprintf(path, sizeof path, "%s/x.264", dir);
  h264.buf = tu_read(path, &h264.len);
  snprintf(path, sizeof path, "%s/x.265", dir);
  h265.buf = tu_read(path, &h265.len);
  snprintf(path, sizeof path, "%s/x.ulaw", dir);
  uint8_t *ulaw = tu_read(path, &alen);
  if (!h264.buf || !h265.buf || !ulaw) return CHECK_DONE();
  split(&h264, MEDIA_CODEC_H264);
  split(&h265, MEDIA_CODEC_H265);
  CHECK_EQ_INT(h264.n, NFRAMES);
  CHECK_EQ_INT(h265.n, NFRAMES);

  rtsp_poll_loop *loop = rtsp_poll_new();
  rtsp_server_config cfg = RTSP_SERVER_CONFIG_DEFAULT;
  cfg.host = "127.0.0.1";
  cfg.port = 0;
  rtsp_server *srv;
  CHECK_EQ_INT(rtsp_server_new(&cfg, &srv), 0);
  CHECK_EQ_INT(rtsp_server_listen(srv, &rtsp_poll_ops, loop), 0);
  rtsp_mount *mx, *my, *mz;
  CHECK_EQ_INT(rtsp_server_add_mount(srv, "x", &(rtsp_mount_config){RTSP_VIDEO_H264, RTSP_AUDIO_PCMU}, &mx), 0);
  CHECK_EQ_INT(rtsp_server_add_mount(srv, "y", &(rtsp_mount_config){RTSP_VIDEO_H265, RTSP_AUDIO_NONE}, &my), 0);
  CHECK_EQ_INT(rtsp_server_add_mount(srv, "z", &(rtsp_mount_config){RTSP_VIDEO_H264, RTSP_AUDIO_NONE}, &mz), 0);
  send_header(mx, &h264, MEDIA_CODEC_H264);
  send_header(mz, &h264, MEDIA_CODEC_H264);
  send_header(my, &h265, MEDIA_CODEC_H265);
  char ux[64], uy[64], uz[64];
  rtsp_server_url(srv, NULL, "x", ux, sizeof ux);
  rtsp_server_url(srv, NULL, "y", uy, sizeof uy);
  rtsp_server_url(srv, NULL, "z", uz, sizeof uz);
  printf("server at %s\n", ux);

  int audio_chunks = (int)(alen / 160);
  client cl[8];
  int nc = 0;
  const char *tr[2] = {"tcp", "udp"};
  for (int t = 0; t < 2; t++) {
    client *c = &cl[nc++];
    memset(c, 0, sizeof *c);
    c->name = t ? "ffmpeg udp h264+pcmu" : "ffmpeg tcp h264+pcmu";
    c->kind = 0;
    c->want_video = NFRAMES;
    c->want_audio = audio_chunks;
    snprintf(c->out, sizeof c->out, "%s/c%d.out", dir, nc);
    snprintf(c->err, sizeof c->err, "%s/c%d.err", dir, nc);
    snprintf(c->cmd, sizeof c->cmd, "exec ffmpeg -nostdin -v error -rtsp_transport %s -i %s -map 0 -f framecrc %s 2>%s",
             tr[t], ux, c->out, c->err);
  }
  for (int t = 0; t < 2; t++) {
    client *c = &cl[nc++];
    memset(c, 0, sizeof *c);
    c->name = t ? "ffprobe udp h264+pcmu" : "ffprobe tcp h264+pcmu";
    c->kind = 1;
    c->want_video = NFRAMES;
    c->want_audio = audio_chunks;
    snprintf(c->out, sizeof c->out, "%s/c%d.out", dir, nc);
    snprintf(c->err, sizeof c->err, "%s/c%d.err", dir, nc);
    snprintf(c->cmd, sizeof c->cmd,
             "exec ffprobe -v error -rtsp_transport %s -count_frames -show_entries stream=codec_name,nb_read_frames "
             "-of csv=p=0 %s >%s 2>%s",
             tr[t], ux, c->out, c->err);
  }
  for (int t = 0; t < 2; t++) {
    client *c = &cl[nc++];
    memset(c, 0, sizeof *c);
    c->name = t ? "ffmpeg udp h265" : "ffmpeg tcp h265";
    c->kind = 0;
    c->want_video = NFRAMES;
    snprintf(c->out, sizeof c->out, "%s/c%d.out", dir, nc);
    snprintf(c->err, sizeof c->err, "%s/c%d.err", dir, nc);
    snprintf(c->cmd, sizeof c->cmd, "exec ffmpeg -nostdin -v error -rtsp_transport %s -i %s -map 0 -f framecrc %s 2>%s",
             tr[t], uy, c->out, c->err);
  }
  if (tu_have("gst-launch-1.0")) {
    for (int t = 0; t < 2; t++) {
      client *c = &cl[nc++];
      memset(c, 0, sizeof *c);
      c->name = t ? "gst rtspsrc udp h264" : "gst rtspsrc tcp h264";
      c->kind = 2;
      c->want_video = NFRAMES;
      snprintf(c->out, sizeof c->out, "%s/c%d.out", dir, nc);
      snprintf(c->err, sizeof c->err, "%s/c%d.err", dir, nc);
      snprintf(c->cmd, sizeof c->cmd,
               "exec gst-launch-1.0 rtspsrc location=%s protocols=%s latency=100 ! rtph264depay ! h264parse ! "
               "avdec_h264 ! fakesink silent=false sync=false -v >%s 2>%s",
               uz, tr[t], c->out, c->err);
    }
  }
  for (int i = 0; i < nc; i++) spawn(&cl[i]);

  /* wait until every client plays (or 20 s) */
  uint64_t t0 = rtsp_poll_now_us();
  rtsp_stats st;
  for (;;) {
    rtsp_poll_run_once(loop, 50);
    rtsp_server_tick(srv);
    rtsp_server_stats(srv, &st);
    if (st.playing >= nc || rtsp_poll_now_us() - t0 > 20000000) break;
  }
  printf("%d/%d clients playing after %.1f s\n", st.playing, nc, (rtsp_poll_now_us() - t0) / 1e6);
  CHECK_EQ_INT(st.playing, nc);

  /* real time: video every 1/30 s, audio every 20 ms */
  t0 = rtsp_poll_now_us();
  int vi = 0, ai = 0;
  while (vi < NFRAMES || ai < audio_chunks) {
    uint64_t now = rtsp_poll_now_us() - t0;
    uint64_t vdue = (uint64_t)vi * 1000000 / FPS, adue = (uint64_t)ai * 20000;
    if (vi < NFRAMES && now >= vdue) {
      rtsp_mount_send_video(mx, h264.buf + h264.au_off[vi], h264.au_len[vi], vdue);
      rtsp_mount_send_video(mz, h264.buf + h264.au_off[vi], h264.au_len[vi], vdue);
      rtsp_mount_send_video(my, h265.buf + h265.au_off[vi], h265.au_len[vi], vdue);
      vi++;
      continue;
    }
    if (ai < audio_chunks && now >= adue) {
      rtsp_mount_send_audio(mx, ulaw + (size_t)ai * 160, 160, adue);
      ai++;
      continue;
    }
    uint64_t next = vi < NFRAMES ? vdue : UINT64_MAX;
    if (ai < audio_chunks && adue < next) next = adue;
    int wait = next > now ? (int)((next - now) / 1000) : 0;
    rtsp_poll_run_once(loop, wait);
  }
  /* drain, then end the streams: RTCP BYE and close */
  uint64_t t1 = rtsp_poll_now_us();
  while (rtsp_poll_now_us() - t1 < 500000) rtsp_poll_run_once(loop, 20);
  rtsp_server_stats(srv, &st);
  printf("sent: %llu packets, %llu bytes, %llu drops\n", (unsigned long long)st.packets_sent,
         (unsigned long long)st.bytes_sent, (unsigned long long)st.drops);
  CHECK_EQ_INT(st.drops, 0);
  rtsp_server_remove_mount(srv, mx);
  rtsp_server_remove_mount(srv, my);
  rtsp_server_remove_mount(srv, mz);

  /* clients exit on their own (BYE / EOF); 15 s at most */
  t1 = rtsp_poll_now_us();
  int left = nc;
  while (left && rtsp_poll_now_us() - t1 < 15000000) {
    rtsp_poll_run_once(loop, 20);
    for (int i = 0; i < nc; i++) {
      if (cl[i].done || cl[i].pid <= 0) continue;
      if (waitpid(cl[i].pid, &cl[i].status, WNOHANG) == cl[i].pid) {
        cl[i].done = true;
        left--;
      }
    }
  }
  for (int i = 0; i < nc; i++)
    if (!cl[i].done && cl[i].pid > 0) {
      fprintf(stderr, "%s did not exit; killing\n", cl[i].name);
      kill(cl[i].pid, SIGKILL);
      waitpid(cl[i].pid, &cl[i].status, 0);
    }
  for (int i = 0; i < nc; i++) check_client(&cl[i]);

  rtsp_server_close(srv);
  rtsp_poll_free(loop);
  free(h264.buf);
  free(h264.au_off);
  free(h264.au_len);
  free(h265.buf);
  free(h265.au_off);
  free(h265.au_len);
  free(ulaw);
  return CHECK_DONE();
}
