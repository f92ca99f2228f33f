// libsentencepiece behind the C interface of spm.h.
#include "units/spm.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

struct al_spm {
    sentencepiece::SentencePieceProcessor sp;
};

namespace {

// The training sentences, from memory.
class Texts : public sentencepiece::SentenceIterator {
  public:
    Texts(const char *const *texts, size_t n) : texts_(texts), n_(n) {}
    bool done() const override { return i_ >= n_; }
    void Next() override { i_++; }
    const std::string &value() const override { return value_ = texts_[i_]; }
    sentencepiece::util::Status status() const override { return sentencepiece::util::Status(); }

  private:
    const char *const *texts_;
    size_t n_, i_ = 0;
    mutable std::string value_;
};

}  // namespace

extern "C" al_status al_spm_train_bpe(const char *const *texts, size_t n, int vocab, char **model, size_t *bytes) {
    *model = nullptr;
    *bytes = 0;
    try {
        Texts it(texts, n);
        std::string proto;
        const std::string args = "--model_type=bpe --vocab_size=" + std::to_string(vocab) +
                                 " --character_coverage=1.0 --normalization_rule_name=identity --unk_id=0"
                                 " --bos_id=-1 --eos_id=-1 --pad_id=-1 --minloglevel=2 --num_threads=1";
        auto st = sentencepiece::SentencePieceTrainer::Train(args, &it, &proto);
        if (!st.ok()) return al_error(AL_ERR_INVALID, "BPE training (%d pieces): %s", vocab, st.ToString().c_str());
        *model = static_cast<char *>(std::malloc(proto.size()));
        if (!*model) return al_error(AL_ERR_NOMEM, "out of memory");
        std::memcpy(*model, proto.data(), proto.size());
        *bytes = proto.size();
        return AL_OK;
    } catch (const std::exception &e) {
        return al_error(AL_ERR_INVALID, "BPE training: %s", e.what());
    }
}

extern "C" al_status al_spm_load(const char *model, size_t bytes, al_spm **out) {
    *out = nullptr;
    try {
        al_spm *s = new al_spm;
        auto st = s->sp.LoadFromSerializedProto(std::string(model, bytes));
        if (!st.ok()) {
            delete s;
            return al_error(AL_ERR_FORMAT, "not a SentencePiece model: %s", st.ToString().c_str());
        }
        *out = s;
        return AL_OK;
    } catch (const std::exception &e) {
        return al_error(AL_ERR_NOMEM, "SentencePiece: %s", e.what());
    }
}

extern "C" void al_spm_free(al_spm *s) { delete s; }

extern "C" int al_spm_pieces(const al_spm *s) { return s->sp.GetPieceSize(); }

extern "C" al_status al_spm_encode(const al_spm *s, const char *text, int *ids, int cap, int *n) {
    try {
        std::vector<int> v;
        auto st = s->sp.Encode(text, &v);
        if (!st.ok()) return al_error(AL_ERR_INVALID, "BPE encoding: %s", st.ToString().c_str());
        if (v.size() > static_cast<size_t>(cap))
            return al_error(AL_ERR_INVALID, "BPE encoding: %zu pieces exceed the capacity %d", v.size(), cap);
        std::copy(v.begin(), v.end(), ids);
        *n = static_cast<int>(v.size());
        return AL_OK;
    } catch (const std::exception &e) {
        return al_error(AL_ERR_NOMEM, "BPE encoding: %s", e.what());
    }
}

extern "C" al_status al_spm_decode(const al_spm *s, const int *ids, int n, char **text) {
    *text = nullptr;
    try {
        std::string out;
        auto st = s->sp.Decode(std::vector<int>(ids, ids + n), &out);
        if (!st.ok()) return al_error(AL_ERR_INVALID, "BPE decoding: %s", st.ToString().c_str());
        *text = static_cast<char *>(std::malloc(out.size() + 1));
        if (!*text) return al_error(AL_ERR_NOMEM, "out of memory");
        std::memcpy(*text, out.c_str(), out.size() + 1);
        return AL_OK;
    } catch (const std::exception &e) {
        return al_error(AL_ERR_NOMEM, "BPE decoding: %s", e.what());
    }
}
