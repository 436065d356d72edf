/*
 * kjs/paths.h — the board's file namespace and the file system semantics of its SD card.
 *
 * On the host "/sdcard/..." and "/data/..." map to the directories given with --sdcard and
 * --data; other paths pass through unchanged. On the board the mapping is the identity. Every
 * native module that opens a file goes through kjs_path_map.
 *
 * /sdcard on the board is FAT (FatFs under RT-Smart's DFS; rtsmart-syscalls.md): rename() onto
 * an existing name fails with EEXIST, there are no symlinks, names are case-insensitive. With
 * kjs_vm_config.sdcard_fat the simulator gives its mapped directories the same semantics, so what
 * works on the simulator works on the card:
 *   - kjs_path_map looks each component up case-insensitively (MAIN.JS finds main.js; creating
 *     Main.js next to main.js opens main.js) and refuses a path through a symlink (ERR_ENOENT:
 *     a FAT card has none);
 *   - kjs_path_rename never overwrites (EEXIST).
 *
 * Replacing a file (kjs_path_replace) therefore never relies on rename-over-existing. The new
 * contents are written and fsync'd under a temporary sibling name (kjs_path_sibling, ".part"),
 * then:
 *   1. rename(tmp, dst)                 done if dst did not exist (or the file system overwrites)
 *   2. rename(dst, bak)                 the old file moves aside (".old" sibling)
 *   3. rename(tmp, dst)                 commit: from here dst holds the new contents
 *   4. unlink(bak)
 * A process killed at any point leaves one of these states, and kjs_path_recover (run once at
 * start-up, before anything else touches the card) settles each:
 *   - before 2 (tmp, old dst):           tmp is deleted             -> the old file
 *   - after 2 (no dst, bak, tmp):        bak renamed back to dst, tmp deleted -> the old file
 *   - after 3 (new dst, bak):            bak is deleted             -> the new file
 * so the name always ends up holding either the complete old or the complete new contents, and
 * the old ones until the commit. Each step is one directory update; a power cut in the middle of
 * one FAT directory write is below what any scheme here can fix (FAT has no journal).
 */
#ifndef KJS_PATHS_H
#define KJS_PATHS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct kjs_vm kjs_vm;

/* Suffixes of the hidden siblings used while replacing a file: ".<name><suffix>". */
#define KJS_PATH_PART_SUFFIX ".k230js-part"
#define KJS_PATH_OLD_SUFFIX ".k230js-old"

/* Writes the host path for `path` into out. Returns 0, ERR_ELIMIT if it does not fit, or (FAT
 * semantics) ERR_ENOENT for a path through a symlink. */
int kjs_path_map(kjs_vm *vm, const char *path, char *out, size_t size);

/* True for the name (no directory) of such a sibling: listings hide them. */
bool kjs_path_is_transient(const char *name);

/* "<dir>/.<name><suffix>" for host path "<dir>/<name>". Returns 0 or -ENAMETOOLONG. */
int kjs_path_sibling(const char *path, const char *suffix, char *out, size_t size);

/* rename(2) with the card's semantics (host paths). Returns 0 or a negative errno. */
int kjs_path_rename(kjs_vm *vm, const char *from, const char *to);
/* Replaces `dst` by the complete, fsync'd file `tmp` (host paths; tmp normally
 * kjs_path_sibling(dst, KJS_PATH_PART_SUFFIX)) as described above. On failure the old `dst` is
 * in place and `tmp` is left to the caller. Returns 0 or a negative errno. */
int kjs_path_replace(kjs_vm *vm, const char *tmp, const char *dst);

/* Settles what interrupted replacements left in the tree under host directory `dir` (the rules
 * above; `fat`: the card's rename semantics, as kjs_vm_config.sdcard_fat). The ports call it at
 * start-up for each card root. Returns the number of files removed or restored, or a negative
 * errno if `dir` cannot be read. `note` (may be NULL) gets one line per file. */
int kjs_path_recover(const char *dir, bool fat, void (*note)(const char *line));

#endif
