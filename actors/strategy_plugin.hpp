// The strategy plug-in ABI: the one C entry point a strategy library exports, and the C++ helpers that write it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h> // ctx.log() is a spdlog::logger

#include "actors/strategy.hpp"
#include "config/config_loader.hpp"
#include "config/yaml_read.hpp"

/// Bumped whenever anything a plug-in compiles against changes layout: the
/// structs below, engine::strategy / strategy_context, the message types, the
/// config readers. The engine loads only a library built for its own version.
#define ENGINE_STRATEGY_ABI_VERSION 1u

#ifndef ENGINE_SDK_VERSION
#define ENGINE_SDK_VERSION "0.1.0"
#endif

/// The symbol the engine looks up with dlsym.
#define ENGINE_STRATEGY_PLUGIN_SYMBOL "engine_strategy_plugin"

extern "C" {

/// A strategy's `params:` map, as the host parsed it.
struct engine_strategy_params {
  const char* strategy_name; // the strategy's `name:`
  const char* yaml;          // the map as flow-style YAML text ("{}" when absent)
  const void* entry;         // a const engine::config_read::entry* (read it with engine::plugin_params)
};

/// What a failed create reports; the host prints it as "FILE:LINE: KEY: message".
struct engine_strategy_error {
  int line;           // 1-based line in the config file; 0 = the host finds the line of `key`
  char key[256];      // full key path ("strategies[0].params.window"), or a path below
                      // params ("window"), or "" for the strategy as a whole
  char message[1024]; // what is wrong
};

/// What the entry point returns. abi_version stays the first member in every version.
struct engine_strategy_plugin_info {
  uint32_t abi_version;       // ENGINE_STRATEGY_ABI_VERSION the library was built with
  const char* sdk_version;    // e.g. "0.1.0", for messages
  const char* const* classes; // the class names it makes, NULL-terminated
  /// A new strategy of `class_name`, or NULL with `error` filled (unknown
  /// class, bad params, throwing constructor). Never throws.
  engine::strategy* (*create)(const char* class_name, const engine_strategy_params* params,
                              engine_strategy_error* error);
  /// Destroys what create made (inside the library that allocated it).
  void (*destroy)(engine::strategy* s);
};

/// The one entry point: `extern "C" const engine_strategy_plugin_info* engine_strategy_plugin(void)`.
typedef const engine_strategy_plugin_info* (*engine_strategy_plugin_fn)(void);

} // extern "C"

namespace engine {

/// A plug-in strategy's view of its `params:` map. The readers are the
/// engine's own config readers, so a bad value reads exactly like any other
/// config error: "app.yaml:14: strategies[0].params.window: must be >= 2, got '1'".
class plugin_params {
public:
  explicit plugin_params(const engine_strategy_params& p)
    : raw_(p), entry_(static_cast<const config_read::entry*>(p.entry)) {}

  std::string_view strategy_name() const { return raw_.strategy_name; }
  /// The map as YAML text.
  std::string_view yaml() const { return raw_.yaml; }
  /// The map itself (file, line, key path).
  const config_read::entry& entry() const { return *entry_; }
  /// The map's keys, checked against `allowed` (an unknown key is an error
  /// that suggests the closest); read each with s.get(key) / s.require(key)
  /// and config_read::read_decimal<Price>(...), read_int(...), read_string(...).
  config_read::section keys(const std::vector<std::string_view>& allowed) const {
    return config_read::check_keys(*entry_, allowed);
  }

private:
  engine_strategy_params raw_;
  const config_read::entry* entry_;
};

/// One class a plug-in makes: its config name and how to build it from params.
struct plugin_class {
  const char* name;
  strategy* (*make)(const plugin_params& params);

  template <class T>
  static plugin_class of(const char* name) {
    return {name, [](const plugin_params& p) -> strategy* { return new T(p); }};
  }
};

namespace plugin_detail {

inline void copy_text(char* out, size_t size, std::string_view text) {
  size_t n = text.size() < size - 1 ? text.size() : size - 1;
  text.copy(out, n);
  out[n] = '\0';
}

/// create() for a table of classes: exceptions never cross the C boundary.
template <size_t N>
strategy* create(const plugin_class (&table)[N], const char* class_name,
                 const engine_strategy_params* params, engine_strategy_error* error) {
  error->line = 0;
  error->key[0] = '\0';
  error->message[0] = '\0';
  for (const auto& c : table) {
    if (std::string_view{c.name} != class_name)
      continue;
    try {
      return c.make(plugin_params{*params});
    } catch (const config_error& e) {
      error->line = e.line();
      copy_text(error->key, sizeof error->key, e.key());
      copy_text(error->message, sizeof error->message, e.message());
    } catch (const std::exception& e) {
      copy_text(error->message, sizeof error->message,
                std::string{"constructor of "} + class_name + " threw: " + e.what());
    } catch (...) {
      copy_text(error->message, sizeof error->message,
                std::string{"constructor of "} + class_name + " threw a non-standard exception");
    }
    return nullptr;
  }
  copy_text(error->message, sizeof error->message,
            std::string{"this library makes no class '"} + class_name + "'");
  return nullptr;
}

template <size_t N>
const char* const* class_names(const plugin_class (&table)[N]) {
  static const char* names[N + 1] = {};
  for (size_t i = 0; i < N; ++i)
    names[i] = table[i].name;
  return names;
}

} // namespace plugin_detail

} // namespace engine

#if defined(__GNUC__)
#define ENGINE_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define ENGINE_PLUGIN_EXPORT
#endif

/// Defines the entry point for a table of engine::plugin_class (one per
/// library, at namespace scope):
///
///   const engine::plugin_class classes[] = {engine::plugin_class::of<my_strategy>("my_strategy")};
///   ENGINE_STRATEGY_PLUGIN(classes)
#define ENGINE_STRATEGY_PLUGIN(table)                                                        \
  extern "C" ENGINE_PLUGIN_EXPORT const engine_strategy_plugin_info* engine_strategy_plugin() { \
    static const engine_strategy_plugin_info info{                                           \
      ENGINE_STRATEGY_ABI_VERSION, ENGINE_SDK_VERSION, ::engine::plugin_detail::class_names(table), \
      [](const char* name, const engine_strategy_params* p, engine_strategy_error* e) {      \
        return ::engine::plugin_detail::create(table, name, p, e);                           \
      },                                                                                     \
      [](::engine::strategy* s) { delete s; }};                                              \
    return &info;                                                                            \
  }

