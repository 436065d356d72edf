/*
 * k230:audio — audio in and out on hal/audio.h (CanMV pyaudio), G.711 on libs/media (CanMV
 * media.g711) and 16-bit PCM WAV files (CanMV media.wave). Types: js-lib/types/k230-audio.d.ts.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio_pipe.h"
#include "hal/audio.h"
#include "base/errors.h"
#include "kjs/args.h"
#include "kjs/class.h"
#include "kjs/errors.h"
#include "kjs/media.h"
#include "kjs/modules.h"
#include "kjs/paths.h"
#include "kjs/vm.h"
#include "media/g711.h"

/* ---- private structs ---- */

typedef struct audio_port {
  hal_handle h; /* 0 once closed */
  hal_audio_config cfg;
  audio_pipe *pipe; /* AudioIn.pipeTo: the input is the pipe's while it runs */
} audio_port;

/* ---- class ids ---- */

static JSClassID ain_class_id, aout_class_id;

/* ---- close / finalize ---- */

static void ain_finalizer(JSRuntime *rt, JSValueConst val) {
  audio_port *p = JS_GetOpaque(val, ain_class_id);
  if (!p) return;
  audio_pipe_stop(p->pipe, rt);
  if (p->h) {
    hal_audio_in_close(p->h);
    kjs_media_disown(rt, p->h);
  }
  free(p);
}

static void ain_gc_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark_func) {
  audio_port *p = JS_GetOpaque(val, ain_class_id);
  if (p) audio_pipe_mark(rt, p->pipe, mark_func);
}

static void aout_finalizer(JSRuntime *rt, JSValueConst val) {
  audio_port *p = JS_GetOpaque(val, aout_class_id);
  if (!p) return;
  if (p->h) {
    hal_audio_out_close(p->h);
    kjs_media_disown(rt, p->h);
  }
  free(p);
}

/* ---- class defs ---- */

static const JSClassDef ain_class = {"AudioIn", .finalizer = ain_finalizer, .gc_mark = ain_gc_mark};
static const JSClassDef aout_class = {"AudioOut", .finalizer = aout_finalizer};

/* ---- helpers ---- */

static int config_from(JSContext *ctx, JSValueConst opts, const char *fn, hal_audio_config *cfg) {
  static const char *const devs[] = {"i2s", "pdm", NULL};
  int dev;
  int64_t rate, ch, spf;
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("dev", "rate", "channels", "samplesPerFrame")) < 0 ||
      kjs_opt_enum(ctx, opts, fn, "dev", devs, 0, &dev) < 0 ||
      kjs_opt_int(ctx, opts, fn, "rate", 8000, 8000, 192000, &rate) < 0 ||
      kjs_opt_int(ctx, opts, fn, "channels", 1, 1, 2, &ch) < 0 ||
      kjs_opt_int(ctx, opts, fn, "samplesPerFrame", 320, 1, 8192, &spf) < 0)
    return -1;
  cfg->dev = (hal_audio_dev)dev;
  cfg->rate = (uint32_t)rate;
  cfg->channels = (uint32_t)ch;
  cfg->samples_per_frame = (uint32_t)spf;
  return 0;
}

static JSValue new_port(JSContext *ctx, JSValueConst new_target, JSClassID id, audio_port *p) {
  JSValue obj = kjs_class_new_instance(ctx, new_target, id);
  if (!JS_IsException(obj)) JS_SetOpaque(obj, p);
  return obj;
}

static audio_port *port_of(JSContext *ctx, JSValueConst this_val, JSClassID id, const char *fn) {
  audio_port *p = JS_GetOpaque2(ctx, this_val, id);
  if (p && !p->h) {
    kjs_throw(ctx, ERR_ECLOSED, "%s: the port is closed", fn);
    return NULL;
  }
  return p;
}

/* ---- AudioIn ---- */

static JSValue ain_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  static const char fn[] = "new AudioIn";
  audio_port *p = calloc(1, sizeof *p);
  if (!p) return JS_ThrowOutOfMemory(ctx);
  if (config_from(ctx, argc > 0 ? argv[0] : JS_UNDEFINED, fn, &p->cfg) < 0) {
    free(p);
    return JS_EXCEPTION;
  }
  int rc = hal_audio_in_open(&p->cfg, &p->h);
  if (!rc && (rc = kjs_media_own(JS_GetRuntime(ctx), p->h))) hal_audio_in_close(p->h);
  if (rc) {
    free(p);
    return kjs_throw(ctx, rc, "%s: %s", fn, err_str(rc));
  }
  JSValue obj = new_port(ctx, new_target, ain_class_id, p);
  if (JS_IsException(obj)) {
    hal_audio_in_close(p->h);
    kjs_media_disown(JS_GetRuntime(ctx), p->h);
    free(p);
  }
  return obj;
}

static JSValue ain_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "AudioIn.read";
  audio_port *p = port_of(ctx, this_val, ain_class_id, fn);
  if (!p) return JS_EXCEPTION;
  int64_t timeout = 1000;
  if (argc > 0 && !JS_IsUndefined(argv[0]) &&
      kjs_get_int(ctx, argv[0], "AudioIn.read: timeoutMs", -1, 86400000, &timeout) < 0)
    return JS_EXCEPTION;
  if (p->pipe) return kjs_throw(ctx, ERR_EBUSY, "%s: the input is piped (pipeTo)", fn);
  hal_audio_frame *f;
  int rc = hal_audio_in_read(p->h, &f, (int)timeout);
  if (rc == ERR_ETIMEDOUT) return JS_NULL;
  if (rc) return kjs_throw(ctx, rc, "%s: %s", fn, err_str(rc));
  /* Audio frames are small (640 bytes at 8 kHz / 40 ms): a copy frees the HAL slot at once. */
  JSValue data = JS_NewArrayBufferCopy(ctx, (const uint8_t *)f->samples,
                                       (size_t)f->samples_per_channel * f->channels * sizeof(int16_t));
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "data", data);
  JS_SetPropertyStr(ctx, o, "samples", JS_NewUint32(ctx, f->samples_per_channel));
  JS_SetPropertyStr(ctx, o, "channels", JS_NewUint32(ctx, f->channels));
  JS_SetPropertyStr(ctx, o, "ptsUs", JS_NewInt64(ctx, (int64_t)f->pts_us));
  JS_SetPropertyStr(ctx, o, "seq", JS_NewUint32(ctx, f->seq));
  hal_audio_in_release(p->h, f);
  return o;
}

/* audioIn.pipeTo(target, {codec: "alaw" | "ulaw", onError}) (audio_pipe.h) */
static JSValue ain_pipe_to(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "AudioIn.pipeTo";
  static const char *const laws[] = {"alaw", "ulaw", "g711a", "g711u", NULL};
  audio_port *p = port_of(ctx, this_val, ain_class_id, fn);
  if (!p) return JS_EXCEPTION;
  JSValueConst opts = argc > 1 ? argv[1] : JS_UNDEFINED;
  int law;
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("codec", "onError")) < 0 ||
      kjs_opt_enum(ctx, opts, fn, "codec", laws, 1, &law) < 0)
    return JS_EXCEPTION;
  JSValue on_error = JS_IsObject(opts) ? JS_GetPropertyStr(ctx, opts, "onError") : JS_UNDEFINED;
  if (!JS_IsUndefined(on_error) && !JS_IsFunction(ctx, on_error)) {
    JS_FreeValue(ctx, on_error);
    return JS_ThrowTypeError(ctx, "%s: options.onError must be a function", fn);
  }
  if (p->pipe && !audio_pipe_error(p->pipe)) {
    JS_FreeValue(ctx, on_error);
    return kjs_throw(ctx, ERR_EBUSY, "%s: the input is piped already", fn);
  }
  if (p->cfg.rate != 8000 || p->cfg.channels != 1) {
    JS_FreeValue(ctx, on_error);
    return JS_ThrowRangeError(ctx, "%s: G.711 needs an 8000 Hz mono input (this one is %u Hz, %u channels)", fn,
                              p->cfg.rate, p->cfg.channels);
  }
  audio_pipe_stop(p->pipe, JS_GetRuntime(ctx)); /* one that failed */
  p->pipe = audio_pipe_start(ctx, p->h, argc > 0 ? argv[0] : JS_UNDEFINED, law % 2, on_error);
  JS_FreeValue(ctx, on_error);
  return p->pipe ? JS_UNDEFINED : JS_EXCEPTION;
}

/* ---- AudioOut ---- */

static JSValue aout_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  static const char fn[] = "new AudioOut";
  audio_port *p = calloc(1, sizeof *p);
  if (!p) return JS_ThrowOutOfMemory(ctx);
  if (config_from(ctx, argc > 0 ? argv[0] : JS_UNDEFINED, fn, &p->cfg) < 0) {
    free(p);
    return JS_EXCEPTION;
  }
  int rc = hal_audio_out_open(&p->cfg, &p->h);
  if (!rc && (rc = kjs_media_own(JS_GetRuntime(ctx), p->h))) hal_audio_out_close(p->h);
  if (rc) {
    free(p);
    return kjs_throw(ctx, rc, "%s: %s", fn, err_str(rc));
  }
  JSValue obj = new_port(ctx, new_target, aout_class_id, p);
  if (JS_IsException(obj)) {
    hal_audio_out_close(p->h);
    kjs_media_disown(JS_GetRuntime(ctx), p->h);
    free(p);
  }
  return obj;
}

static JSValue aout_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "AudioOut.write";
  audio_port *p = port_of(ctx, this_val, aout_class_id, fn);
  if (!p) return JS_EXCEPTION;
  const uint8_t *data;
  size_t len;
  int64_t timeout = 1000;
  if (argc < 1) return JS_ThrowTypeError(ctx, "%s(pcm) needs samples", fn);
  if (kjs_get_bytes(ctx, argv[0], "AudioOut.write: pcm", &data, &len) < 0) return JS_EXCEPTION;
  if (argc > 1 && !JS_IsUndefined(argv[1]) &&
      kjs_get_int(ctx, argv[1], "AudioOut.write: timeoutMs", -1, 86400000, &timeout) < 0)
    return JS_EXCEPTION;
  size_t frame = sizeof(int16_t) * p->cfg.channels;
  if (len % frame)
    return JS_ThrowRangeError(ctx, "%s: pcm must hold whole %u-channel 16-bit samples", fn, p->cfg.channels);
  int16_t *copy = malloc(len ? len : 1); /* aligned for the HAL */
  if (!copy) return JS_ThrowOutOfMemory(ctx);
  memcpy(copy, data, len);
  int rc = hal_audio_out_write(p->h, copy, (uint32_t)(len / frame), (int)timeout);
  free(copy);
  return rc ? kjs_throw(ctx, rc, "%s: %s", fn, err_str(rc)) : JS_UNDEFINED;
}

/* magic 0 AudioIn, 1 AudioOut */
static JSValue port_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  audio_port *p = JS_GetOpaque2(ctx, this_val, magic ? aout_class_id : ain_class_id);
  if (!p) return JS_EXCEPTION;
  audio_pipe_stop(p->pipe, JS_GetRuntime(ctx));
  p->pipe = NULL;
  if (p->h) {
    magic ? hal_audio_out_close(p->h) : hal_audio_in_close(p->h);
    kjs_media_disown(JS_GetRuntime(ctx), p->h);
  }
  p->h = 0;
  return JS_UNDEFINED;
}

/* magic: 0 rate, 1 channels, 2 samplesPerFrame, 3 closed (+8 for AudioOut) */
static JSValue port_get(JSContext *ctx, JSValueConst this_val, int magic) {
  audio_port *p = JS_GetOpaque2(ctx, this_val, magic >= 8 ? aout_class_id : ain_class_id);
  if (!p) return JS_EXCEPTION;
  switch (magic & 7) {
    case 0: return JS_NewUint32(ctx, p->cfg.rate);
    case 1: return JS_NewUint32(ctx, p->cfg.channels);
    case 2: return JS_NewUint32(ctx, p->cfg.samples_per_frame);
    default: return JS_NewBool(ctx, !p->h);
  }
}

/* ---- g711 ---- */

static int law_of(JSContext *ctx, int argc, JSValueConst *argv, const char *fn, int *law) {
  static const char *const laws[] = {"alaw", "ulaw", "g711a", "g711u", NULL};
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyStr(ctx, o, "law", JS_DupValue(ctx, argc > 1 ? argv[1] : JS_UNDEFINED));
  int r = kjs_opt_enum(ctx, o, fn, "law", laws, 1, law);
  JS_FreeValue(ctx, o);
  *law %= 2;
  return r;
}

static JSValue g711_encode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "g711.encode";
  const uint8_t *data;
  size_t len;
  int law;
  if (argc < 1) return JS_ThrowTypeError(ctx, "%s(pcm[, law]) needs samples", fn);
  if (kjs_get_bytes(ctx, argv[0], "g711.encode: pcm", &data, &len) < 0 || law_of(ctx, argc, argv, fn, &law) < 0)
    return JS_EXCEPTION;
  if (len % 2) return JS_ThrowRangeError(ctx, "%s: pcm must be 16-bit samples (an even byte count, got %zu)", fn, len);
  size_t n = len / 2;
  uint8_t *out = malloc(n ? n : 1);
  if (!out) return JS_ThrowOutOfMemory(ctx);
  for (size_t i = 0; i < n; i++) {
    int16_t s;
    memcpy(&s, data + 2 * i, 2);
    out[i] = law == 0 ? media_alaw_encode(s) : media_ulaw_encode(s);
  }
  JSValue r = JS_NewArrayBufferCopy(ctx, out, n);
  free(out);
  return r;
}

static JSValue g711_decode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "g711.decode";
  const uint8_t *data;
  size_t len;
  int law;
  if (argc < 1) return JS_ThrowTypeError(ctx, "%s(codes[, law]) needs data", fn);
  if (kjs_get_bytes(ctx, argv[0], "g711.decode: codes", &data, &len) < 0 || law_of(ctx, argc, argv, fn, &law) < 0)
    return JS_EXCEPTION;
  int16_t *out = malloc(len ? len * 2 : 2);
  if (!out) return JS_ThrowOutOfMemory(ctx);
  if (law == 0) media_alaw_decode_buf(data, out, len);
  else media_ulaw_decode_buf(data, out, len);
  JSValue r = JS_NewArrayBufferCopy(ctx, (const uint8_t *)out, len * 2);
  free(out);
  return r;
}

/* ---- WAV (RIFF WAVE, PCM 16-bit) ---- */

static FILE *open_mapped(JSContext *ctx, JSValueConst pathv, const char *mode, const char *fn) {
  const char *path = JS_IsString(pathv) ? JS_ToCString(ctx, pathv) : NULL;
  if (!path) {
    JS_ThrowTypeError(ctx, "%s: path must be a string", fn);
    return NULL;
  }
  char host[PATH_MAX];
  int rc = kjs_path_map(kjs_vm_from_context(ctx), path, host, sizeof host);
  FILE *f = rc ? NULL : fopen(host, mode);
  if (!f) kjs_throw(ctx, rc ? rc : ERR_ENOENT, "%s: cannot open '%s'", fn, path);
  JS_FreeCString(ctx, path);
  return f;
}

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static JSValue wav_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "readWav";
  FILE *f = open_mapped(ctx, argc > 0 ? argv[0] : JS_UNDEFINED, "rb", fn);
  if (!f) return JS_EXCEPTION;
  uint8_t hdr[12], ch[8];
  uint16_t fmt = 0, channels = 0, bits = 0;
  uint32_t rate = 0;
  JSValue result = JS_UNDEFINED;
  if (fread(hdr, 1, 12, f) != 12 || memcmp(hdr, "RIFF", 4) || memcmp(hdr + 8, "WAVE", 4)) goto bad;
  /* Walk the chunks: fmt first, then data (others are skipped, padded to even sizes). */
  while (fread(ch, 1, 8, f) == 8) {
    uint32_t size = rd32(ch + 4);
    if (!memcmp(ch, "fmt ", 4)) {
      uint8_t b[16];
      if (size < 16 || fread(b, 1, 16, f) != 16) goto bad;
      fmt = rd16(b);
      channels = rd16(b + 2);
      rate = rd32(b + 4);
      bits = rd16(b + 14);
      if (fseek(f, (long)(size - 16 + (size & 1)), SEEK_CUR)) goto bad;
    } else if (!memcmp(ch, "data", 4)) {
      if (fmt != 1 || bits != 16 || channels < 1 || channels > 8 || !rate) {
        fclose(f);
        return kjs_throw(ctx, ERR_ENOTSUP, "%s: only 16-bit PCM WAV is supported (format %u, %u bits)", fn, fmt, bits);
      }
      if (size > (1u << 30)) goto bad;
      uint8_t *data = malloc(size ? size : 1);
      if (!data) {
        fclose(f);
        return JS_ThrowOutOfMemory(ctx);
      }
      size_t got = fread(data, 1, size, f);
      got -= got % (2u * channels); /* a cut file keeps its whole samples */
      result = JS_NewObject(ctx);
      JS_SetPropertyStr(ctx, result, "sampleRate", JS_NewUint32(ctx, rate));
      JS_SetPropertyStr(ctx, result, "channels", JS_NewUint32(ctx, channels));
      JS_SetPropertyStr(ctx, result, "bitsPerSample", JS_NewUint32(ctx, bits));
      JS_SetPropertyStr(ctx, result, "data", JS_NewArrayBufferCopy(ctx, data, got));
      free(data);
      fclose(f);
      return result;
    } else if (fseek(f, (long)size + (size & 1), SEEK_CUR)) {
      goto bad;
    }
  }
bad:
  fclose(f);
  return kjs_throw(ctx, ERR_EBADDATA, "%s: not a PCM WAV file", fn);
}

static void wr32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static JSValue wav_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  static const char fn[] = "writeWav";
  JSValueConst opts = argc > 1 ? argv[1] : JS_UNDEFINED;
  if (!JS_IsObject(opts)) return JS_ThrowTypeError(ctx, "%s(path, {sampleRate, channels, data}) needs options", fn);
  if (kjs_check_options(ctx, opts, fn, KJS_OPTIONS("sampleRate", "channels", "data")) < 0) return JS_EXCEPTION;
  int64_t rate, channels;
  if (kjs_opt_int(ctx, opts, fn, "sampleRate", 8000, 1000, 384000, &rate) < 0 ||
      kjs_opt_int(ctx, opts, fn, "channels", 1, 1, 8, &channels) < 0)
    return JS_EXCEPTION;
  JSValue dv = JS_GetPropertyStr(ctx, opts, "data");
  const uint8_t *data;
  size_t len;
  int r = kjs_get_bytes(ctx, dv, "writeWav: options.data", &data, &len);
  if (r < 0) {
    JS_FreeValue(ctx, dv);
    return JS_EXCEPTION;
  }
  if (len % (2 * (size_t)channels) || len > 0xFFFFFF00u) {
    JS_FreeValue(ctx, dv);
    return JS_ThrowRangeError(ctx, "%s: options.data must hold whole 16-bit %d-channel samples", fn, (int)channels);
  }
  FILE *f = open_mapped(ctx, argc > 0 ? argv[0] : JS_UNDEFINED, "wb", fn);
  if (!f) {
    JS_FreeValue(ctx, dv);
    return JS_EXCEPTION;
  }
  uint8_t h[44];
  memcpy(h, "RIFF", 4);
  wr32(h + 4, (uint32_t)(36 + len));
  memcpy(h + 8, "WAVEfmt ", 8);
  wr32(h + 16, 16);
  h[20] = 1, h[21] = 0;
  h[22] = (uint8_t)channels, h[23] = 0;
  wr32(h + 24, (uint32_t)rate);
  wr32(h + 28, (uint32_t)(rate * channels * 2));
  h[32] = (uint8_t)(channels * 2), h[33] = 0;
  h[34] = 16, h[35] = 0;
  memcpy(h + 36, "data", 4);
  wr32(h + 40, (uint32_t)len);
  bool ok = fwrite(h, 1, 44, f) == 44 && fwrite(data, 1, len, f) == len;
  ok = (fclose(f) == 0) && ok;
  JS_FreeValue(ctx, dv);
  return ok ? JS_UNDEFINED : kjs_throw(ctx, ERR_EIO, "%s: write failed", fn);
}

/* ---- function lists ---- */

static const JSCFunctionListEntry ain_proto_funcs[] = {
    JS_CFUNC_DEF("read", 1, ain_read),
    JS_CFUNC_DEF("pipeTo", 2, ain_pipe_to),
    JS_CFUNC_MAGIC_DEF("close", 0, port_close, 0),
    JS_CGETSET_MAGIC_DEF("rate", port_get, NULL, 0),
    JS_CGETSET_MAGIC_DEF("channels", port_get, NULL, 1),
    JS_CGETSET_MAGIC_DEF("samplesPerFrame", port_get, NULL, 2),
    JS_CGETSET_MAGIC_DEF("closed", port_get, NULL, 3),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "AudioIn", JS_PROP_CONFIGURABLE),
};

static const JSCFunctionListEntry aout_proto_funcs[] = {
    JS_CFUNC_DEF("write", 2, aout_write),
    JS_CFUNC_MAGIC_DEF("close", 0, port_close, 1),
    JS_CGETSET_MAGIC_DEF("rate", port_get, NULL, 8),
    JS_CGETSET_MAGIC_DEF("channels", port_get, NULL, 9),
    JS_CGETSET_MAGIC_DEF("samplesPerFrame", port_get, NULL, 10),
    JS_CGETSET_MAGIC_DEF("closed", port_get, NULL, 11),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "AudioOut", JS_PROP_CONFIGURABLE),
};

static const JSCFunctionListEntry g711_funcs[] = {
    JS_CFUNC_DEF("encode", 2, g711_encode),
    JS_CFUNC_DEF("decode", 2, g711_decode),
    JS_PROP_STRING_DEF("ALAW", "alaw", 0),
    JS_PROP_STRING_DEF("ULAW", "ulaw", 0),
};

static const JSCFunctionListEntry module_funcs[] = {
    JS_CFUNC_DEF("readWav", 1, wav_read),
    JS_CFUNC_DEF("writeWav", 2, wav_write),
    JS_OBJECT_DEF("g711", g711_funcs, sizeof g711_funcs / sizeof g711_funcs[0], JS_PROP_CONFIGURABLE),
};

/* ---- init ---- */

static int audio_module_init(JSContext *ctx, JSModuleDef *m) {
  JS_SetModuleExport(ctx, m, "AudioIn",
                     kjs_class_create(ctx, &ain_class_id, &ain_class, ain_ctor, 1, ain_proto_funcs,
                                      sizeof ain_proto_funcs / sizeof ain_proto_funcs[0]));
  JS_SetModuleExport(ctx, m, "AudioOut",
                     kjs_class_create(ctx, &aout_class_id, &aout_class, aout_ctor, 1, aout_proto_funcs,
                                      sizeof aout_proto_funcs / sizeof aout_proto_funcs[0]));
  return JS_SetModuleExportList(ctx, m, module_funcs, sizeof module_funcs / sizeof module_funcs[0]);
}

JSModuleDef *kjs_mod_audio_init(JSContext *ctx, const char *name) {
  JSModuleDef *m = JS_NewCModule(ctx, name, audio_module_init);
  if (!m) return NULL;
  JS_AddModuleExport(ctx, m, "AudioIn");
  JS_AddModuleExport(ctx, m, "AudioOut");
  JS_AddModuleExportList(ctx, m, module_funcs, sizeof module_funcs / sizeof module_funcs[0]);
  return m;
}
