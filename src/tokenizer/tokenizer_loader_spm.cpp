// tokenizer/tokenizer_loader_spm.cpp: SentencePiece folders (ALBERT, XLM-R, CamemBERT).
// Contract: the family is the SentencePiece row of the family table (formats/model_family.h)
// whose tokenizer_class starts tokenizer_config.json's tokenizer_class (Albert*, XLMRoberta*;
// another class is kUnsupported) or, without one, whose tokenizer_file is the model file's
// name: spiece.model is ALBERT
// (ids as in the model, [CLS] A [SEP] B [SEP] with type ids 0/1, do_lower_case default true,
// keep_accents default false, remove_space default true), sentencepiece.bpe.model is XLM-R
// (fairseq ids, <s> A </s></s> B </s> with type ids 0, no lower-casing); CamemBERT is XLM-R with
// CamembertTokenizer's ids (a class of a kSentencePieceCamembert row). The special tokens
// (tokenizer_config.json / special_tokens_map.json, or added_tokens_decoder) are added tokens
// matched on the raw text; the mask token strips the whitespace on its left.
#include <string>

#include "formats/model_family.h"
#include "lightbert/error.h"
#include "tokenizer/loader_json.h"
#include "tokenizer/tokenizer_loaders.h"

namespace lightbert::tokenizer::loader {

using nlohmann::json;

namespace {

bool is_sentencepiece(const formats::FamilyDescriptor& f) {
  return f.tokenizer_kind == formats::TokenizerKind::kSentencePieceAlbert ||
         f.tokenizer_kind == formats::TokenizerKind::kSentencePieceXlmr ||
         f.tokenizer_kind == formats::TokenizerKind::kSentencePieceCamembert;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The SentencePiece row whose tokenizer_class starts `cls`, or without a class the first whose
// vocabulary file (tokenizer_files[0]) names the model file; nullptr when none.
const formats::FamilyDescriptor* sentencepiece_family(const std::string& cls,
                                                      const std::string& model_path) {
  for (const formats::FamilyDescriptor& f : formats::families()) {
    if (!is_sentencepiece(f)) continue;
    if (cls.empty()
            ? ends_with(model_path, "/" + f.tokenizer_files.at(0)) ||
                  model_path == f.tokenizer_files.at(0)
            : cls.rfind(f.tokenizer_class, 0) == 0) {
      return &f;
    }
  }
  return nullptr;
}

}  // namespace

void read_sentencepiece(const std::string& dir, const std::string& model_path,
                        TokenizerSpec& spec) {
  const std::string config_path = dir + "/tokenizer_config.json";
  const json cfg = file_exists(config_path) ? parse_json(config_path) : json::object();
  SpmOptions options;
  const std::string cls = get_string(cfg, "tokenizer_class", "", config_path);
  const formats::FamilyDescriptor* family = sentencepiece_family(cls, model_path);
  if (family == nullptr) {
    std::string known;
    for (const formats::FamilyDescriptor& f : formats::families()) {
      if (is_sentencepiece(f)) known += (known.empty() ? "" : ", ") + f.tokenizer_class;
    }
    bad_field(config_path, "tokenizer_class",
              "\"" + cls + "\" is not supported with a SentencePiece model (" + known + ")",
              ErrorCode::kUnsupported);
  }
  switch (family->tokenizer_kind) {
    case formats::TokenizerKind::kSentencePieceAlbert:
      options.family = SpmFamily::kAlbert;
      break;
    case formats::TokenizerKind::kSentencePieceCamembert:
      options.family = SpmFamily::kCamembert;
      break;
    default:
      options.family = SpmFamily::kXlmRoberta;
      break;
  }
  const bool albert = options.family == SpmFamily::kAlbert;

  spec.kind = TokenizerModelKind::kSentencePiece;
  spec.source = model_path;
  spec.has_normalizer = false;
  TokenizerConfig& c = spec.config;
  c.tokenize_chinese_chars = false;
  c.do_lower_case = albert;
  c.cls_token = albert ? "[CLS]" : "<s>";
  c.sep_token = albert ? "[SEP]" : "</s>";
  c.pad_token = "<pad>";
  c.unk_token = "<unk>";
  c.mask_token = albert ? "[MASK]" : "<mask>";
  read_tokenizer_config(dir, spec);
  if (albert) {
    const bool keep_accents = get_bool(cfg, "keep_accents", false, config_path);
    options.do_lower_case = c.do_lower_case;
    options.keep_accents = keep_accents;
    options.remove_space = get_bool(cfg, "remove_space", true, config_path);
    c.strip_accents = !keep_accents;
  } else {
    c.do_lower_case = false;  // XLMRobertaTokenizer has no such setting
    c.strip_accents = false;
    options.do_lower_case = false;
    options.keep_accents = true;
    options.remove_space = false;
  }
  spec.spm = SentencePieceModel::load(model_path, options);
  spec.vocab = spec.spm->vocab();
  add_special_tokens(cfg, config_path, spec);
  spec.has_template = true;
  const int32_t cls_id = find_token_id(spec, c.cls_token);
  const int32_t sep_id = find_token_id(spec, c.sep_token);
  if (cls_id < 0 || sep_id < 0) {
    throw Error(ErrorCode::kFormat, model_path + ": cls_token \"" + c.cls_token +
                                        "\" or sep_token \"" + c.sep_token +
                                        "\" is not in the vocabulary");
  }
  spec.post = albert ? tokenizer::Template::bert(cls_id, sep_id)
                     : tokenizer::Template::roberta(cls_id, sep_id);
}

}  // namespace lightbert::tokenizer::loader
