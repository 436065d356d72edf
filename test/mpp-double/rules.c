/* The MPP double's rules: one row each, citing the vendor line that shows it (README.md).
 * MPP24 = the 2024 MPP hal/k230 links against; CANMV24 = the 2024 CanMV MicroPython port;
 * MPP26 = the current MPP's headers (generation-specific rows say which headers apply). */
#include "double.h"

#define MPP24 "canmv-k230/mpp@a94906c:"
#define CANMV24 "kendryte/k230_canmv@208039d:micropython/port/builtin_py/media/"
#define MPP26 "canmv-k230/mpp@12db34c:"

/* clang-format off */
const dbl_rule_def dbl_rules[] = {
  /* ---- VB ---- */
  {"VB-CONFIG-BEFORE-INIT", "kd_mpi_vb_set_config only while VB is not initialised", MPP24 "userapps/api/mpi_vb_api.h:245"},
  {"VB-INIT-CONFIGURED", "kd_mpi_vb_init only after kd_mpi_vb_set_config", MPP24 "userapps/api/mpi_vb_api.h:216"},
  {"VB-SUPPLEMENT-BEFORE-INIT", "kd_mpi_vb_set_supplement_config before kd_mpi_vb_init", MPP24 "userapps/api/mpi_vb_api.h:193, " CANMV24 "media.py:185"},
  {"VB-EXIT-IDLE", "kd_mpi_vb_exit only when no VB block is occupied", MPP24 "userapps/api/mpi_vb_api.h:230"},
  {"VB-EXIT-AT-END", "a process that initialised VB calls kd_mpi_vb_exit before it ends", CANMV24 "media.py:215, " MPP24 "userapps/sample/sample_venc/sample_venc.c:304"},
  {"VB-POOL-AFTER-INIT", "kd_mpi_vb_create_pool after kd_mpi_vb_init", MPP24 "userapps/sample/sample_vb/sample_vb.c:110, " MPP24 "userapps/sample/sample_vb/sample_vb.c:150"},
  {"VB-DESTROY-OWN", "kd_mpi_vb_destory_pool only on an existing pool made by kd_mpi_vb_create_pool", MPP24 "userapps/api/mpi_vb_api.h:66, " MPP24 "userapps/api/mpi_vb_api.h:67"},
  {"VB-DESTROY-IDLE", "a pool's blocks are released before the pool is destroyed", MPP24 "userapps/sample/sample_vb/sample_vb.c:211, " MPP24 "userapps/sample/sample_vb/sample_vb.c:216"},
  {"VB-GET-SIZE", "kd_mpi_vb_get_block from a pool asks at most the pool's block size", MPP24 "userapps/api/mpi_vb_api.h:84"},
  {"VB-RELEASE-HELD", "kd_mpi_vb_release_block only on a block the caller holds", MPP24 "userapps/sample/sample_vb/sample_vb.c:236, " MPP24 "userapps/sample/sample_vb/sample_vb.c:381"},
  /* ---- MMZ / sys ---- */
  {"MMZ-MUNMAP-PAIR", "kd_mpi_sys_munmap(virt, size) undoes a kd_mpi_sys_mmap that returned virt for that size", MPP24 "userapps/sample/sample_venc/sample_venc.c:348, " MPP24 "userapps/sample/sample_venc/sample_venc.c:352"},
  {"SYS-BIND-ONE-SOURCE", "a destination channel has one bound source", MPP24 "userapps/api/mpi_sys_api.h:230"},
  {"SYS-UNBIND-BOUND", "kd_mpi_sys_unbind names a pair kd_mpi_sys_bind bound", MPP24 "userapps/sample/sample_venc/sample_venc.c:388, " MPP24 "userapps/sample/sample_venc/sample_venc.c:413"},
  /* ---- sensor / VICAP ---- */
  {"VICAP-DEFAULT-MIRROR", "dev_attr.mirror is the probe's default mirror unless the app flips it", CANMV24 "sensor.py:176, " CANMV24 "sensor.py:192"},
  {"VICAP-WIDTH16", "a channel's output width is a multiple of 16", CANMV24 "sensor.py:581"},
  {"VICAP-OUT-FORMAT", "a channel outputs YUV420SP, RGB888 or RGB888 planar (RGB565 and GRAYSCALE are made from RGB888 and YUV420SP)", CANMV24 "sensor.py:461, " CANMV24 "sensor.py:464"},
  {"VICAP-BUFFER-SIZE", "a channel's buffer_size holds one picture of out_win in pix_format", CANMV24 "sensor.py:479, " CANMV24 "sensor.py:481"},
  {"VICAP-ATTR-BEFORE-INIT", "device and channel attributes are set before kd_mpi_vicap_init", MPP24 "userapps/api/mpi_vicap_api.h:142"},
  {"VICAP-VB-FIRST", "VB is initialised before kd_mpi_vicap_init", MPP24 "userapps/sample/sample_vicap/sample_vicap.c:1376, " MPP24 "userapps/sample/sample_vicap/sample_vicap.c:1481"},
  {"VICAP-COMMON-POOL", "(MPP without buffer_pool_id) buffer_num free common blocks of buffer_size per channel at kd_mpi_vicap_init", CANMV24 "sensor.py:497, " MPP24 "userapps/sample/sample_vicap/sample_vicap.c:281"},
  {"VICAP-POOL-ID", "(MPP with buffer_pool_id) buffer_pool_id is VB_INVALID_POOLID (auto-created) or a pool whose blocks hold buffer_size", MPP26 "include/comm/k_vicap_comm.h:411"},
  {"VICAP-ENCODER-ALIGN", "a channel bound to the encoder has alignment 12 (4 KiB planes)", CANMV24 "mp4format.py:73, " CANMV24 "rtspserver.py:51"},
  {"VICAP-DUMP-YUV", "kd_mpi_vicap_dump_frame is asked for VICAP_DUMP_YUV", CANMV24 "sensor.py:356, " MPP24 "userapps/sample/sample_vicap/sample_vicap.c:1558"},
  {"VICAP-DUMP-RELEASE", "a dumped frame is released once with kd_mpi_vicap_dump_release, before the stream stops", MPP24 "userapps/sample/sample_vicap/sample_vicap.c:1634, " MPP24 "userapps/sample/sample_vicap/sample_vicap.c:1775"},
  {"VICAP-STOP-BEFORE-DEINIT", "kd_mpi_vicap_stop_stream before kd_mpi_vicap_deinit", CANMV24 "sensor.py:882, " CANMV24 "sensor.py:886"},
  /* ---- VENC ---- */
  {"VENC-VB-FIRST", "VB is initialised before kd_mpi_venc_create_chn", MPP24 "userapps/sample/sample_venc/sample_venc.c:566, " MPP24 "userapps/sample/sample_venc/sample_venc.c:584"},
  {"VENC-COMMON-OUTBUF", "(MPP without attach_vb_pool) stream_buf_cnt free common blocks of stream_buf_size exist at kd_mpi_venc_create_chn", CANMV24 "vencoder.py:51, " CANMV24 "vencoder.py:62, " MPP24 "userapps/sample/sample_venc/sample_venc.c:283"},
  {"VENC-JPEG-SUPPLEMENT", "a JPEG channel needs VB initialised with VB_SUPPLEMENT_JPEG_MASK", CANMV24 "media.py:184, " MPP24 "userapps/api/mpi_vb_api.h:189"},
  {"VENC-START-CREATED", "kd_mpi_venc_start_chn after kd_mpi_venc_create_chn", MPP24 "userapps/api/mpi_venc_api.h:69"},
  {"VENC-STOP-BEFORE-DESTROY", "kd_mpi_venc_destroy_chn after kd_mpi_venc_stop_chn", MPP24 "userapps/api/mpi_venc_api.h:95, " MPP24 "userapps/sample/sample_venc/sample_venc.c:503"},
  {"VENC-UNBIND-BEFORE-DESTROY", "a bound channel is unbound before it is destroyed", MPP24 "userapps/sample/sample_venc/sample_venc.c:501, " MPP24 "userapps/sample/sample_venc/sample_venc.c:507"},
  {"VENC-PACKS-FIT", "kd_mpi_venc_get_stream's pack array holds the cur_packs kd_mpi_venc_query_status reported", MPP24 "userapps/sample/sample_venc/sample_venc.c:330, " MPP24 "userapps/sample/sample_venc/sample_venc.c:334"},
  {"VENC-RELEASE-LENT", "kd_mpi_venc_release_stream gives back a stream kd_mpi_venc_get_stream returned", MPP24 "userapps/api/mpi_venc_api.h:136"},
  {"VENC-RELEASE-BEFORE-DESTROY", "every stream got is released before the channel is destroyed", MPP24 "userapps/sample/sample_venc/sample_venc.c:357, " MPP24 "userapps/sample/sample_venc/sample_venc.c:507"},
};
/* clang-format on */
const int dbl_rule_count = (int)(sizeof dbl_rules / sizeof dbl_rules[0]);
