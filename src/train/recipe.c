/* Training recipes: the trainer's defaults for a model family (al_train_recipe), and the names of the
 * learning-rate schedules and SpecAugment policies. */
#include <string.h>

#include "audiolottery/train.h"

const char *al_lr_schedule_name(al_lr_schedule s) { return s == AL_SCHEDULE_NOAM ? "noam" : "anneal"; }

al_status al_lr_schedule_parse(const char *s, al_lr_schedule *out) {
    if (!strcmp(s, "anneal")) *out = AL_SCHEDULE_ANNEAL;
    else if (!strcmp(s, "noam")) *out = AL_SCHEDULE_NOAM;
    else return al_error(AL_ERR_INVALID, "'%s' is not a schedule (anneal | noam)", s);
    return AL_OK;
}

const char *al_specaug_policy_name(int policy) {
    return policy == AL_SPECAUG_NEMO ? "nemo" : policy == AL_SPECAUG_DS2 ? "ds2" : "off";
}

al_status al_specaug_policy_parse(const char *s, int *out) {
    if (!strcmp(s, "off")) *out = AL_SPECAUG_OFF;
    else if (!strcmp(s, "ds2")) *out = AL_SPECAUG_DS2;
    else if (!strcmp(s, "nemo")) *out = AL_SPECAUG_NEMO;
    else return al_error(AL_ERR_INVALID, "'%s' is not a SpecAugment policy (off | ds2 | nemo)", s);
    return AL_OK;
}

al_train_opts al_train_defaults_for(const char *preset) {
    al_train_opts o = al_train_defaults();
    const al_model_family *f = preset ? al_model_family_for_preset(preset) : NULL;
    if (!f) return o;
    o.model = preset;
    const al_train_recipe *r = f->recipe;
    if (!r) return o;
    if (r->optimizer) al_optim_type_parse(r->optimizer, &o.optim.type), o.optim = al_optim_defaults(o.optim.type);
    double *fields[] = {&o.optim.lr, &o.optim.beta1, &o.optim.beta2, &o.optim.eps, &o.optim.weight_decay, &o.clip};
    const double values[] = {r->lr, r->beta1, r->beta2, r->eps, r->weight_decay, r->clip};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++)
        if (values[i] > 0) *fields[i] = values[i];
    if (r->schedule) al_lr_schedule_parse(r->schedule, &o.schedule);
    if (r->warmup_steps > 0) o.warmup_steps = r->warmup_steps;
    if (r->spec_augment) al_specaug_policy_parse(r->spec_augment, &o.spec_augment);
    if (r->zero_infinity) o.zero_infinity = 1;
    return o;
}
