/* audiolottery file I/O: atomic writes and safetensors read/write.
 *
 * Usage (write):
 *   al_st_writer *w = al_st_writer_new();
 *   int64_t shape[2] = {161, frames};
 *   al_st_writer_add(w, "features", AL_DT_F32, 2, shape, data);   // data is copied
 *   al_st_writer_meta(w, "format", "audiolottery-features");
 *   st = al_st_writer_save(w, "out.safetensors");                 // temp file, fsync, rename
 *   al_st_writer_free(w);
 *
 * Usage (read):
 *   al_st_file *f; if (al_st_open("x.safetensors", &f) != AL_OK) ...al_last_error()...
 *   const al_st_tensor *t = al_st_find(f, "features");   // owned by f, valid until al_st_close
 *   al_st_close(f);
 *
 * A reader or writer object belongs to one thread at a time.
 */
#ifndef AUDIOLOTTERY_IO_H
#define AUDIOLOTTERY_IO_H

#include "audiolottery/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- atomic writes ------------------------------------------------------------------- */
/* Writes go to "<path>.tmp.<pid>"; commit flushes, fsyncs, renames over path and fsyncs the
 * directory. Abort (or a crash) leaves any existing file at path untouched. */
typedef struct {
    FILE *fp;
    char *tmp_path;
    char *final_path;
} al_atomic_file;

al_status al_atomic_open(al_atomic_file *af, const char *path);
al_status al_atomic_commit(al_atomic_file *af); /* closes af in every case */
void al_atomic_abort(al_atomic_file *af);       /* removes the temp file */
al_status al_write_file_atomic(const char *path, const void *data, size_t bytes);

/* Reads a whole file into a NUL-terminated heap buffer (free with free()). */
al_status al_read_file(const char *path, char **data, size_t *bytes);

/* Reads a whole text file like al_read_file, without a leading UTF-8 byte-order mark. A NUL byte
 * (a binary or UTF-16 file) is an AL_ERR_FORMAT error naming the file and line: string functions
 * would otherwise end the text there silently. */
al_status al_read_text_file(const char *path, char **text);

/* 1 when path exists (any kind of file). */
int al_file_exists(const char *path);

/* Creates a directory and its parents (like mkdir -p). */
al_status al_mkdir_p(const char *path);

/* ---- safetensors ---------------------------------------------------------------------- */
typedef enum { AL_DT_F32 = 0, AL_DT_F64, AL_DT_U8, AL_DT_I32, AL_DT_I64, AL_DT_F16, AL_DT_BF16 } al_dtype;

#define AL_ST_MAX_DIMS 8

const char *al_dtype_name(al_dtype dt); /* "F32", ... as in the safetensors header */
size_t al_dtype_size(al_dtype dt);

typedef struct {
    const char *name;
    al_dtype dtype;
    int ndim;
    int64_t shape[AL_ST_MAX_DIMS];
    int64_t numel;
    const void *data; /* little-endian, may be unaligned for F32: copy before vector use */
    size_t nbytes;
} al_st_tensor;

typedef struct al_st_file al_st_file;

al_status al_st_open(const char *path, al_st_file **out);
int al_st_count(const al_st_file *f);
const al_st_tensor *al_st_get(const al_st_file *f, int index); /* in file order (by offset) */
const al_st_tensor *al_st_find(const al_st_file *f, const char *name); /* NULL if absent */
const char *al_st_metadata(const al_st_file *f, const char *key);      /* NULL if absent */
void al_st_close(al_st_file *f);

typedef struct al_st_writer al_st_writer;

al_st_writer *al_st_writer_new(void);
/* Copies the data. Names must be unique. */
al_status al_st_writer_add(al_st_writer *w, const char *name, al_dtype dtype, int ndim, const int64_t *shape,
                           const void *data);
al_status al_st_writer_meta(al_st_writer *w, const char *key, const char *value);
al_status al_st_writer_save(const al_st_writer *w, const char *path);
void al_st_writer_free(al_st_writer *w);

#ifdef __cplusplus
}
#endif
#endif
