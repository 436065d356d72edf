/* Internal: turn a finished fragmented recording into an indexed file (see mp4/muxer.h). */
#ifndef MP4_FINALIZE_H
#define MP4_FINALIZE_H

#include "boxes.h"
#include "mp4/io.h"

int mp4_finalize(mp4_io *io, mp4_trak_desc *t, int n, uint64_t end, bool faststart);

#endif
