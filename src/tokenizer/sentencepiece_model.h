// tokenizer/sentencepiece_model.h: SentencePiece models (libsentencepiece) with Hugging Face's
// slow-tokenizer rules around them: AlbertTokenizer (spiece.model), XLMRobertaTokenizer and
// CamembertTokenizer (sentencepiece.bpe.model with fairseq's id mappings).
// Contract: load() reads a .model file (kIo / kFormat errors name it). vocab() is the vocabulary
// in lightbert ids: ALBERT uses the SentencePiece ids; XLM-R puts <s> <pad> </s> <unk> at 0-3,
// SentencePiece id k >= 3 at k + 1 and <mask> last; CamemBERT puts <s>NOTUSED <pad> </s>NOTUSED
// <unk> <unk>NOTUSED at 0-4, SentencePiece id k >= 1 at k + 4 and <mask> last (both map
// SentencePiece's id 0 to <unk>). encode() tokenizes one section of text (no
// added tokens in it): ALBERT first applies AlbertTokenizer.preprocess_text (strip and collapse
// whitespace, `` and '' -> ", NFKD and combining marks dropped unless keep_accents, lower-case
// when do_lower_case) and re-splits pieces ending in digit + "," as AlbertTokenizer._tokenize
// does; XLM-R and CamemBERT pass the text unchanged. Offsets are the code point span (in the caller's text)
// of each piece's SentencePiece surface, the whitespace it absorbed included; an empty surface
// gives an empty span. A run of 3+ code points that no piece contains (one <unk> piece however
// long) reaches libsentencepiece, which is quadratic in it, as its first and last code point:
// the same pieces and offsets in linear time. Thread-safe (const); the caller owns the scratch
// buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lightbert::tokenizer {

enum class SpmFamily { kAlbert, kXlmRoberta, kCamembert };

struct SpmOptions {
  SpmFamily family = SpmFamily::kAlbert;
  bool do_lower_case = true;  // ALBERT
  bool keep_accents = false;  // ALBERT
  bool remove_space = true;   // ALBERT
};

struct SpmPiece {
  int32_t id;     // lightbert id
  int32_t begin;  // code points of the caller's text
  int32_t end;
  bool word_start;  // the piece begins with U+2581
};

struct SpmScratch {
  std::vector<char32_t> a, b;
  std::vector<int32_t> src_a, src_b;
  std::string utf8;
  std::vector<int32_t> byte_src;
};

class SentencePieceModel {
 public:
  static std::shared_ptr<const SentencePieceModel> load(const std::string& path,
                                                        const SpmOptions& options);
  ~SentencePieceModel();

  const std::vector<std::string>& vocab() const { return vocab_; }
  const SpmOptions& options() const { return options_; }
  int32_t unk_id() const { return unk_id_; }

  // Appends the pieces of text[begin, end) to `out`.
  void encode(const char32_t* text, size_t begin, size_t end, SpmScratch& scratch,
              std::vector<SpmPiece>& out) const;

 private:
  struct State;
  SentencePieceModel() = default;
  int32_t to_id(int spm_id) const;
  void preprocess(const char32_t* text, size_t begin, size_t end, SpmScratch& s) const;
  void collapse_unknown_runs(SpmScratch& s) const;

  std::unique_ptr<State> state_;
  SpmOptions options_;
  std::vector<std::string> vocab_;
  int32_t unk_id_ = 0;
};

}  // namespace lightbert::tokenizer
