// The strategy host actor: runs one user strategy and speaks the engine's messages for it.
#include "actors/strategy_host.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <cstdio>
#include <set>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/outbox.hpp"
#include "actors/peer_cache.hpp"
#include "actors/strategy_gateway.hpp"
#include "config/logging.hpp"
#include "messages/order_state_machine.hpp"
#include "messages/type_ids.hpp"

namespace engine {

namespace {

constexpr auto order_timeout = std::chrono::seconds(30);
constexpr uint64_t account_refresh_batches = 16;

struct strategy_host_state;
using sh_actor = caf::stateful_actor<strategy_host_state>;

/// The context a strategy sees, implemented with the host actor's messages.
class host_context final : public strategy_context {
public:
  host_context(sh_actor* self, strategy_host_options opts);

  std::string submit(OrderRequest order) override;
  void cancel(const std::string& order_id) override;
  void replace(const ReplaceRequest& request) override;
  Quantity position(const std::string& ticker) const override {
    auto i = positions.find(ticker);
    return i == positions.end() ? Quantity{} : i->second;
  }
  std::optional<Quote> last_quote(const std::string& ticker) const override {
    auto i = quotes.find(ticker);
    if (i == quotes.end())
      return std::nullopt;
    return i->second;
  }
  const AccountInfo& account() const override { return account_info; }
  timestamp_ns now() const override { return now_ns; }
  const std::string& name() const override { return opts.name; }
  spdlog::logger& log() override { return *logger_; }

  sh_actor* self;
  strategy_host_options opts;
  peer_cache peers;       // the directory's handles, looked up again only after it changed
  std::string reply_name; // "strategy:<name>": where the order manager answers
  std::shared_ptr<spdlog::logger> logger_;
  std::unordered_map<std::string, Quantity> positions;
  std::unordered_map<std::string, Quote> quotes;
  AccountInfo account_info;
  timestamp_ns now_ns = 0;
  uint64_t next_client_id = 1;
  size_t outstanding = 0;          // orders sent, not yet acknowledged
  /// Commands sent one-way to the order manager, by tag, until answered: what (for the log)
  /// and when (steady ns), checked for answers past order_timeout by one timer.
  struct awaiting_answer {
    std::string what;
    int64_t sent_at = 0;
  };
  std::unordered_map<uint64_t, awaiting_answer> awaiting;
  uint64_t next_tag = 0;
  bool watchdog_armed = false;
  /// The strategy's commands to the order manager, batched: a burst of orders in one step
  /// reaches it as MessageBatches of up to outbox::max_held, not one mailbox element each.
  outbox out;
  caf::response_promise step_done; // answers the batch in flight
  bool step_pending = false;
  std::set<std::string> open_orders; // order ids not yet terminal, cancelled if it stops
  bool stopped = false;              // a callback threw: no more callbacks
  std::string stop_reason;
};

struct strategy_host_state {
  static inline const char* name = "strategy_host";
  std::unique_ptr<host_context> ctx;
  std::shared_ptr<strategy> impl;
  uint64_t batches = 0;
  uint64_t next_sync = 0;
  std::unordered_map<uint64_t, std::function<void()>> after_sync; // barrier continuations
};

/// Follows the strategy's orders, so that a stopped strategy's can be cancelled.
void track(host_context& c, const OrderUpdate& u) {
  if (u.order_id.empty())
    return;
  if (is_terminal(u.status))
    c.open_orders.erase(u.order_id);
  else
    c.open_orders.insert(u.order_id);
}

void stop_strategy(host_context& c, const std::string& why);

/// Runs one callback of the strategy; one that throws stops the strategy
/// (its orders cancelled) and never the host, so the engine goes on.
template <class F>
void guarded(host_context& c, const char* callback, F&& f) {
  if (c.stopped)
    return;
  try {
    f();
  } catch (const std::exception& e) {
    stop_strategy(c, std::string{callback} + " threw: " + e.what());
  } catch (...) {
    stop_strategy(c, std::string{callback} + " threw a non-standard exception");
  }
}

void maybe_finish_step(host_context& c) {
  if (c.step_pending && c.outstanding == 0) {
    c.step_pending = false;
    c.out.flush(c.self); // a promise follows everything sent before it
    c.step_done.deliver(done_atom::value);
  }
}

host_context::host_context(sh_actor* s, strategy_host_options o)
  : self(s),
    opts(std::move(o)),
    peers(opts.directory),
    reply_name("strategy:" + opts.name),
    logger_(logger("strategy." + opts.name)) {
  account_info.cash = opts.initial_cash;
  account_info.equity = opts.initial_cash;
  account_info.initial_cash = opts.initial_cash;
}

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

/// Sends a command one-way to the order manager, which answers (orders_atom, tag, update) to
/// this host's name; counted until answered: a batch is answered only when nothing the
/// strategy sent is outstanding. (One-way, because CAF 0.17 keeps every open request in a
/// table scanned linearly per answer, and times each one out on its own timer.)
template <class Request>
void ask_order_manager(host_context& c, Request req, std::string what) {
  auto om = c.peers.get(names::order_manager);
  if (!om) {
    c.logger_->error("no order manager: {} not sent", what);
    return;
  }
  ++c.outstanding;
  auto tag = ++c.next_tag;
  c.awaiting.emplace(tag, host_context::awaiting_answer{std::move(what), steady_ns()});
  c.out.send(c.self, outbox::core, om, orders_atom::value, c.reply_name, tag, std::move(req));
  if (!c.watchdog_armed) {
    c.watchdog_armed = true;
    c.self->delayed_send(c.self, std::chrono::seconds(1), tick_atom::value);
  }
}

/// The order manager's answer to the command `tag`.
void on_answer(host_context& c, uint64_t tag, const OrderUpdate& u) {
  if (c.awaiting.erase(tag) == 0)
    return; // given up on already (logged then)
  --c.outstanding;
  track(c, u);
  if (c.opts.print_acks && u.status == OrderStatus::pending_new) {
    // Evidence for crash tests of what a client was told, flushed at once.
    std::printf("ACK %s %s\n", u.client_order_id.c_str(), u.order_id.c_str());
    std::fflush(stdout);
  }
  guarded(c, "on_update", [&] { c.self->state.impl->on_update(c, u); });
  maybe_finish_step(c);
}

/// One timer for every command: those unanswered past order_timeout are given up (one line
/// for all of them), so a lost answer never holds the step forever.
void check_answers(host_context& c) {
  c.watchdog_armed = false;
  auto limit = steady_ns() - std::chrono::duration_cast<std::chrono::nanoseconds>(order_timeout).count();
  size_t given_up = 0;
  std::string first;
  for (auto i = c.awaiting.begin(); i != c.awaiting.end();) {
    if (i->second.sent_at > limit) {
      ++i;
      continue;
    }
    if (given_up++ == 0)
      first = i->second.what;
    --c.outstanding;
    i = c.awaiting.erase(i);
  }
  if (given_up > 0) {
    c.logger_->error("{} command(s) got no answer from the order manager in {} s (first: {})",
                     given_up, std::chrono::duration_cast<std::chrono::seconds>(order_timeout).count(),
                     first);
    maybe_finish_step(c);
  }
  if (!c.awaiting.empty()) {
    c.watchdog_armed = true;
    c.self->delayed_send(c.self, std::chrono::seconds(1), tick_atom::value);
  }
}

std::string host_context::submit(OrderRequest order) {
  if (order.client_order_id.empty())
    order.client_order_id = opts.name + "-" + (opts.incarnation.empty() ? "" : opts.incarnation + "-")
                            + std::to_string(next_client_id++);
  order.strategy = opts.name;
  if (order.broker.empty())
    order.broker = opts.broker;
  if (order.timestamp == 0)
    order.timestamp = now_ns;
  auto cid = order.client_order_id;
  ask_order_manager(*this, std::move(order), "order " + cid);
  return cid;
}

void host_context::cancel(const std::string& order_id) {
  CancelRequest c;
  c.order_id = order_id;
  c.timestamp = now_ns;
  c.reason = "strategy " + opts.name;
  ask_order_manager(*this, std::move(c), "cancel of " + order_id);
}

void host_context::replace(const ReplaceRequest& request) {
  ask_order_manager(*this, request, "replace of " + request.order_id);
}

void stop_strategy(host_context& c, const std::string& why) {
  c.stopped = true;
  c.stop_reason = why;
  c.logger_->error("strategy {} stopped: {}; cancelling its {} open orders, the engine goes on",
                   c.opts.name, why, c.open_orders.size());
  auto open = c.open_orders;
  for (auto& id : open) {
    CancelRequest r;
    r.order_id = id;
    r.timestamp = c.now_ns;
    r.reason = "strategy " + c.opts.name + " stopped";
    ask_order_manager(c, std::move(r), "cancel of " + id);
  }
}

/// Runs the strategy over a batch; rp is answered when its orders are acknowledged.
void run_batch(sh_actor* self, const QuoteBatch& batch, caf::response_promise rp) {
  auto& st = self->state;
  auto& c = *st.ctx;
  for (auto& q : batch.quotes) {
    c.quotes[q.ticker] = q;
    c.now_ns = q.timestamp;
    guarded(c, "on_quote", [&] { st.impl->on_quote(c, q); });
  }
  c.step_done = std::move(rp);
  c.step_pending = true;
  maybe_finish_step(c);
}

/// Refreshes the account snapshot every few batches, inside the step, so every
/// run of the same data sees the same numbers at the same quote; then runs it.
void step_with_account(sh_actor* self, const QuoteBatch& batch, caf::response_promise rp) {
  auto& st = self->state;
  auto pk = st.ctx->peers.get(names::position_keeper);
  if (++st.batches % account_refresh_batches != 0 || !pk) {
    run_batch(self, batch, rp);
    return;
  }
  st.ctx->out.flush(self); // a request follows everything sent before it
  self->request(pk, std::chrono::seconds(10), account_atom::value)
    .then(
      [=](const AccountInfo& a) {
        self->state.ctx->account_info = a;
        run_batch(self, batch, rp);
      },
      [=](caf::error&) { run_batch(self, batch, rp); });
}

caf::behavior strategy_host_impl(sh_actor* self, strategy_host_options opts,
                                 std::shared_ptr<strategy> impl) {
  self->state.ctx = std::make_unique<host_context>(self, std::move(opts));
  self->state.impl = std::move(impl);
  guarded(*self->state.ctx, "on_start", [=] { self->state.impl->on_start(*self->state.ctx); });
  // The order manager's answers, updates and fills come batched (actors/outbox.hpp).
  return batching_behavior(
    self, &self->state.ctx->out,
    [=](step_atom, const QuoteBatch& batch) -> caf::result<done_atom> {
      if (self->state.ctx->stopped) {
        // A stopped strategy never holds up the lock step.
        auto& c = *self->state.ctx;
        if (!batch.quotes.empty())
          c.now_ns = batch.quotes.back().timestamp;
        return done_atom::value;
      }
      auto rp = self->make_response_promise();
      // First a barrier with the order manager: its answer travels behind every
      // update and fill it sent us, so the strategy has seen them all before
      // it sees this batch, on one node or across several.
      auto om = self->state.ctx->peers.get(names::order_manager);
      if (!om) {
        step_with_account(self, batch, rp);
        return rp;
      }
      // The barrier must follow every command sent before it (a strategy's reaction to a
      // fill may still be held).
      self->state.ctx->out.flush(self);
      auto token = ++self->state.next_sync;
      self->state.after_sync.emplace(token, [=] { step_with_account(self, batch, rp); });
      self->send(om, sync_atom::value, "strategy:" + self->state.ctx->opts.name, token);
      return rp;
    },
    [=](sync_atom, uint64_t token) {
      auto i = self->state.after_sync.find(token);
      if (i == self->state.after_sync.end())
        return;
      auto next = std::move(i->second);
      self->state.after_sync.erase(i);
      next();
    },
    [=](orders_atom, uint64_t tag, const OrderUpdate& u) { on_answer(*self->state.ctx, tag, u); },
    [=](tick_atom) { check_answers(*self->state.ctx); },
    [=](const OrderUpdate& u) {
      auto& c = *self->state.ctx;
      track(c, u);
      guarded(c, "on_update", [&] { self->state.impl->on_update(c, u); });
    },
    [=](const Fill& f) {
      auto& c = *self->state.ctx;
      auto signed_qty = f.side == OrderSide::buy ? f.quantity : -f.quantity;
      c.positions[f.ticker] += signed_qty;
      guarded(c, "on_fill", [&] { self->state.impl->on_fill(c, f); });
    },
    [=](stop_atom) {
      guarded(*self->state.ctx, "on_stop", [=] { self->state.impl->on_stop(*self->state.ctx); });
      // What on_stop sent leaves now: the exit that follows a stop outruns a flush_atom.
      self->state.ctx->out.flush(self);
    },
    [=](stats_atom) -> std::string {
      auto& c = *self->state.ctx;
      return c.stopped ? "stopped: " + c.stop_reason : std::string{"running"};
    });
}

} // namespace

caf::actor spawn_strategy_host(caf::actor_system& sys, strategy_host_options opts,
                               std::shared_ptr<strategy> impl) {
  return sys.spawn(strategy_host_impl, std::move(opts), std::move(impl));
}

namespace {

struct actor_registry {
  std::mutex mtx;
  std::map<std::string, strategy_actor_maker> makers;
};

actor_registry& actor_types() {
  static actor_registry r;
  return r;
}

} // namespace

void register_strategy_actor(const std::string& type, strategy_actor_maker make) {
  auto& r = actor_types();
  std::lock_guard<std::mutex> guard{r.mtx};
  r.makers[type] = std::move(make);
}

caf::actor spawn_strategy(caf::actor_system& sys, strategy_host_options opts,
                          const strategy_config& cfg) {
  if (cfg.type == "external") {
    strategy_gateway_options go;
    go.directory = opts.directory;
    go.cfg = cfg;
    go.initial_cash = opts.initial_cash;
    return spawn_strategy_gateway(sys, std::move(go));
  }
  strategy_actor_maker make;
  {
    auto& r = actor_types();
    std::lock_guard<std::mutex> guard{r.mtx};
    auto i = r.makers.find(cfg.type);
    if (i != r.makers.end())
      make = i->second;
  }
  if (make)
    return make(sys, opts, cfg);
  return spawn_strategy_host(sys, std::move(opts), std::shared_ptr<strategy>(make_strategy(cfg)));
}

} // namespace engine
