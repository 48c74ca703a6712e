// The IBKR venue connection: one TWS API socket session on its own Asio thread, behind the
// engine's venue_connection contract (orders, answers, reconciliation queries).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "brokers/ibkr/wire.hpp"
#include "brokers/net/venue_connection.hpp"
#include "messages/commission_completion.hpp"

namespace engine::ibkr {

// The pending / completion reports (commissionReport after execDetails) are the engine's own
// concept, shared with the order manager and the books (messages/commission_completion.hpp).
using engine::commission_completion_reason;
using engine::commission_pending_reason;
using engine::is_commission_completion;

/// What one order is to IB: its id, what was sent, what IB said last. Shared by the connection
/// objects of one broker (the supervisor builds a new one per attempt) so that a cancel after a
/// reconnect still finds the IB id.
struct ib_order {
  std::string engine_id; // = orderRef
  int64_t ib_id = 0;
  OrderRequest request;
  OrderStatus status = OrderStatus::pending_new;
  Quantity executed;
  Money notional;   // executed * price, for the average
  Money commission; // of the fills whose commission is known
  bool accepted = false;
  bool final = false;
  bool cancel_requested = false;
  bool replace_pending = false;
  std::optional<ReplaceRequest> replace;
  std::string last_error;
};

/// Thread-safe book of the IB order ids of one broker; ids never repeat within it.
class order_id_book {
public:
  /// The next id: max(floor, last used + 1); records it as used.
  int64_t allocate(int64_t floor);
  int64_t highest_used() const;
  void put(const ib_order& o);
  std::optional<ib_order> by_engine_id(const std::string& id) const;
  std::optional<ib_order> by_ib_id(int64_t id) const;
  /// Applies f to the entry (if any) under the lock.
  bool update(int64_t ib_id, const std::function<void(ib_order&)>& f);

private:
  mutable std::mutex mutex_;
  int64_t last_used_ = 0;
  std::map<int64_t, ib_order> by_ib_;
  std::map<std::string, int64_t> by_engine_;
};

struct ibkr_options {
  std::string host = "127.0.0.1";
  uint16_t port = 7497;
  int client_id = 1;
  std::string account;      // empty: the first managed account
  int64_t min_order_id = 1; // the highest IB order id in the journal + 1
  int connect_timeout_ms = 5000; // TCP connect + handshake
  int answer_timeout_ms = 10000; // ids after startApi, queries, heartbeat answers
  int heartbeat_ms = 5000;       // reqCurrentTime when the line was quiet this long
  int commission_wait_ms = 250;  // how long a fill waits for its commission (0: never)
  std::string broker_name = "ibkr";       // Fill.broker
  std::string local_time_zone = "America/New_York"; // for times without a zone (TWS setting)
  int min_version = min_server_version;
  int max_version = max_server_version;
  /// IB's nightly restart (UTC minute of day, length); a drop inside it is expected.
  std::optional<int> reset_daily_at_minute;
  int64_t reset_duration_ms = 0;
  /// Shared across connection attempts of one broker; made if null.
  std::shared_ptr<order_id_book> ids;
  /// Called (on the client thread) with each new IB order id before placeOrder is written, so
  /// the engine can journal it: the next process passes the highest + 1 as min_order_id.
  std::function<void(const std::string& engine_order_id, int64_t ib_order_id)> on_order_id;
  /// The engine's clock for receive times (UTC ns); the system clock when empty.
  std::function<timestamp_ns()> now;
};

/// Inside the configured daily reset window at `now_ns`?
bool in_reset_window(const ibkr_options& o, timestamp_ns now_ns);

struct ibkr_stats {
  std::atomic<int64_t> frames_in{0};
  std::atomic<int64_t> frames_out{0};
  std::atomic<int64_t> malformed_frames{0};
  std::atomic<int64_t> unhandled_messages{0};
  std::atomic<int64_t> time_fallbacks{0};
  std::atomic<int64_t> commission_joined{0};
  std::atomic<int64_t> commission_completed{0};
};

class ibkr_connection final : public net::venue_connection {
public:
  explicit ibkr_connection(ibkr_options opts);
  ~ibkr_connection() override;

  void start(net::venue_events events) override;
  /// Must not be called from inside a callback (it joins the client thread).
  void stop() override;

  void submit(const OrderRequest& order) override;
  void cancel(const CancelRequest& cancel) override;
  void replace(const ReplaceRequest& replace) override;

  void order_by_client_id(const std::string& client_order_id,
                          net::answer<OrderExecution> done) override;
  void open_orders(net::answer<std::vector<OrderExecution>> done) override;
  void fills_since(timestamp_ns since_ns, net::answer<std::vector<Fill>> done) override;
  void positions(net::answer<std::vector<Position>> done) override;
  void account(net::answer<AccountInfo> done) override;

  /// The negotiated server version (0 before the handshake).
  int server_version() const { return server_version_.load(); }
  const ibkr_stats& stats() const { return stats_; }
  const std::shared_ptr<order_id_book>& ids() const { return opts_.ids; }
  /// Sends raw bytes (tests: what a broken client would send). Posted to the client thread.
  void send_raw_for_test(std::string bytes);

private:
  struct impl;
  ibkr_options opts_;
  ibkr_stats stats_;
  std::atomic<int> server_version_{0};
  std::shared_ptr<impl> impl_;
};

} // namespace engine::ibkr
