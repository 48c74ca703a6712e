// Loads strategy plug-ins (shared libraries with the entry point of actors/strategy_plugin.hpp) for `type: plugin`.
#include "actors/strategy_plugin_loader.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "actors/strategy_plugin.hpp"

namespace engine {

namespace {

using config_read::entry;

/// A dlopen handle; closed when the last strategy it made is gone.
struct loaded_library {
  void* handle = nullptr;
  const engine_strategy_plugin_info* info = nullptr;
  ~loaded_library() {
    if (handle)
      dlclose(handle);
  }
};

/// Where errors point: the strategy's map, or (built in code) just its name.
struct where {
  const strategy_config& cfg;

  std::string file() const { return cfg.entry && cfg.entry->src ? cfg.entry->src->file : ""; }
  std::string path() const {
    return cfg.entry ? cfg.entry->path : "strategies." + cfg.name;
  }
  int line_of(std::string_view key) const {
    if (!cfg.entry)
      return 0;
    if (auto e = config_read::peek(*cfg.entry, key))
      return e->line;
    return cfg.entry->line;
  }
  [[noreturn]] void fail(std::string_view key, const std::string& message) const {
    throw config_error(file(), line_of(key), path() + "." + std::string{key}, message);
  }
};

/// The params entry (a null one at the strategy's line when absent).
entry params_entry(const strategy_config& cfg) {
  if (cfg.entry) {
    if (auto p = config_read::peek(*cfg.entry, "params"))
      return *p;
    return entry{cfg.entry->src, YAML::Node(), cfg.entry->child_path("params"), cfg.entry->line};
  }
  static const config_read::source none{"", ""};
  return entry{&none, YAML::Node(), "strategies." + cfg.name + ".params", 0};
}

/// The line of `key` (a path below params like "weights.AAPL"), else the map's.
int line_below(const entry& params, const std::string& key) {
  entry at = params;
  size_t start = 0;
  while (start < key.size()) {
    auto dot = key.find('.', start);
    auto part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    auto next = config_read::peek(at, part);
    if (!next)
      break;
    at = *next;
    if (dot == std::string::npos)
      break;
    start = dot + 1;
  }
  return at.line;
}

std::shared_ptr<loaded_library> open_library(const where& w) {
  static std::mutex mtx;
  static std::map<std::string, std::weak_ptr<loaded_library>> cache;
  const auto& path = w.cfg.library;
  std::lock_guard<std::mutex> guard{mtx};
  if (auto lib = cache[path].lock())
    return lib;
  auto lib = std::make_shared<loaded_library>();
  // RTLD_LOCAL: two plug-ins may both carry their own copy of the SDK's code.
  lib->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib->handle) {
    const char* why = dlerror();
    w.fail("library", "cannot load '" + path + "': " + (why ? why : "unknown error"));
  }
  auto fn = reinterpret_cast<engine_strategy_plugin_fn>(
    dlsym(lib->handle, ENGINE_STRATEGY_PLUGIN_SYMBOL));
  if (!fn)
    w.fail("library", "'" + path + "' is not a strategy plug-in: it exports no " +
                        ENGINE_STRATEGY_PLUGIN_SYMBOL + "()");
  lib->info = fn();
  if (!lib->info)
    w.fail("library", "'" + path + "': " + ENGINE_STRATEGY_PLUGIN_SYMBOL + "() returned nothing");
  if (lib->info->abi_version != ENGINE_STRATEGY_ABI_VERSION)
    w.fail("library", "'" + path + "' was built for strategy ABI version " +
                        std::to_string(lib->info->abi_version) + ", this engine loads version " +
                        std::to_string(ENGINE_STRATEGY_ABI_VERSION) +
                        ": rebuild it against this engine's SDK (" + ENGINE_SDK_VERSION + ")");
  if (!lib->info->classes || !lib->info->create || !lib->info->destroy)
    w.fail("library", "'" + path + "' has an incomplete plug-in table");
  cache[path] = lib;
  return lib;
}

/// The plug-in's strategy behind the engine's interface: it owns the object
/// (destroyed by the library that made it) and keeps the library loaded.
class plugin_strategy final : public strategy {
public:
  plugin_strategy(std::shared_ptr<loaded_library> lib, strategy* impl)
    : lib_(std::move(lib)), impl_(impl) {}
  ~plugin_strategy() override { lib_->info->destroy(impl_); }

  void on_start(strategy_context& c) override { impl_->on_start(c); }
  void on_quote(strategy_context& c, const Quote& q) override { impl_->on_quote(c, q); }
  void on_update(strategy_context& c, const OrderUpdate& u) override { impl_->on_update(c, u); }
  void on_fill(strategy_context& c, const Fill& f) override { impl_->on_fill(c, f); }
  void on_stop(strategy_context& c) override { impl_->on_stop(c); }

private:
  std::shared_ptr<loaded_library> lib_;
  strategy* impl_;
};

} // namespace

std::unique_ptr<strategy> make_plugin_strategy(const strategy_config& cfg) {
  where w{cfg};
  auto lib = open_library(w);
  std::vector<std::string_view> classes;
  for (auto c = lib->info->classes; *c; ++c)
    classes.emplace_back(*c);
  if (std::find(classes.begin(), classes.end(), cfg.plugin_class) == classes.end()) {
    std::string msg = "'" + cfg.library + "' makes no class '" + cfg.plugin_class + "'";
    if (auto near = config_read::closest(cfg.plugin_class, classes))
      msg += "; did you mean '" + *near + "'?";
    else {
      msg += " (it makes:";
      for (auto c : classes)
        msg += " " + std::string{c};
      msg += ")";
    }
    w.fail("class", msg);
  }
  auto params = params_entry(cfg);
  engine_strategy_params p{cfg.name.c_str(), cfg.params_yaml.c_str(), &params};
  engine_strategy_error err{};
  strategy* made = lib->info->create(cfg.plugin_class.c_str(), &p, &err);
  if (!made) {
    std::string key = err.key;
    std::string full = key.empty()                          ? w.path()
                       : key.rfind(params.path, 0) == 0 || key.rfind(w.path(), 0) == 0 ? key
                                                            : params.path + "." + key;
    int line = err.line;
    if (line <= 0)
      line = key.empty() ? w.line_of("class")
                         : line_below(params, full.rfind(params.path + ".", 0) == 0
                                                ? full.substr(params.path.size() + 1)
                                                : std::string{});
    throw config_error(w.file(), line, full, err.message[0] ? err.message : "create failed");
  }
  return std::make_unique<plugin_strategy>(std::move(lib), made);
}

} // namespace engine
