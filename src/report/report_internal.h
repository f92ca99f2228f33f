/* Internals of src/report: one report.json into a point. */
#ifndef AL_REPORT_INTERNAL_H
#define AL_REPORT_INTERNAL_H

#include "audiolottery/report.h"

/* Parses the report.json at path into *p (p->kind allocated; free with free()). Errors name path
 * and the offending key. */
al_status al_report_point_read(const char *path, al_report_point *p);

/* A remaining percentage for text: one decimal ("45.0", "9.1") down to 0.1, then two significant
 * digits ("0.046"), so that the deep levels of a long run stay apart. Returns buf (16 bytes). */
const char *al_report_percent(double v, char buf[16]);

#endif
