/* Internal: turn a finished fragmented recording into an indexed file (see mp4/muxer.h). */
#ifndef MP4_FINALIZE_H
#define MP4_FINALIZE_H

#include "boxes.h"
#include "mp4/io.h"

/* The 16-byte box the muxer reserves before the initial moov in INDEXED mode: `free`, size 16,
   8 bytes for a 64-bit size. Finalizing turns it into one mdat that spans the initial moov and
   every fragment, in a single write. */
#define MP4_FINALIZE_RESERVE 16

/* t[i].index: each track's sample index (its chunk_shift and the descriptor's duration are set
   here). end: the file size. reserve_at: offset of the reserved box (INDEXED), ignored for
   faststart (which reads the top-level box headers back). durable: fsync before the switch (the
   muxer's MP4_SYNC_FSYNC policy), else flush only. */
int mp4_finalize(mp4_io *io, mp4_trak_desc *t, int n, uint64_t end, bool faststart, uint64_t reserve_at, bool durable);

#endif
