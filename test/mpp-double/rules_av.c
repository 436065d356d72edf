/* The rules of VDEC, connector + VO and AI/AO (vdec.c, vo.c, audio.c): one row each, citing the
 * vendor line that shows it (README.md, "Rules"), in a table of their own beside rules.c.
 * MPP24 = the 2024 MPP hal/k230 links against; CANMV24 = the 2024 CanMV MicroPython port;
 * MPP26 = the current MPP's headers; SDK26 = the newer RT-Smart SDK's MPP (the layer-id VO API:
 * its mpi_vo_api.h and the vendor's own wrapper over it, kd_display.c / kd_display.h). */
#include "double.h"

#define MPP24 "canmv-k230/mpp@a94906c:"
#define CANMV24 "kendryte/k230_canmv@208039d:micropython/port/"
#define MEDIA24 CANMV24 "builtin_py/media/"
#define MPP26_VO "canmv-k230/mpp@8a886b7:include/comm/k_vo_comm.h"
#define VDEC_H MPP24 "userapps/api/mpi_vdec_api.h"
#define VO_H MPP24 "userapps/api/mpi_vo_api.h"
#define SAMPLE_VDEC MPP24 "userapps/sample/sample_vdec/sample_vdec.c"
#define SAMPLE_AUDIO MPP24 "userapps/sample/sample_audio/audio_sample.c"
#define SDK26 "sgf201/k230_pangofly@1aea4ae:src/rtsmart/mpp/"
#define VO26_H SDK26 "userapps/api/mpi_vo_api.h"
#define KD_DISPLAY SDK26 "userapps/src/framework/kd_display.c"
#define KD_DISPLAY_H SDK26 "userapps/api/framework/kd_display.h"

/* clang-format off */
const dbl_rule_def dbl_rules_av[] = {
  /* ---- VDEC ---- */
  {"VDEC-VB-FIRST", "VB is initialised before kd_mpi_vdec_create_chn", SAMPLE_VDEC ":468, " SAMPLE_VDEC ":501"},
  {"VDEC-OUTPUT-POOL", "(MPP without attach_vb_pool) frame_buf_pool_id is a pool of frame_buf_cnt blocks of at least frame_buf_size bytes", MEDIA24 "vdecoder.py:33, " MEDIA24 "vdecoder.py:81, " SAMPLE_VDEC ":500"},
  {"VDEC-START-CREATED", "kd_mpi_vdec_start_chn after kd_mpi_vdec_create_chn", VDEC_H ":68"},
  {"VDEC-SEND-STARTED", "kd_mpi_vdec_send_stream on a started channel", VDEC_H ":107"},
  {"VDEC-STREAM-VB", "a stream's len bytes at phy_addr lie inside one VB block (the app's input pool)", MEDIA24 "vdecoder.py:160, " MEDIA24 "vdecoder.py:171, " SAMPLE_VDEC ":239"},
  {"VDEC-STREAM-SIZE", "a stream holds at most stream_buf_size bytes", SAMPLE_VDEC ":222, " MEDIA24 "vdecoder.py:79, " MEDIA24 "vdecoder.py:151"},
  {"VDEC-GET-STARTED", "kd_mpi_vdec_get_frame on a started channel", VDEC_H ":122"},
  {"VDEC-RELEASE-GOT", "kd_mpi_vdec_release_frame gives back a frame kd_mpi_vdec_get_frame gave", VDEC_H ":135"},
  {"VDEC-STOP-STARTED", "kd_mpi_vdec_stop_chn on a started channel", VDEC_H ":80"},
  {"VDEC-EOS-BEFORE-STOP", "a channel is stopped after an end_of_stream stream was sent and query_status reports end_of_stream", MEDIA24 "vdecoder.py:95, " MEDIA24 "vdecoder.py:136, " MEDIA24 "vdecoder.py:143, " SAMPLE_VDEC ":325, " SAMPLE_VDEC ":524"},
  {"VDEC-DESTROY-STOPPED", "kd_mpi_vdec_destroy_chn on a stopped channel", VDEC_H ":92"},
  {"VDEC-UNBIND-BEFORE-DESTROY", "a bound channel is unbound before it is destroyed", SAMPLE_VDEC ":521, " SAMPLE_VDEC ":527"},
  /* ---- connector + VO ---- */
  {"VO-LAYER0-UNUSED", "video layer 0 (VO channel 0) is not used: CanMV's LAYER_VIDEO1 is layer 1", MEDIA24 "display.py:66, " MEDIA24 "display.py:89, " SAMPLE_VDEC ":54, " MPP26_VO ":51"},
  {"VO-VIDEO-NV12", "a video layer shows PIXEL_FORMAT_YUV_SEMIPLANAR_420", MEDIA24 "display.py:426, " VO26_H ":34, " VO26_H ":36, " MPP26_VO ":78"},
  {"VO-LAYER-WIDTH8", "a layer's width is a multiple of 8 pixels", MEDIA24 "display.py:451, " MEDIA24 "display.py:501, " MEDIA24 "display.py:572"},
  {"VO-LAYER-STRIDE", "a video layer's stride is (width / 8 - 1) + ((height - 1) << 16)", MEDIA24 "display.py:468"},
  {"VO-ROTATION-LAYER1", "only video layer 1 turns pictures by 90 or 270 degrees", MEDIA24 "display.py:74, " MEDIA24 "display.py:444"},
  {"VO-LAYER-IN-PANEL", "a layer's rectangle, in the size its func turns the picture to, lies on the panel (hdisplay x vdisplay)", MEDIA24 "display.py:447, " MEDIA24 "display.py:252, " SAMPLE_VDEC ":341, " SAMPLE_VDEC ":345"},
  {"VO-OSD-FORMAT", "an OSD layer shows ARGB/ABGR 8888, RGB/BGR 888, RGB/BGR 565 little-endian (_LE) or 8-bit monochrome", MEDIA24 "display.py:516, " MEDIA24 "display.py:520, " MEDIA24 "display.py:582"},
  {"VO-OSD-STRIDE", "an OSD layer's stride is width x bytes per pixel / 8", MEDIA24 "display.py:517, " MEDIA24 "display.py:521"},
  {"VO-LAYER-ATTR-FIRST", "a layer is enabled after its attributes are set", MEDIA24 "display.py:475, " MEDIA24 "display.py:476"},
  {"VO-DEV-ATTR-FIRST", "(layer-id API) layers are set after kd_mpi_vo_set_dev_attr, which follows the connector's init", KD_DISPLAY ":75, " KD_DISPLAY ":96, " KD_DISPLAY_H ":82"},
  {"VO-LAYER-ID-MATCH", "(layer-id API) kd_mpi_vo_set_layer_attr's attr.layer_id is the layer it is called for", KD_DISPLAY ":186, " KD_DISPLAY ":196, " MPP26_VO ":75"},
  {"VO-LAYER-OSD-FORMAT", "(layer-id API) an OSD layer (4-7) shows a format mpi_vo_api.h lists for OSD layers", VO26_H ":38, " VO26_H ":58, " MPP26_VO ":55"},
  {"VO-PANEL-OFF-FIRST", "(layer-id API) at teardown the panel is powered off before the layers, the write-back and the VO device go", KD_DISPLAY ":113, " KD_DISPLAY ":120, " KD_DISPLAY ":135"},
  {"VO-CLEAR-AFTER-DISABLE", "(layer-id API) kd_mpi_vo_clr_dev_attr comes after every layer and the write-back are disabled", KD_DISPLAY ":129, " KD_DISPLAY ":130, " KD_DISPLAY ":133, " KD_DISPLAY ":135"},
  {"VO-CLEAR-AT-END", "(layer-id API) a display brought up with the connector and kd_mpi_vo_set_dev_attr is taken down with kd_mpi_vo_clr_dev_attr", KD_DISPLAY ":96, " KD_DISPLAY ":135"},
  {"VO-DISABLE-ENABLED", "(2024 API) a layer is disabled only while it is enabled (the layer-id API's kd_display_deinit disables all, " KD_DISPLAY ":129)", VO_H ":241, " VO_H ":351"},
  {"VO-INSERT-VB", "kd_mpi_vo_chn_insert_frame / kd_mpi_vo_insert_frame takes a picture inside one VB block", VO_H ":367, " VO_H ":368, " VO26_H ":85"},
  {"VO-WBC-ATTR-FIRST", "kd_mpi_vo_enable_wbc after kd_mpi_vo_set_wbc_attr", VO_H ":296"},
  {"VO-WBC-TARGET", "(MPP with target_size) the write-back is YUV420 of the VO's output size (the panel's hdisplay x vdisplay)", VO_H ":323, " VO_H ":324, " CANMV24 "omv/ide_dbg.c:425, " MEDIA24 "display.py:289"},
  {"VO-WBC-COMMON-POOL", "(MPP without blk_cnt) write-back frames come from common VB blocks of width x height x 2 bytes", MEDIA24 "display.py:263, " MEDIA24 "display.py:264"},
  {"VO-WBC-DUMP-ENABLED", "kd_mpi_wbc_dump_frame while write-back is enabled", CANMV24 "omv/ide_dbg.c:818, " CANMV24 "omv/ide_dbg.c:820"},
  {"VO-WBC-RELEASE", "every write-back frame is given back once with kd_mpi_wbc_dump_release", CANMV24 "omv/ide_dbg.c:820, " CANMV24 "omv/ide_dbg.c:922"},
  {"VO-WBC-DISABLE-ENABLED", "(2024 API) kd_mpi_vo_disable_wbc only while write-back is enabled (the layer-id API's kd_display_deinit disables it always, " KD_DISPLAY ":133)", VO_H ":309"},
  {"VO-RESET-AT-END", "a display brought up with kd_mpi_connector_init is taken down with kd_display_reset", MEDIA24 "display.py:334, " VO_H ":62"},
  /* ---- AI / AO ---- */
  {"AI-ATTR-FIRST", "kd_mpi_ai_enable after kd_mpi_ai_set_pub_attr", MEDIA24 "pyaudio.py:264, " MEDIA24 "pyaudio.py:268"},
  {"AI-VB-FIRST", "VB is configured and initialised before an AI device is enabled", MEDIA24 "pyaudio.py:245, " MEDIA24 "pyaudio.py:55"},
  {"AI-COMMON-POOL", "(2024 MPP) AI frames come from common VB blocks of point_num_per_frame x 2 x 4 bytes", MEDIA24 "pyaudio.py:17, " MEDIA24 "pyaudio.py:18, " SAMPLE_AUDIO ":443, " SAMPLE_AUDIO ":444"},
  {"AI-CHN-AFTER-DEV", "kd_mpi_ai_enable_chn after kd_mpi_ai_enable", MEDIA24 "pyaudio.py:268, " MEDIA24 "pyaudio.py:274"},
  {"AI-GET-ENABLED", "kd_mpi_ai_get_frame on an enabled channel", MEDIA24 "pyaudio.py:296, " MEDIA24 "pyaudio.py:297"},
  {"AI-RELEASE-GOT", "kd_mpi_ai_release_frame gives back a frame kd_mpi_ai_get_frame gave", MEDIA24 "pyaudio.py:297, " MEDIA24 "pyaudio.py:302, " SAMPLE_AUDIO ":237"},
  {"AI-CHN-OFF-FIRST", "the channel is disabled before its AI device", MEDIA24 "pyaudio.py:282, " MEDIA24 "pyaudio.py:288"},
  {"AO-ATTR-FIRST", "kd_mpi_ao_enable after kd_mpi_ao_set_pub_attr", MEDIA24 "pyaudio.py:176, " MEDIA24 "pyaudio.py:180"},
  {"AO-CHN-AFTER-DEV", "kd_mpi_ao_enable_chn after kd_mpi_ao_enable", MEDIA24 "pyaudio.py:180, " MEDIA24 "pyaudio.py:186"},
  {"AO-SEND-ENABLED", "kd_mpi_ao_send_frame on an enabled channel", MEDIA24 "pyaudio.py:209, " MEDIA24 "pyaudio.py:211"},
  {"AO-FRAME-VB", "a frame sent to the AO is len bytes inside one VB block", MEDIA24 "pyaudio.py:146, " MEDIA24 "pyaudio.py:150, " MEDIA24 "pyaudio.py:152, " SAMPLE_AUDIO ":337"},
  {"AO-CHN-OFF-FIRST", "the channel is disabled before its AO device", MEDIA24 "pyaudio.py:194, " MEDIA24 "pyaudio.py:200"},
};
/* clang-format on */
const int dbl_rule_av_count = (int)(sizeof dbl_rules_av / sizeof dbl_rules_av[0]);
