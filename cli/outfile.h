/* outfile.h - write an output file without replacing what it is. */
#ifndef HVDB_CLI_OUTFILE_H
#define HVDB_CLI_OUTFILE_H

#include <stddef.h>

/* Writes the (len) bytes of (data) as the whole content of (path),
 * following symbolic links: a regular or new file is replaced atomically
 * (temporary file, fsync, rename; permission bits kept), any other kind
 * (character device, FIFO, block device) is written in place and never
 * replaced. Returns 0 or -errno (-EISDIR for a directory); on failure a
 * regular file is unchanged. */
int outfile_write(const char *path, const void *data, size_t len);

#endif
