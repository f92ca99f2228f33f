/* Internals of src/report: one report.json into a point. */
#ifndef AL_REPORT_INTERNAL_H
#define AL_REPORT_INTERNAL_H

#include "audiolottery/report.h"

/* Parses the report.json at path into *p (p->kind allocated; free with free()). Errors name path
 * and the offending key. */
al_status al_report_point_read(const char *path, al_report_point *p);

#endif
