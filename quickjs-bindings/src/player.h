/*
 * player.h — the MP4 player's engine behind k230:media's Player (media_player.c): a file's
 * H.264/H.265 video and G.711 audio decoded and presented on a display layer and the audio
 * output, paced by one clock, with the whole per-frame path on three C threads:
 *   feeder  demuxer -> video decoder (frame mode); G.711 -> PCM -> the audio queue
 *   audio   audio queue -> hal_audio_out (the device paces it)
 *   video   decoded frames -> hal_display_show once the clock reaches their time
 * The clock is the audio device's position (hal_audio_out_position) when the file's audio is
 * played, else the monotonic clock; a frame later than LATE_MS is dropped, never shown late.
 * Seeks are frame-accurate: decoding restarts at the keyframe before the target and the frames
 * before it are decoded but not shown, the audio before it not played. Pausing freezes the clock
 * at once; the device plays out what it had queued, and resuming replays the audio from the
 * pause point so picture and sound continue together.
 *
 * No JavaScript here. Threads: every call from one (the loop) thread; on_event from a player
 * thread, once per playback (end of file, or a fatal error).
 */
#ifndef KJS_PLAYER_H
#define KJS_PLAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal/display.h"
#include "mp4/mp4.h"

typedef struct player player;

typedef enum player_event { PLAYER_EV_EOS = 0, PLAYER_EV_ERROR = 1 } player_event;
typedef void player_event_fn(void *user, player_event ev);

typedef struct player_info {
  int64_t duration_us;
  bool has_video;
  mp4_codec vcodec;
  int width, height;
  bool has_audio;
  mp4_codec acodec;
  int rate, channels;
  char warning[200]; /* what the demuxer dropped as damaged or truncated, "" if nothing */
} player_info;

typedef struct player_config {
  hal_handle display;      /* initialised by the caller */
  hal_display_layer layer; /* a video layer */
  bool audio;              /* play the audio track (when there is one) */
  player_event_fn *on_event;
  void *user;
} player_config;

typedef enum player_state { PLAYER_LOADED = 0, PLAYER_PLAYING, PLAYER_PAUSED, PLAYER_ENDED } player_state;

typedef struct player_stats {
  player_state state;
  uint64_t frames_decoded, frames_shown, frames_dropped, decode_errors;
  uint64_t audio_samples; /* written to the device */
  int64_t last_shown_us;  /* media time of the frame on screen, -1 before the first */
  bool audio_clock;       /* paced by the audio device */
  int error;              /* the fatal error that ended playback (0: none) */
  char error_text[256];
} player_stats;

/* Opens `path` (a host path) and reads its tracks. ERR_ENOTSUP when it has no H.264/H.265 video
 * and no G.711 audio; why gets a sentence on failure. */
int player_open(player **out, const char *path, char *why, size_t why_size);
const player_info *player_get_info(const player *p);
/* Creates the decoder and the audio output and starts playing from the beginning (or from the
 * last seek while loaded). ERR_EINVAL when the video does not fit the display. */
int player_start(player *p, const player_config *cfg, char *why, size_t why_size);
int player_pause(player *p);
int player_resume(player *p);
/* Media time in µs, clamped to the file; playback (or the paused picture) continues there. */
int player_seek(player *p, int64_t us);
/* Media time now, in µs. */
int64_t player_position_us(player *p);
void player_stats_get(player *p, player_stats *out);
/* Stops the threads, releases the decoder, the audio output and the layer; back to loaded, at
 * the beginning. Never calls on_event. */
void player_stop(player *p);
/* Stops and frees. */
void player_close(player *p);

#endif
