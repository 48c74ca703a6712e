// One node of the engine: the actors config places on it, started in order and stopped in reverse.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/market_data_status.hpp"
#include "config/app_config.hpp"
#include "messages/all_messages.hpp"

namespace caf {
class actor_system;
}

namespace engine {

class actor_directory;

/// What a run ends with: the books and the order counts (the --report file).
struct node_report {
  std::vector<Position> positions;
  AccountInfo account;
  PerformanceMetrics metrics;
  OrderStats orders;
  /// This node's strategies: name and "running" or "stopped: <why>".
  std::vector<std::pair<std::string, std::string>> strategies;
  market_data_status market_data; // the live feed's state and counters (polygon)
  std::vector<BrokerStatus> brokers; // each broker's connection state at the end
  bool complete = true; // false when a part did not answer within the time allowed
};

/// A start that cannot go on (a broker type not built in, a missing market data source):
/// execution-node exits with code 2, as for a bad config.
struct startup_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Builds the actor system, spawns the actors this node hosts, and tears
/// them down in the reverse order. Usable without knowing CAF.
/// How a node starts.
struct node_options {
  std::string name = "main";
  /// Quarantine damaged journal lines instead of refusing to start.
  bool recover_journal = false;
  /// Strategy hosts print "ACK <client_order_id> <order_id>" for each accepted
  /// order (what a client was told; used by the crash tests).
  bool print_acks = false;
};

class engine_node {
public:
  explicit engine_node(app_config cfg, node_options opts = {});
  ~engine_node();
  engine_node(const engine_node&) = delete;
  engine_node& operator=(const engine_node&) = delete;

  /// Replays the journal (positions, orders, sequence numbers), spawns every
  /// actor placed on this node, reconciles recovered open orders with the
  /// broker, and starts the market data. Throws journal_error for a damaged
  /// journal (without recover_journal) and std::runtime_error when the broker
  /// cannot be reconciled.
  void start();
  /// True once the market data has ended (end of file, session close).
  bool data_finished() const;
  /// Waits until the data ends or the timeout passes; true if it ended.
  bool wait_data_finished(std::chrono::milliseconds timeout);
  /// The beginning of the stop: new orders are refused from now on (shutting_down), the
  /// market data stops, and it waits (within one budget) until what is in flight has
  /// settled: every report at the venue journaled and applied to the books. Resting orders
  /// stay open in the journal, as a venue keeps them (docs/OPERATIONS.md).
  void drain();
  /// The same, with every wait counted from `requested` (when the stop was asked for) and the
  /// whole drain over by `requested + budget` when every venue is simulated (a network venue's
  /// answers are waited for up to 20 s). What a cut leaves unsettled is in the journal or was
  /// never acknowledged (docs/OPERATIONS.md, "Stopping").
  void drain(std::chrono::steady_clock::time_point requested, std::chrono::milliseconds budget);
  /// Stops every actor, newest first, and closes the journal.
  void stop();
  /// For a process that ends right after (execution-node): the journal and every actor that
  /// may write, send or close something at its exit are stopped and awaited as by stop() (the
  /// journal drained, fsynced and closed); the actors that only hold memory (the order
  /// manager, risk, the books, simulated venues, built-in strategies) are not told, so the
  /// maps of 100,000 open orders are not freed one node at a time but go with the process.
  /// The caller then ends the process without destroying the node (std::_Exit). stop() or
  /// the destructor afterwards stops the rest as usual (in-process tests).
  void stop_for_exit();

  node_report report();
  /// The same within `budget` in all: a part that does not answer by then is left out
  /// (complete = false) instead of holding the caller (the status line, the stop).
  node_report report_within(std::chrono::milliseconds budget);
  /// Every broker supervisor's current state on this node.
  std::vector<BrokerStatus> broker_statuses();
  /// The node's time: the simulated clock, or the wall clock.
  timestamp_ns now() const;
  std::string status_line(std::chrono::milliseconds budget = std::chrono::milliseconds(500));

  /// The HTTP API's bound port (0 when the config has no `http:` section).
  uint16_t http_port() const;

  caf::actor_system& system();
  const std::shared_ptr<actor_directory>& directory() const;
  const app_config& config() const;

private:
  /// Tells the started actors `which` accepts to exit, all at once, and awaits them.
  void stop_actors(const std::function<bool(const std::string&)>& which);

  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The run report as JSON, the public format tools outside read:
/// positions by ticker, cash, equity, initial_cash, metrics and order counts,
/// every money and quantity value an exact decimal string.
std::string report_json(const node_report& r);

/// A short human summary for the end of a run.
std::string report_summary(const node_report& r);

} // namespace engine
