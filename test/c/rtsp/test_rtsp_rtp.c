/* Packetizers (RFC 6184 FU-A, RFC 7798 FU, RFC 3551 G.711): fragmentation boundaries around the
 * MTU and a depacketizer round trip; RTCP SR/BYE writing and report parsing; SDP. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/errors.h"
#include "rtsp/rtcp.h"
#include "rtsp/rtp.h"
#include "rtsp/sdp.h"

/* Minimal depacketizers (test-side), written from the same RFC sections. */
static size_t depack_h264(const rtp_pktbuf *b, uint8_t *out, int *nals, int *markers) {
  size_t o = 0;
  *nals = 0;
  *markers = 0;
  for (int i = 0; i < b->n; i++) {
    size_t n;
    const uint8_t *p = rtp_pktbuf_packet(b, i, &n);
    rtp_header h;
    CHECK_EQ_INT(rtp_header_parse(p, n, &h), 0);
    if (h.marker) (*markers)++;
    const uint8_t *pl = p + h.header_size;
    size_t pn = h.payload_size;
    if ((pl[0] & 0x1f) == 28) {
      if (pl[1] & 0x80) {
        memcpy(out + o, "\0\0\0\1", 4);
        o += 4;
        out[o++] = (uint8_t)((pl[0] & 0xe0) | (pl[1] & 0x1f));
        (*nals)++;
      }
      memcpy(out + o, pl + 2, pn - 2);
      o += pn - 2;
    } else {
      memcpy(out + o, "\0\0\0\1", 4);
      o += 4;
      memcpy(out + o, pl, pn);
      o += pn;
      (*nals)++;
    }
  }
  return o;
}

static size_t depack_h265(const rtp_pktbuf *b, uint8_t *out, int *nals) {
  size_t o = 0;
  *nals = 0;
  for (int i = 0; i < b->n; i++) {
    size_t n;
    const uint8_t *p = rtp_pktbuf_packet(b, i, &n);
    rtp_header h;
    CHECK_EQ_INT(rtp_header_parse(p, n, &h), 0);
    const uint8_t *pl = p + h.header_size;
    size_t pn = h.payload_size;
    if (((pl[0] >> 1) & 0x3f) == 49) {
      if (pl[2] & 0x80) {
        memcpy(out + o, "\0\0\0\1", 4);
        o += 4;
        out[o++] = (uint8_t)((pl[0] & 0x81) | ((pl[2] & 0x3f) << 1));
        out[o++] = pl[1];
        (*nals)++;
      }
      memcpy(out + o, pl + 3, pn - 3);
      o += pn - 3;
    } else {
      memcpy(out + o, "\0\0\0\1", 4);
      o += 4;
      memcpy(out + o, pl, pn);
      o += pn;
      (*nals)++;
    }
  }
  return o;
}

static void fill(uint8_t *p, size_t n, uint8_t hdr) {
  p[0] = hdr;
  for (size_t i = 1; i < n; i++) p[i] = (uint8_t)(i * 7 + 3);
}

static void test_h264(void) {
  const size_t mtu = 200, room = mtu - 12;
  /* sizes around the single/FU-A boundary and the FU chunk boundary (room-2 per fragment) */
  size_t sizes[] = {1, 2, room - 1, room, room + 1, 1 + (room - 2) * 2, 2 + (room - 2) * 2, 5000};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    size_t n = sizes[k];
    uint8_t *nal = malloc(n), *back = malloc(n * 2 + 64);
    fill(nal, n, 0x65);
    rtp_packetizer p = {96, 0x1234, 65530, mtu};
    rtp_pktbuf b;
    rtp_pktbuf_init(&b);
    CHECK_EQ_INT(rtp_h264_packetize(&p, nal, n, 3000, true, &b), 0);
    int expect = n <= room ? 1 : (int)((n - 1 + (room - 2) - 1) / (room - 2));
    CHECK_EQ_INT(b.n, expect);
    for (int i = 0; i < b.n; i++) {
      size_t sz;
      const uint8_t *pk = rtp_pktbuf_packet(&b, i, &sz);
      CHECK(sz <= mtu);
      rtp_header h;
      rtp_header_parse(pk, sz, &h);
      CHECK_EQ_INT(h.seq, (uint16_t)(65530 + i)); /* wraps */
      CHECK_EQ_INT(h.ts, 3000);
      CHECK_EQ_INT(h.marker, i == b.n - 1);
      if (b.n > 1) { /* FU header S/E bits */
        CHECK_EQ_INT((pk[13] & 0x80) != 0, i == 0);
        CHECK_EQ_INT((pk[13] & 0x40) != 0, i == b.n - 1);
        CHECK_EQ_INT(pk[12] & 0x1f, 28);
        CHECK_EQ_INT(pk[12] & 0x60, 0x60); /* NRI kept */
      }
    }
    int nals, markers;
    size_t bl = depack_h264(&b, back, &nals, &markers);
    CHECK_EQ_INT(nals, 1);
    CHECK_EQ_INT(markers, 1);
    CHECK_EQ_INT(bl, n + 4);
    CHECK(memcmp(back + 4, nal, n) == 0);
    rtp_pktbuf_free(&b);
    free(nal);
    free(back);
  }
  /* not last in AU: no marker */
  uint8_t nal[10];
  fill(nal, sizeof nal, 0x67);
  rtp_packetizer p = {96, 1, 0, 1400};
  rtp_pktbuf b;
  rtp_pktbuf_init(&b);
  CHECK_EQ_INT(rtp_h264_packetize(&p, nal, sizeof nal, 0, false, &b), 0);
  CHECK_EQ_INT(b.data[1] & 0x80, 0);
  CHECK_EQ_INT(rtp_h264_packetize(&p, nal, 0, 0, false, &b), ERR_EINVAL);
  rtp_pktbuf_free(&b);
}

static void test_h265(void) {
  const size_t mtu = 300, room = mtu - 12;
  size_t sizes[] = {2, room, room + 1, 2 + (room - 3) * 3, 3 + (room - 3) * 3, 9000};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    size_t n = sizes[k];
    uint8_t *nal = malloc(n), *back = malloc(n * 2 + 64);
    fill(nal, n, 19 << 1); /* IDR_W_RADL */
    nal[1] = 1;
    rtp_packetizer p = {96, 7, 0, mtu};
    rtp_pktbuf b;
    rtp_pktbuf_init(&b);
    CHECK_EQ_INT(rtp_h265_packetize(&p, nal, n, 0, true, &b), 0);
    int expect = n <= room ? 1 : (int)((n - 2 + (room - 3) - 1) / (room - 3));
    CHECK_EQ_INT(b.n, expect);
    for (int i = 0; i < b.n; i++) {
      size_t sz;
      const uint8_t *pk = rtp_pktbuf_packet(&b, i, &sz);
      CHECK(sz <= mtu);
      CHECK_EQ_INT((pk[1] & 0x80) != 0, i == b.n - 1);
      if (b.n > 1) CHECK_EQ_INT(pk[14] & 0x3f, 19);
    }
    int nals;
    size_t bl = depack_h265(&b, back, &nals);
    CHECK_EQ_INT(nals, 1);
    CHECK_EQ_INT(bl, n + 4);
    CHECK(memcmp(back + 4, nal, n) == 0);
    rtp_pktbuf_free(&b);
    free(nal);
    free(back);
  }
}

static void test_g711(void) {
  uint8_t s[1000];
  memset(s, 0xff, sizeof s);
  rtp_packetizer p = {0, 9, 10, 412};
  rtp_pktbuf b;
  rtp_pktbuf_init(&b);
  CHECK_EQ_INT(rtp_g711_packetize(&p, s, sizeof s, 8000, &b), 0);
  CHECK_EQ_INT(b.n, 3); /* 400 + 400 + 200 */
  uint32_t want_ts[] = {8000, 8400, 8800};
  size_t want_n[] = {400, 400, 200};
  for (int i = 0; i < b.n; i++) {
    size_t sz;
    const uint8_t *pk = rtp_pktbuf_packet(&b, i, &sz);
    rtp_header h;
    CHECK_EQ_INT(rtp_header_parse(pk, sz, &h), 0);
    CHECK_EQ_INT(h.pt, 0);
    CHECK_EQ_INT(h.ts, want_ts[i]);
    CHECK_EQ_INT(h.payload_size, want_n[i]);
    CHECK_EQ_INT(h.seq, 10 + i);
  }
  rtp_pktbuf_free(&b);
}

static void test_rtcp(void) {
  uint8_t buf[256];
  rtcp_sr_info sr = {0xAABBCCDD, rtcp_ntp_from_unix_us(1000000), 90000, 10, 12345};
  int n = rtcp_write_sr(&sr, "k230js", buf, sizeof buf);
  CHECK(n > 28 && n % 4 == 0);
  CHECK_EQ_INT(buf[1], 200);
  CHECK_EQ_INT(buf[29], 202);
  CHECK_EQ_INT((uint32_t)(sr.ntp >> 32), 2208988801u);
  rtcp_rr_block rr[4];
  CHECK_EQ_INT(rtcp_parse_reports(buf, (size_t)n, rr, 4), 0); /* SR without report blocks */
  n = rtcp_write_bye(&sr, buf, sizeof buf);
  CHECK_EQ_INT(n, 36);
  CHECK_EQ_INT(buf[29], 203);
  /* an RR with one block */
  uint8_t r[] = {0x81, 201, 0, 7, 0, 0, 0, 1, 0xAA, 0xBB, 0xCC, 0xDD, 5, 0xff, 0xff, 0xfe,
                 0,    0,   1, 0, 0, 0, 0, 9, 0,    0,    0,    0,    0, 0,    0,    0};
  CHECK_EQ_INT(rtcp_parse_reports(r, sizeof r, rr, 4), 1);
  CHECK_EQ_INT(rr[0].ssrc, 0xAABBCCDDu);
  CHECK_EQ_INT(rr[0].fraction_lost, 5);
  CHECK_EQ_INT(rr[0].cumulative_lost, -2);
  CHECK_EQ_INT(rr[0].highest_seq, 256);
  CHECK_EQ_INT(rr[0].jitter, 9);
  CHECK(rtcp_parse_reports(r, sizeof r - 4, rr, 4) < 0); /* truncated */
  r[3] = 0x20;
  CHECK(rtcp_parse_reports(r, sizeof r, rr, 4) < 0); /* length beyond buffer */
  r[3] = 7;
  r[0] = 0x9f; /* RC=31 does not fit */
  CHECK(rtcp_parse_reports(r, sizeof r, rr, 4) < 0);
}

static void test_sdp(void) {
  const uint8_t sps[] = {0x67, 0x64, 0x00, 0x1f, 0xac}, pps[] = {0x68, 0xee, 0x3c, 0x80};
  sdp_params p = {RTSP_VIDEO_H264, RTSP_AUDIO_PCMA, NULL, sps, pps, 0, sizeof sps, sizeof pps, 42, "127.0.0.1"};
  char out[2048];
  CHECK(sdp_write(&p, out, sizeof out) > 0);
  CHECK(strstr(out, "a=rtpmap:96 H264/90000\r\n") != NULL);
  CHECK(strstr(out, "profile-level-id=64001F") != NULL);
  CHECK(strstr(out, "sprop-parameter-sets=Z2QAH6w=,aO48gA==") != NULL);
  CHECK(strstr(out, "m=audio 0 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000") != NULL);
  CHECK(strstr(out, "a=control:trackID=1") != NULL);
  const uint8_t vps[] = {0x40, 0x01, 0x0c};
  sdp_params q = {RTSP_VIDEO_H265, RTSP_AUDIO_PCMU, vps, sps, pps, sizeof vps, sizeof sps, sizeof pps, 1, "::1"};
  CHECK(sdp_write(&q, out, sizeof out) > 0);
  CHECK(strstr(out, "H265/90000") && strstr(out, "sprop-vps=QAEM;sprop-sps=") && strstr(out, "IN IP6 ::1"));
  CHECK(strstr(out, "a=rtpmap:0 PCMU/8000") != NULL);
  CHECK_EQ_INT(sdp_write(&q, out, 40), ERR_ELIMIT);
}

int main(void) {
  test_h264();
  test_h265();
  test_g711();
  test_rtcp();
  test_sdp();
  return CHECK_DONE();
}
