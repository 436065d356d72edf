/* PLACEHOLDER for the modules the double does not model yet: VDEC, VO + connector, AI/AO.
 * Each function hal/k230 calls is here only so the build links; a call records the violation
 * NOT-MODELLED and fails as an unsupported operation, so no test can pass through it unnoticed.
 * A module that models one of them (vdec.c, vo.c, audio.c, ...) replaces its functions here:
 * delete them from this file in the same commit (README.md, "Adding a module"). */
#include "double.h"
#include "mpi_ai_api.h"
#include "mpi_ao_api.h"
#include "mpi_connector_api.h"
#include "mpi_vdec_api.h"
#if K230_MPP_VO_API
#include "mpi_vo_api.h"
#endif

#define NOT_SUPPORTED(mod) K_DEF_ERR(mod, K_ERR_LEVEL_ERROR, K_ERR_NOT_SUPPORT)
#define PLACEHOLDER(mod, name)  \
  do {                          \
    dbl_not_modelled(name);     \
    return NOT_SUPPORTED(mod);  \
  } while (0)

/* ---- VDEC ---- */
k_s32 kd_mpi_vdec_create_chn(k_u32 chn_num, k_vdec_chn_attr *attr) { PLACEHOLDER(K_ID_VDEC, "kd_mpi_vdec_create_chn"); }
k_s32 kd_mpi_vdec_start_chn(k_u32 chn_num) { PLACEHOLDER(K_ID_VDEC, "kd_mpi_vdec_start_chn"); }
k_s32 kd_mpi_vdec_stop_chn(k_u32 chn_num) { PLACEHOLDER(K_ID_VDEC, "kd_mpi_vdec_stop_chn"); }
k_s32 kd_mpi_vdec_destroy_chn(k_u32 chn_num) { PLACEHOLDER(K_ID_VDEC, "kd_mpi_vdec_destroy_chn"); }
k_s32 kd_mpi_vdec_send_stream(k_u32 chn_num, k_vdec_stream *stream, k_s32 milli_sec) { PLACEHOLDER(K_ID_VDEC, "kd_mpi_vdec_send_stream"); }
k_s32 kd_mpi_vdec_get_frame(k_u32 chn_num, k_video_frame_info *frame, k_vdec_supplement_info *supplement,
                            k_s32 milli_sec) {
  PLACEHOLDER(K_ID_VDEC, "kd_mpi_vdec_get_frame");
}
k_s32 kd_mpi_vdec_release_frame(k_u32 chn_num, k_video_frame_info *frame) { PLACEHOLDER(K_ID_VDEC, "kd_mpi_vdec_release_frame"); }
k_s32 kd_mpi_vdec_query_status(k_u32 chn_num, k_vdec_chn_status *status) { PLACEHOLDER(K_ID_VDEC, "kd_mpi_vdec_query_status"); }

/* ---- connector ---- */
k_s32 kd_mpi_get_connector_info(k_connector_type connector_type, k_connector_info *connector_info) {
  PLACEHOLDER(K_ID_VO, "kd_mpi_get_connector_info");
}
k_s32 kd_mpi_connector_open(const char *connector_name) {
  dbl_not_modelled("kd_mpi_connector_open");
  return -1;
}
k_s32 kd_mpi_connector_close(k_s32 fd) { PLACEHOLDER(K_ID_VO, "kd_mpi_connector_close"); }
k_s32 kd_mpi_connector_init(k_s32 fd, k_connector_info info) { PLACEHOLDER(K_ID_VO, "kd_mpi_connector_init"); }
k_s32 kd_mpi_connector_power_set(k_s32 fd, k_bool on) { PLACEHOLDER(K_ID_VO, "kd_mpi_connector_power_set"); }

/* ---- VO (only where hal/k230's display.c is built: K230_MPP_VO_API) ---- */
#if K230_MPP_VO_API
k_s32 kd_mpi_vo_enable_video_layer(k_vo_layer layer) { PLACEHOLDER(K_ID_VO, "kd_mpi_vo_enable_video_layer"); }
k_s32 kd_mpi_vo_disable_video_layer(k_vo_layer layer) { PLACEHOLDER(K_ID_VO, "kd_mpi_vo_disable_video_layer"); }
k_s32 kd_mpi_vo_set_video_layer_attr(k_vo_layer layer, k_vo_video_layer_attr *attr) { PLACEHOLDER(K_ID_VO, "kd_mpi_vo_set_video_layer_attr"); }
k_s32 kd_mpi_vo_set_video_osd_attr(k_vo_osd layer, k_vo_video_osd_attr *attr) { PLACEHOLDER(K_ID_VO, "kd_mpi_vo_set_video_osd_attr"); }
k_s32 kd_mpi_vo_osd_enable(k_vo_osd layer) { PLACEHOLDER(K_ID_VO, "kd_mpi_vo_osd_enable"); }
k_s32 kd_mpi_vo_osd_disable(k_vo_osd layer) { PLACEHOLDER(K_ID_VO, "kd_mpi_vo_osd_disable"); }
k_s32 kd_mpi_vo_chn_insert_frame(k_u32 chn_num, k_video_frame_info *vf_info) { PLACEHOLDER(K_ID_VO, "kd_mpi_vo_chn_insert_frame"); }
k_s32 kd_mpi_vo_enable_wbc(void) { PLACEHOLDER(K_ID_VO, "kd_mpi_vo_enable_wbc"); }
k_s32 kd_mpi_vo_disable_wbc(void) { PLACEHOLDER(K_ID_VO, "kd_mpi_vo_disable_wbc"); }
k_s32 kd_mpi_vo_set_wbc_attr(k_vo_wbc_attr *attr) { PLACEHOLDER(K_ID_VO, "kd_mpi_vo_set_wbc_attr"); }
k_s32 kd_mpi_wbc_dump_frame(k_video_frame_info *vf_info, k_u32 timeout_ms) { PLACEHOLDER(K_ID_VO, "kd_mpi_wbc_dump_frame"); }
k_s32 kd_mpi_wbc_dump_release(const k_video_frame_info *vf_info) { PLACEHOLDER(K_ID_VO, "kd_mpi_wbc_dump_release"); }
#endif

/* ---- AI / AO ---- */
k_s32 kd_mpi_ai_set_pub_attr(k_audio_dev ai_dev, const k_aio_dev_attr *attr) { PLACEHOLDER(K_ID_AI, "kd_mpi_ai_set_pub_attr"); }
k_s32 kd_mpi_ai_enable(k_audio_dev ai_dev) { PLACEHOLDER(K_ID_AI, "kd_mpi_ai_enable"); }
k_s32 kd_mpi_ai_disable(k_audio_dev ai_dev) { PLACEHOLDER(K_ID_AI, "kd_mpi_ai_disable"); }
k_s32 kd_mpi_ai_enable_chn(k_audio_dev ai_dev, k_ai_chn ai_chn) { PLACEHOLDER(K_ID_AI, "kd_mpi_ai_enable_chn"); }
k_s32 kd_mpi_ai_disable_chn(k_audio_dev ai_dev, k_ai_chn ai_chn) { PLACEHOLDER(K_ID_AI, "kd_mpi_ai_disable_chn"); }
k_s32 kd_mpi_ai_get_frame(k_audio_dev ai_dev, k_ai_chn ai_chn, k_audio_frame *frame, k_u32 milli_sec) { PLACEHOLDER(K_ID_AI, "kd_mpi_ai_get_frame"); }
k_s32 kd_mpi_ai_release_frame(k_audio_dev ai_dev, k_ai_chn ai_chn, const k_audio_frame *frame) { PLACEHOLDER(K_ID_AI, "kd_mpi_ai_release_frame"); }
k_s32 kd_mpi_ao_set_pub_attr(k_audio_dev ao_dev, const k_aio_dev_attr *attr) { PLACEHOLDER(K_ID_AO, "kd_mpi_ao_set_pub_attr"); }
k_s32 kd_mpi_ao_enable(k_audio_dev ao_dev) { PLACEHOLDER(K_ID_AO, "kd_mpi_ao_enable"); }
k_s32 kd_mpi_ao_disable(k_audio_dev ao_dev) { PLACEHOLDER(K_ID_AO, "kd_mpi_ao_disable"); }
k_s32 kd_mpi_ao_enable_chn(k_audio_dev ao_dev, k_ao_chn ao_chn) { PLACEHOLDER(K_ID_AO, "kd_mpi_ao_enable_chn"); }
k_s32 kd_mpi_ao_disable_chn(k_audio_dev ao_dev, k_ao_chn ao_chn) { PLACEHOLDER(K_ID_AO, "kd_mpi_ao_disable_chn"); }
k_s32 kd_mpi_ao_send_frame(k_audio_dev ao_dev, k_ao_chn ao_chn, const k_audio_frame *frame, k_s32 milli_sec) { PLACEHOLDER(K_ID_AO, "kd_mpi_ao_send_frame"); }
