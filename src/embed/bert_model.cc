// Copyright 2026 The semble Authors.

#include "embed/bert_model.h"

#include <simdjson.h>

#include <initializer_list>
#include <string>

namespace semble::embed {
namespace {

// Drops the decorations exporters add in front of the same names: a leading '.', "bert.".
std::string Canonical(std::string name) {
  while (!name.empty() && name.front() == '.') name.erase(0, 1);
  if (name.starts_with("bert.")) name.erase(0, 5);
  return name;
}

class Names {
 public:
  explicit Names(TensorMap tensors) {
    for (auto& [name, t] : tensors) map_[Canonical(name)] = std::move(t);
  }

  // The first candidate present, checked to have `elements` elements.
  Result<std::vector<float>> Take(std::initializer_list<std::string> candidates, size_t elements) {
    for (const std::string& c : candidates) {
      auto it = map_.find(c);
      if (it == map_.end()) continue;
      if (it->second.data.size() != elements) {
        return Status::Corruption("tensor \"" + c + "\" has " +
                                  std::to_string(it->second.data.size()) +
                                  " elements, config.json implies " + std::to_string(elements));
      }
      std::vector<float> out = std::move(it->second.data);
      map_.erase(it);
      return out;
    }
    return Status::Corruption("weights: tensor \"" + *candidates.begin() + "\" is missing");
  }

 private:
  std::map<std::string, Tensor> map_;
};

}  // namespace

Result<BertConfig> ParseBertConfig(std::string_view json) {
  namespace dom = simdjson::dom;
  dom::parser parser;
  dom::element doc;
  if (parser.parse(simdjson::padded_string(json)).get(doc) != simdjson::SUCCESS) {
    return Status::Corruption("config.json is not valid JSON");
  }
  std::string_view type;
  if (!doc["model_type"].get(type) && type != "bert") {
    return Status::InvalidArgument("config.json: model_type \"" + std::string(type) +
                                   "\" is not supported (BERT-family encoders only)");
  }
  std::string_view act;
  if (!doc["hidden_act"].get(act) && act != "gelu") {
    return Status::InvalidArgument("config.json: hidden_act \"" + std::string(act) +
                                   "\" is not supported (gelu only)");
  }
  BertConfig c;
  auto get = [&](const char* key, size_t* out, bool required) -> Status {
    uint64_t v;
    if (doc[key].get(v) != simdjson::SUCCESS) {
      return required ? Status::Corruption(std::string("config.json: \"") + key + "\" missing")
                      : Status::OK();
    }
    if (v == 0 || v > (1u << 24)) {
      return Status::Corruption(std::string("config.json: \"") + key + "\" out of range");
    }
    *out = v;
    return Status::OK();
  };
  SEMBLE_RETURN_IF_ERROR(get("vocab_size", &c.vocab_size, true));
  SEMBLE_RETURN_IF_ERROR(get("hidden_size", &c.hidden, true));
  SEMBLE_RETURN_IF_ERROR(get("num_hidden_layers", &c.layers, true));
  SEMBLE_RETURN_IF_ERROR(get("num_attention_heads", &c.heads, true));
  SEMBLE_RETURN_IF_ERROR(get("intermediate_size", &c.intermediate, true));
  SEMBLE_RETURN_IF_ERROR(get("max_position_embeddings", &c.max_positions, false));
  SEMBLE_RETURN_IF_ERROR(get("type_vocab_size", &c.type_vocab_size, false));
  double eps;
  if (!doc["layer_norm_eps"].get(eps)) c.layer_norm_eps = static_cast<float>(eps);
  if (c.hidden % c.heads != 0) {
    return Status::Corruption("config.json: hidden_size is not a multiple of num_attention_heads");
  }
  if (c.layers > 256) return Status::Corruption("config.json: too many layers");
  return c;
}

Result<BertWeights> BuildBertWeights(const BertConfig& config, TensorMap tensors) {
  Names names(std::move(tensors));
  BertWeights w;
  w.config = config;
  const size_t h = config.hidden, f = config.intermediate;
  SEMBLE_ASSIGN_OR_RETURN(w.word, names.Take({"model.embeddings.word_embeddings.weight",
                                              "embeddings.word_embeddings.weight"},
                                             config.vocab_size * h));
  SEMBLE_ASSIGN_OR_RETURN(w.position, names.Take({"model.embeddings.position_embeddings.weight",
                                                  "embeddings.position_embeddings.weight"},
                                                 config.max_positions * h));
  SEMBLE_ASSIGN_OR_RETURN(w.token_type, names.Take({"model.embeddings.token_type_embeddings.weight",
                                                    "embeddings.token_type_embeddings.weight"},
                                                   config.type_vocab_size * h));
  // A LayerNorm's scale and shift, named as in the ONNX export or in a Hugging Face checkpoint
  // (older ones call them gamma and beta).
  auto take_norm = [&names, h](const std::string& onnx, const std::string& hf,
                               std::vector<float>* gamma, std::vector<float>* beta) -> Status {
    SEMBLE_ASSIGN_OR_RETURN(*gamma,
                            names.Take({onnx + ".weight", hf + ".weight", hf + ".gamma"}, h));
    SEMBLE_ASSIGN_OR_RETURN(*beta, names.Take({onnx + ".bias", hf + ".bias", hf + ".beta"}, h));
    return Status::OK();
  };
  // A linear layer (weight [out, in], bias [out]), packed for the encoder's kernels.
  auto take_linear = [&names](const std::string& onnx, const std::string& hf, size_t out,
                              size_t in) -> Result<PackedLinear> {
    SEMBLE_ASSIGN_OR_RETURN(std::vector<float> wt,
                            names.Take({onnx + ".MatMul.weight", hf + ".weight"}, out * in));
    SEMBLE_ASSIGN_OR_RETURN(std::vector<float> b,
                            names.Take({onnx + ".Add.bias", hf + ".bias"}, out));
    return PackLinear(wt.data(), b.data(), out, in);
  };
  SEMBLE_RETURN_IF_ERROR(take_norm("model.layers.-1.embeddings_norm_layernorm",
                                   "embeddings.LayerNorm", &w.emb_gamma, &w.emb_beta));
  for (size_t i = 0; i < config.layers; ++i) {
    const std::string o = "model.layers." + std::to_string(i) + ".";
    const std::string hf = "encoder.layer." + std::to_string(i) + ".";
    BertLayer layer;
    std::vector<float> qkv_w, qkv_b;
    for (const auto& [onnx, hfname] : {std::pair<const char*, const char*>{"q_proj", "query"},
                                       {"k_proj", "key"},
                                       {"v_proj", "value"}}) {
      SEMBLE_ASSIGN_OR_RETURN(std::vector<float> wt,
                              names.Take({o + "attn." + onnx + ".MatMul.weight",
                                          hf + "attention.self." + hfname + ".weight"},
                                         h * h));
      SEMBLE_ASSIGN_OR_RETURN(
          std::vector<float> b,
          names.Take({o + "attn." + onnx + ".Add.bias", hf + "attention.self." + hfname + ".bias"},
                     h));
      qkv_w.insert(qkv_w.end(), wt.begin(), wt.end());
      qkv_b.insert(qkv_b.end(), b.begin(), b.end());
    }
    layer.qkv = PackLinear(qkv_w.data(), qkv_b.data(), 3 * h, h);
    SEMBLE_ASSIGN_OR_RETURN(layer.out,
                            take_linear(o + "attn.o_proj", hf + "attention.output.dense", h, h));
    SEMBLE_RETURN_IF_ERROR(take_norm(o + "attention_output_norm_layernorm",
                                     hf + "attention.output.LayerNorm", &layer.ln1_gamma,
                                     &layer.ln1_beta));
    SEMBLE_ASSIGN_OR_RETURN(layer.fc1, take_linear(o + "mlp.fc1", hf + "intermediate.dense", f, h));
    SEMBLE_ASSIGN_OR_RETURN(layer.fc2, take_linear(o + "mlp.fc2", hf + "output.dense", h, f));
    SEMBLE_RETURN_IF_ERROR(take_norm(o + "mlp_output_norm_layernorm", hf + "output.LayerNorm",
                                     &layer.ln2_gamma, &layer.ln2_beta));
    w.layers.push_back(std::move(layer));
  }
  return w;
}

}  // namespace semble::embed
