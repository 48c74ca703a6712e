// The broker types of this build and how each network client is made.
#include "brokers/venue_factory.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include "brokers/alpaca/client.hpp"
#include "brokers/ibkr/client.hpp"
#include "config/logging.hpp"

namespace engine {

namespace {

/// IB order ids must never repeat, across restarts of the engine and of the gateway: the
/// highest id handed out is reserved ahead in blocks in a small file (written and fsynced
/// before an id of a new block is used), so a restart starts above anything ever sent.
class ib_id_floor {
public:
  explicit ib_id_floor(std::string path) : path_(std::move(path)) {
    std::ifstream in{path_};
    int64_t v = 0;
    if (in >> v)
      reserved_ = v;
  }
  int64_t next_floor() const { return reserved_ + 1; }
  /// Called before `id` goes on the wire.
  void used(int64_t id) {
    std::lock_guard<std::mutex> g{mtx_};
    if (id < reserved_)
      return;
    reserved_ = id + block;
    auto tmp = path_ + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
      logger("broker")->critical("cannot write the IB order id floor {}", tmp);
      return;
    }
    auto text = std::to_string(reserved_) + "\n";
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
              ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || std::rename(tmp.c_str(), path_.c_str()) != 0)
      logger("broker")->critical("cannot persist the IB order id floor {}", path_);
  }

private:
  static constexpr int64_t block = 1000;
  std::string path_;
  std::mutex mtx_;
  int64_t reserved_ = 0;
};

} // namespace

bool venue_type_built_in(const std::string& type) {
  return type == "simulator" || type == "alpaca" || type == "ibkr";
}

std::string venue_config_problem(const broker_config& b) {
  if (b.type == "alpaca")
    return alpaca::validate(alpaca::options_from(b, b.name));
  return "";
}

venue_maker make_venue_maker(const broker_config& b, const venue_context& ctx) {
  if (b.type == "alpaca") {
    auto opts = alpaca::options_from(b, b.name);
    if (b.requests_per_minute > 0)
      opts.requests_per_minute = b.requests_per_minute;
    return [opts] { return std::make_unique<alpaca::alpaca_connection>(opts); };
  }
  if (b.type == "ibkr") {
    ibkr::ibkr_options o;
    o.host = b.host;
    o.port = static_cast<uint16_t>(b.port);
    o.client_id = b.client_id;
    o.account = b.account;
    o.broker_name = b.name;
    o.answer_timeout_ms = b.answer_timeout_ms;
    o.ids = std::make_shared<ibkr::order_id_book>(); // shared by every attempt
    std::filesystem::create_directories(ctx.state_dir.empty() ? "." : ctx.state_dir);
    auto floor = std::make_shared<ib_id_floor>(
      (std::filesystem::path{ctx.state_dir.empty() ? "." : ctx.state_dir} / ("ibkr-" + b.name + ".ids"))
        .string());
    o.on_order_id = [floor](const std::string&, int64_t id) { floor->used(id); };
    return [o, floor]() mutable {
      o.min_order_id = floor->next_floor();
      return std::make_unique<ibkr::ibkr_connection>(o);
    };
  }
  throw std::runtime_error("broker type '" + b.type + "' has no client in this build");
}

} // namespace engine
