/* audiolottery synth: make a synthetic speech corpus in LibriSpeech layout. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/al.h"
#include "cli/cli_args.h"
#include "cli/commands.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: audiolottery synth --out DIR [options]\n\n"
            "Speaks sentences from Debian text packages (fortunes, fortunes-min) with hundreds of synthetic\n"
            "speakers (espeak-ng accents x variants, flite and festival voices, each with its own speed and\n"
            "pitch) into DIR/{train,dev,test-clean,test-other}/SPK/CHAP/SPK-CHAP-UTT.flac + trans files,\n"
            "DIR/index.json and DIR/SPEAKERS.txt. test-other uses voices and an accent never in train;\n"
            "splits share no speaker and no sentence. Re-running skips utterances already made.\n\n"
            "options:\n"
            "  --out DIR           output directory (required)\n"
            "  --preset NAME       default (~2 h, 312 speakers) or tiny (~3.6 min, 21 speakers); default: default\n"
            "  --hours H           total hours of audio instead of the preset's (planned from an estimate; <= 1000)\n"
            "  --utterances N      total utterances instead of an hours target (<= 10,000,000)\n"
            "  --speakers N        total speakers instead of the preset's (6 to 100,000)\n"
            "  --seed S            seed for sentences, speakers, parameters and noise; default: 1\n"
            "  --threads N         worker threads (each runs its own engine processes; 1 to 1024); default: all cores\n"
            "  --noise             also write noisy copies to DIR/noisy/<split>/... (ambience, music, babble)\n"
            "  --snr LIST          SNRs in dB (-30 to 60), comma-separated, one drawn per noisy utterance;\n"
            "                      default: 0,5,10,20\n"
            "  --allow-missing     leave out missing engines/voices with a warning instead of failing\n"
            "  -h, --help          this help\n\n"
            "exit status: 0 done and checks passed, 1 error or a failed check, 2 bad usage\n");
}

/* 1 to 16 comma-separated SNRs in dB, each in [-30, 60] (outside that a copy is all noise or clean). */
static int parse_snr(const char *s, al_synth_opts *o) {
    o->n_snr = 0;
    while (*s) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || errno || !isfinite(v) || v < -30 || v > 60 || o->n_snr == 16 || (*end && *end != ','))
            return -1;
        o->snr[o->n_snr++] = v;
        s = *end ? end + 1 : end;
        if (end[0] == ',' && !*s) return -1; /* a trailing comma */
    }
    return o->n_snr ? 0 : -1;
}

int al_cmd_synth(int argc, char **argv) {
    al_synth_opts o = al_synth_defaults();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--noise")) {
            o.noise = 1;
            continue;
        }
        if (!strcmp(a, "--allow-missing")) {
            o.allow_missing = 1;
            continue;
        }
        static const char *with_value[] = {"--out", "--preset", "--hours", "--utterances", "--speakers",
                                           "--seed", "--threads", "--snr"};
        int known = 0;
        for (size_t k = 0; k < sizeof with_value / sizeof *with_value; k++) known |= !strcmp(a, with_value[k]);
        if (!known) {
            fprintf(stderr, "synth: unknown option '%s' (audiolottery synth --help)\n", a);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "synth: %s needs a value\n", a);
            return 2;
        }
        const char *v = argv[++i];
        double x = 0;
        int64_t n = 0;
        int bad = 0;
        if (!strcmp(a, "--out")) o.out_dir = v;
        else if (!strcmp(a, "--preset")) o.preset = v;
        else if (!strcmp(a, "--snr")) {
            if (parse_snr(v, &o)) {
                fprintf(stderr, "synth: --snr needs 1 to 16 comma-separated numbers in [-30, 60], got '%s'\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--hours")) {
            bad = al_cli_double("synth", a, v, 1e-6, 1000, &x);
            o.hours = x;
        } else if (!strcmp(a, "--utterances")) {
            bad = al_cli_int("synth", a, v, 1, 10000000, &n);
            o.utterances = n;
        } else if (!strcmp(a, "--speakers")) {
            bad = al_cli_int("synth", a, v, 1, 100000, &n);
            o.speakers = (int)n;
        } else if (!strcmp(a, "--threads")) {
            bad = al_cli_int("synth", a, v, 1, 1024, &n);
            o.threads = (int)n;
        } else {
            char *end;
            errno = 0;
            unsigned long long seed = strtoull(v, &end, 10); /* all 64 bits, not through a double */
            bad = end == v || *end || errno || v[0] == '-';
            if (bad) fprintf(stderr, "synth: --seed: '%s' is not an integer in [0, 2^64)\n", v);
            o.seed = seed;
        }
        if (bad) return 2;
    }
    if (!o.out_dir) {
        fprintf(stderr, "synth: --out DIR is required (audiolottery synth --help)\n");
        return 2;
    }
    if (al_synth_check_opts(&o) != AL_OK) { /* bad usage, before any engine starts */
        fprintf(stderr, "%s\n", al_last_error());
        return 2;
    }
    al_synth_report r;
    al_status st = al_synth_corpus(&o, &r);
    if (st != AL_OK) {
        fprintf(stderr, "synth: error: %s\n", al_last_error());
        return 1;
    }
    return al_synth_print_report(stdout, &o, &r) ? 1 : 0;
}
