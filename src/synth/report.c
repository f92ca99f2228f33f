/* The end-of-run summary: hours, utterances and speakers per split and engine, PASS/FAIL checks. */
#include "audiolottery/synth.h"

#include <string.h>

/* applies = 0: a size check on a run that is not the full default preset (shown, not counted). */
static int check(FILE *out, const char *what, int ok, int applies) {
    fprintf(out, "  [%s] %s%s\n", ok ? "PASS" : applies ? "FAIL" : "----", what,
            applies ? "" : " (not required: not the full default preset)");
    return applies && !ok;
}

int al_synth_print_report(FILE *out, const al_synth_opts *o, const al_synth_report *r) {
    double total = 0;
    int utts = 0, speakers = 0, engine_speakers[AL_ENGINE_COUNT] = {0};
    fprintf(out, "synthetic corpus %s (preset %s, seed %llu)\n", o->out_dir, o->preset, (unsigned long long)o->seed);
    fprintf(out, "  %-11s %8s %6s %8s %10s %6s %9s\n", "split", "hours", "utts", "speakers", "espeak-ng", "flite",
            "festival");
    for (int s = 0; s < AL_SPLIT_COUNT; s++) {
        fprintf(out, "  %-11s %8.3f %6d %8d %10d %6d %9d\n", al_synth_split_name((al_synth_split)s), r->seconds[s] / 3600,
                r->utterances[s], r->speakers[s], r->speakers_engine[s][AL_ENGINE_ESPEAK],
                r->speakers_engine[s][AL_ENGINE_FLITE], r->speakers_engine[s][AL_ENGINE_FESTIVAL]);
        total += r->seconds[s];
        utts += r->utterances[s];
        speakers += r->speakers[s];
        for (int e = 0; e < AL_ENGINE_COUNT; e++) engine_speakers[e] += r->speakers_engine[s][e];
    }
    fprintf(out, "  %-11s %8.3f %6d %8d %10d %6d %9d\n", "total", total / 3600, utts, speakers,
            engine_speakers[AL_ENGINE_ESPEAK], engine_speakers[AL_ENGINE_FLITE], engine_speakers[AL_ENGINE_FESTIVAL]);
    for (int e = 0; e < AL_ENGINE_COUNT; e++) {
        if (r->engine_seconds[e] <= 0) continue;
        fprintf(out, "  %-9s %7.1f min audio", al_synth_engine_name((al_synth_engine)e), r->engine_seconds[e] / 60);
        if (r->engine_cpu[e] > 0 && !r->skipped) /* per worker: engine, warp, resample, trim, FLAC write */
            fprintf(out, ", %6.1f s worker time (%.0fx real time)\n", r->engine_cpu[e],
                    r->engine_seconds[e] / r->engine_cpu[e]);
        else if (r->engine_cpu[e] > 0)
            fprintf(out, ", %6.1f s worker time this run\n", r->engine_cpu[e]);
        else
            fprintf(out, " (all from an earlier run)\n");
    }
    fprintf(out, "  held out for test-other: %s\n", r->heldout);
    fprintf(out, "  kept from an earlier run: %d, failed (left out): %d, noisy copies: %d\n", r->skipped, r->failed,
            r->noisy);
    fprintf(out, "  wall time: %.1f s\n", r->wall);
    int fails = 0;
    int all_engines = engine_speakers[0] > 0 && engine_speakers[1] > 0 && engine_speakers[2] > 0;
    int full = !strcmp(o->preset, "default") && o->hours <= 0 && o->utterances <= 0 && o->speakers <= 0;
    fails += check(out, "total audio >= 1.5 h", total >= 1.5 * 3600, full);
    fails += check(out, "speakers >= 200", speakers >= 200, full);
    fails += check(out, "all three engines present (espeak-ng, flite, festival)", all_engines, 1);
    fails += check(out, "splits speaker-disjoint", r->speaker_disjoint, 1);
    fails += check(out, "splits sentence-disjoint", r->sentence_disjoint, 1);
    fails += check(out, "test-other voices (and an espeak-ng accent) absent from train", r->heldout_ok, 1);
    return fails;
}
