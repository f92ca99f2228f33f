/* safetensors reader and writer.
 * Layout: u64 little-endian header size N, N bytes of JSON
 *   {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}, ...}
 * then the data block; offsets are relative to the data block's start. The header is padded with
 * spaces to a multiple of 8 bytes so that the data block is 8-byte aligned in the file. */
#include "audiolottery/io.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ST_MAX_HEADER (100u << 20) /* the reference implementation's limit */

static const char *dtype_names[] = {"F32", "F64", "U8", "I32", "I64", "F16", "BF16"};
static const size_t dtype_sizes[] = {4, 8, 1, 4, 8, 2, 2};

const char *al_dtype_name(al_dtype dt) { return dtype_names[dt]; }
size_t al_dtype_size(al_dtype dt) { return dtype_sizes[dt]; }

static int dtype_from_name(const char *s, al_dtype *dt) {
    for (int i = 0; i < (int)(sizeof dtype_names / sizeof *dtype_names); i++)
        if (strcmp(s, dtype_names[i]) == 0) {
            *dt = (al_dtype)i;
            return 1;
        }
    return 0;
}

/* ---- reader ------------------------------------------------------------------------------ */
typedef struct {
    char *key;
    char *value;
} st_meta;

struct al_st_file {
    char *bytes; /* whole file */
    size_t size;
    al_st_tensor *tensors;
    int count;
    st_meta *meta;
    int meta_count;
};

void al_st_close(al_st_file *f) {
    if (!f) return;
    for (int i = 0; i < f->count; i++) free((char *)f->tensors[i].name);
    for (int i = 0; i < f->meta_count; i++) {
        free(f->meta[i].key);
        free(f->meta[i].value);
    }
    free(f->tensors);
    free(f->meta);
    free(f->bytes);
    free(f);
}

static int by_offset(const void *a, const void *b) {
    const al_st_tensor *x = a, *y = b;
    const char *px = x->data, *py = y->data;
    return px < py ? -1 : px > py;
}

static int by_name(const void *a, const void *b) {
    return strcmp((*(const al_st_tensor *const *)a)->name, (*(const al_st_tensor *const *)b)->name);
}

/* As the reference implementation requires: unique names, and data_offsets (tensors sorted by
 * them) that tile the data section exactly: no overlap, no gap, nothing after the last. */
static al_status check_layout(const char *path, const al_st_file *f, const char *data, size_t data_size) {
    size_t at = 0;
    for (int i = 0; i < f->count; i++) {
        const al_st_tensor *t = &f->tensors[i];
        size_t begin = (size_t)((const char *)t->data - data);
        if (begin != at)
            return al_error(AL_ERR_FORMAT,
                            "%s: tensor '%s' starts at byte %zu of the data, expected %zu (overlap or gap)", path,
                            t->name, begin, at);
        at += t->nbytes;
    }
    if (at != data_size)
        return al_error(AL_ERR_FORMAT, "%s: %zu bytes after the last tensor's data", path, data_size - at);
    const al_st_tensor **sorted = malloc(sizeof *sorted * (size_t)(f->count > 0 ? f->count : 1));
    if (!sorted) return al_error(AL_ERR_NOMEM, "out of memory");
    for (int i = 0; i < f->count; i++) sorted[i] = &f->tensors[i];
    qsort(sorted, f->count, sizeof *sorted, by_name);
    al_status st = AL_OK;
    for (int i = 1; i < f->count && st == AL_OK; i++)
        if (!strcmp(sorted[i - 1]->name, sorted[i]->name))
            st = al_error(AL_ERR_FORMAT, "%s: tensor '%s' appears twice", path, sorted[i]->name);
    free(sorted);
    return st;
}

static al_status parse_tensor(const char *path, const cJSON *item, const char *data, size_t data_size,
                              al_st_tensor *t) {
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(item, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(item, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
    if (!cJSON_IsString(dtype) || !cJSON_IsArray(shape) || !cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2)
        return al_error(AL_ERR_FORMAT, "%s: tensor '%s' needs dtype, shape and data_offsets[2]", path, item->string);
    if (!dtype_from_name(dtype->valuestring, &t->dtype))
        return al_error(AL_ERR_UNSUPPORTED, "%s: tensor '%s' has unsupported dtype %s", path, item->string,
                        dtype->valuestring);
    t->ndim = cJSON_GetArraySize(shape);
    if (t->ndim > AL_ST_MAX_DIMS)
        return al_error(AL_ERR_FORMAT, "%s: tensor '%s' has %d dimensions (max %d)", path, item->string, t->ndim,
                        AL_ST_MAX_DIMS);
    t->numel = 1;
    for (int d = 0; d < t->ndim; d++) {
        const cJSON *v = cJSON_GetArrayItem(shape, d);
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9e15 ||
            v->valuedouble != (double)(int64_t)v->valuedouble)
            return al_error(AL_ERR_FORMAT, "%s: tensor '%s' has a bad shape", path, item->string);
        t->shape[d] = (int64_t)v->valuedouble;
        if (t->shape[d] && t->numel > INT64_MAX / 16 / t->shape[d])
            return al_error(AL_ERR_FORMAT, "%s: tensor '%s' is too large", path, item->string);
        t->numel *= t->shape[d];
    }
    const cJSON *b = cJSON_GetArrayItem(offs, 0), *e = cJSON_GetArrayItem(offs, 1);
    if (!cJSON_IsNumber(b) || !cJSON_IsNumber(e) || b->valuedouble < 0 || e->valuedouble < b->valuedouble ||
        e->valuedouble > (double)data_size || b->valuedouble != floor(b->valuedouble) ||
        e->valuedouble != floor(e->valuedouble))
        return al_error(AL_ERR_FORMAT, "%s: tensor '%s' has data_offsets outside the file (truncated?)", path,
                        item->string);
    size_t begin = (size_t)b->valuedouble, end = (size_t)e->valuedouble;
    if ((size_t)t->numel * al_dtype_size(t->dtype) != end - begin)
        return al_error(AL_ERR_FORMAT, "%s: tensor '%s' holds %zu bytes but its shape needs %zu", path,
                        item->string, end - begin, (size_t)t->numel * al_dtype_size(t->dtype));
    t->data = data + begin;
    t->nbytes = end - begin;
    t->name = strdup(item->string);
    return t->name ? AL_OK : al_error(AL_ERR_NOMEM, "out of memory");
}

static al_status parse_metadata(const char *path, const cJSON *item, al_st_file *f) {
    if (!cJSON_IsObject(item)) return al_error(AL_ERR_FORMAT, "%s: __metadata__ is not an object", path);
    if (f->meta) return al_error(AL_ERR_FORMAT, "%s: more than one __metadata__", path);
    int n = cJSON_GetArraySize(item);
    f->meta = calloc(n ? n : 1, sizeof *f->meta);
    if (!f->meta) return al_error(AL_ERR_NOMEM, "out of memory");
    const cJSON *kv;
    cJSON_ArrayForEach(kv, item) {
        if (!cJSON_IsString(kv))
            return al_error(AL_ERR_FORMAT, "%s: __metadata__ value '%s' is not a string", path, kv->string);
        st_meta *m = &f->meta[f->meta_count++];
        m->key = strdup(kv->string);
        m->value = strdup(kv->valuestring);
        if (!m->key || !m->value) return al_error(AL_ERR_NOMEM, "out of memory");
    }
    return AL_OK;
}

al_status al_st_open(const char *path, al_st_file **out) {
    *out = NULL;
    al_st_file *f = calloc(1, sizeof *f);
    if (!f) return al_error(AL_ERR_NOMEM, "out of memory");
    al_status st = al_read_file(path, &f->bytes, &f->size);
    if (st != AL_OK) {
        free(f);
        return st;
    }
    if (f->size < 8) {
        st = al_error(AL_ERR_FORMAT, "%s: not a safetensors file (only %zu bytes)", path, f->size);
        al_st_close(f);
        return st;
    }
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | (uint8_t)f->bytes[i];
    if (hlen > ST_MAX_HEADER || hlen > f->size - 8) {
        st = al_error(AL_ERR_FORMAT, "%s: not a safetensors file (header size %llu, file size %zu)", path,
                      (unsigned long long)hlen, f->size);
        al_st_close(f);
        return st;
    }
    if (!al_utf8_valid(f->bytes + 8, (size_t)hlen)) {
        al_st_close(f);
        return al_error(AL_ERR_FORMAT, "%s: safetensors header is not UTF-8", path);
    }
    const char *json_end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(f->bytes + 8, (size_t)hlen, &json_end, 0);
    /* the header may be padded with spaces, nothing else */
    for (const char *c = json_end; root && c < f->bytes + 8 + hlen; c++)
        if (*c != ' ' && *c != '\t' && *c != '\n' && *c != '\r' && *c != '\0') {
            cJSON_Delete(root);
            root = NULL;
        }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        al_st_close(f);
        return al_error(AL_ERR_FORMAT, "%s: safetensors header is not a JSON object", path);
    }
    const char *data = f->bytes + 8 + hlen;
    size_t data_size = f->size - 8 - hlen;
    int n = cJSON_GetArraySize(root);
    f->tensors = calloc(n ? n : 1, sizeof *f->tensors);
    if (!f->tensors) st = al_error(AL_ERR_NOMEM, "out of memory");
    const cJSON *item;
    cJSON_ArrayForEach(item, root) {
        if (st != AL_OK) break;
        if (strcmp(item->string, "__metadata__") == 0)
            st = parse_metadata(path, item, f);
        else if (!cJSON_IsObject(item))
            st = al_error(AL_ERR_FORMAT, "%s: entry '%s' is not an object", path, item->string);
        else {
            st = parse_tensor(path, item, data, data_size, &f->tensors[f->count]);
            if (st == AL_OK) f->count++;
        }
    }
    cJSON_Delete(root);
    if (st != AL_OK) {
        al_st_close(f);
        return st;
    }
    qsort(f->tensors, f->count, sizeof *f->tensors, by_offset);
    st = check_layout(path, f, data, data_size);
    if (st != AL_OK) {
        al_st_close(f);
        return st;
    }
    *out = f;
    return AL_OK;
}

int al_st_count(const al_st_file *f) { return f->count; }

const al_st_tensor *al_st_get(const al_st_file *f, int index) {
    return index >= 0 && index < f->count ? &f->tensors[index] : NULL;
}

const al_st_tensor *al_st_find(const al_st_file *f, const char *name) {
    for (int i = 0; i < f->count; i++)
        if (strcmp(f->tensors[i].name, name) == 0) return &f->tensors[i];
    return NULL;
}

const char *al_st_metadata(const al_st_file *f, const char *key) {
    for (int i = 0; i < f->meta_count; i++)
        if (strcmp(f->meta[i].key, key) == 0) return f->meta[i].value;
    return NULL;
}

/* ---- writer ------------------------------------------------------------------------------ */
typedef struct {
    char *name;
    al_dtype dtype;
    int ndim;
    int64_t shape[AL_ST_MAX_DIMS];
    void *data;
    size_t nbytes;
} st_entry;

struct al_st_writer {
    st_entry *entries;
    int count, cap;
    cJSON *meta;
};

al_st_writer *al_st_writer_new(void) {
    al_st_writer *w = calloc(1, sizeof *w);
    if (w) w->meta = cJSON_CreateObject();
    if (w && !w->meta) {
        free(w);
        return NULL;
    }
    return w;
}

void al_st_writer_free(al_st_writer *w) {
    if (!w) return;
    for (int i = 0; i < w->count; i++) {
        free(w->entries[i].name);
        free(w->entries[i].data);
    }
    free(w->entries);
    cJSON_Delete(w->meta);
    free(w);
}

al_status al_st_writer_add(al_st_writer *w, const char *name, al_dtype dtype, int ndim, const int64_t *shape,
                           const void *data) {
    if (ndim < 0 || ndim > AL_ST_MAX_DIMS) return al_error(AL_ERR_INVALID, "tensor '%s': bad rank %d", name, ndim);
    if (strcmp(name, "__metadata__") == 0) return al_error(AL_ERR_INVALID, "tensor name __metadata__ is reserved");
    for (int i = 0; i < w->count; i++)
        if (strcmp(w->entries[i].name, name) == 0)
            return al_error(AL_ERR_INVALID, "tensor '%s' added twice", name);
    if (w->count == w->cap) {
        int cap = w->cap ? 2 * w->cap : 16;
        st_entry *e = realloc(w->entries, cap * sizeof *e);
        if (!e) return al_error(AL_ERR_NOMEM, "out of memory");
        w->entries = e;
        w->cap = cap;
    }
    st_entry *e = &w->entries[w->count];
    memset(e, 0, sizeof *e);
    size_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        e->shape[d] = shape[d];
        numel *= (size_t)shape[d];
    }
    e->ndim = ndim;
    e->dtype = dtype;
    e->nbytes = numel * al_dtype_size(dtype);
    e->name = strdup(name);
    e->data = malloc(e->nbytes ? e->nbytes : 1);
    if (!e->name || !e->data) {
        free(e->name);
        free(e->data);
        return al_error(AL_ERR_NOMEM, "out of memory");
    }
    if (e->nbytes) memcpy(e->data, data, e->nbytes);
    w->count++;
    return AL_OK;
}

al_status al_st_writer_meta(al_st_writer *w, const char *key, const char *value) {
    cJSON_DeleteItemFromObjectCaseSensitive(w->meta, key);
    if (!cJSON_AddStringToObject(w->meta, key, value)) return al_error(AL_ERR_NOMEM, "out of memory");
    return AL_OK;
}

al_status al_st_writer_save(const al_st_writer *w, const char *path) {
    cJSON *root = cJSON_CreateObject();
    if (!root) return al_error(AL_ERR_NOMEM, "out of memory");
    al_status st = AL_OK;
    if (cJSON_GetArraySize(w->meta) > 0) cJSON_AddItemToObject(root, "__metadata__", cJSON_Duplicate(w->meta, 1));
    size_t offset = 0;
    for (int i = 0; i < w->count && st == AL_OK; i++) {
        const st_entry *e = &w->entries[i];
        cJSON *t = cJSON_AddObjectToObject(root, e->name);
        double dims[AL_ST_MAX_DIMS], offs[2] = {(double)offset, (double)(offset + e->nbytes)};
        for (int d = 0; d < e->ndim; d++) dims[d] = (double)e->shape[d];
        if (!t || !cJSON_AddStringToObject(t, "dtype", al_dtype_name(e->dtype)) ||
            !cJSON_AddItemToObject(t, "shape", cJSON_CreateDoubleArray(dims, e->ndim)) ||
            !cJSON_AddItemToObject(t, "data_offsets", cJSON_CreateDoubleArray(offs, 2)))
            st = al_error(AL_ERR_NOMEM, "out of memory");
        offset += e->nbytes;
    }
    char *json = st == AL_OK ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (st != AL_OK) return st;
    if (!json) return al_error(AL_ERR_NOMEM, "out of memory");
    size_t jlen = strlen(json), padded = (jlen + 7) / 8 * 8;
    uint8_t lenbytes[8];
    for (int i = 0; i < 8; i++) lenbytes[i] = (uint8_t)((uint64_t)padded >> (8 * i));

    al_atomic_file af;
    st = al_atomic_open(&af, path);
    if (st != AL_OK) {
        free(json);
        return st;
    }
    int ok = fwrite(lenbytes, 1, 8, af.fp) == 8 && fwrite(json, 1, jlen, af.fp) == jlen;
    for (size_t i = jlen; ok && i < padded; i++) ok = fputc(' ', af.fp) != EOF;
    for (int i = 0; ok && i < w->count; i++)
        ok = fwrite(w->entries[i].data, 1, w->entries[i].nbytes, af.fp) == w->entries[i].nbytes;
    free(json);
    if (!ok) {
        al_atomic_abort(&af);
        return al_error(AL_ERR_IO, "%s: write failed", path);
    }
    return al_atomic_commit(&af);
}
