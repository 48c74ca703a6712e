// The trade logger actor: the journal's owner; replies to a record only once it is durable.
#include "actors/trade_logger.hpp"

#include <algorithm>
#include <deque>

#include <type_traits>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/peer_cache.hpp"
#include "actors/clock/session_calendar.hpp"
#include "actors/clock/session_day_tracker.hpp"
#include "actors/engine_metrics.hpp"
#include "actors/outbox.hpp"
#include "actors/journal/journal_writer.hpp"
#include "config/logging.hpp"
#include "messages/type_ids.hpp"

namespace engine {

namespace {

/// A record waiting for durability: answered by its promise (a request), or counted towards
/// the one (durable_atom, n, ...) its one-way sender gets per commit.
struct waiting_record {
  uint64_t seq = 0;
  caf::response_promise promise;
  caf::actor sender; // one-way records only
  uint64_t n = 0;    // the sender's number for it
};

struct trade_logger_state {
  static inline const char* name = "trade_logger";
  std::unique_ptr<journal_writer> writer;
  peer_cache directory; // resolves one-way senders' reply_to names
  // Waiting for durability, in seq order (only this actor appends, so the
  // writer's seqs arrive here increasing): one commit settles a prefix.
  std::deque<waiting_record> pending;
  std::vector<caf::response_promise> flush_waiters; // answered when nothing is pending
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<session_calendar> calendar;
  std::optional<session_day_tracker> days; // of calendar: the session day of the current files
};

using tl_actor = caf::stateful_actor<trade_logger_state>;

std::string failed_journal(const trade_logger_state& st) {
  return "journal failed: " + st.writer->failure();
}

// The message is moved to the writer: its thread encodes the JSON and the crc,
// so this actor's share of a record is a queue push. The seq it was given.
template <class T>
uint64_t write(tl_actor* self, const std::string& event, T& msg) {
  auto& st = self->state;
  process_metrics().sample_mailbox(watched_actor::trade_logger, self);
  auto stream = std::is_same_v<T, Fill> ? journal_stream::trade_log : journal_stream::order_book;
  if (msg.timestamp != 0) {
    // Daily files: a record of a new session day opens the next segments.
    if (auto day = st.days->changed(msg.timestamp))
      st.writer->rotate_day(*day);
  }
  auto ts = msg.timestamp;
  return st.writer->append(stream, event, std::move(msg), ts, nullptr);
}

template <class T>
caf::result<uint64_t> append(tl_actor* self, const std::string& event, T& msg) {
  if (self->state.writer->failed())
    return caf::make_error(caf::sec::runtime_error, failed_journal(self->state));
  auto rp = self->make_response_promise();
  waiting_record w;
  w.promise = rp;
  w.seq = write(self, event, msg);
  self->state.pending.push_back(std::move(w));
  return rp;
}

/// A one-way record: no promise, no timeout, no pending-response entry at the sender.
template <class T>
void append_one_way(tl_actor* self, const std::string& reply_to, uint64_t n,
                    const std::string& event, T& msg) {
  auto& st = self->state;
  waiting_record w;
  w.sender = st.directory.get(reply_to);
  if (!w.sender)
    w.sender = caf::actor_cast<caf::actor>(self->current_sender());
  w.n = n;
  if (st.writer->failed()) {
    self->send(w.sender, durable_atom::value, n, false, failed_journal(st));
    return;
  }
  w.seq = write(self, event, msg);
  st.pending.push_back(std::move(w));
}

/// Settles the waiting records up to `last`: each request answered, each one-way sender
/// told once with the highest of its numbers.
void settle(tl_actor* self, uint64_t last, bool ok, const std::string& err) {
  auto& st = self->state;
  std::vector<std::pair<caf::actor, uint64_t>> told; // one or two senders in practice
  while (!st.pending.empty() && st.pending.front().seq <= last) {
    auto& w = st.pending.front();
    if (w.sender) {
      auto i = std::find_if(told.begin(), told.end(),
                            [&](const auto& t) { return t.first == w.sender; });
      if (i == told.end())
        told.emplace_back(w.sender, w.n);
      else
        i->second = std::max(i->second, w.n);
    } else if (ok) {
      w.promise.deliver(w.seq);
    } else {
      w.promise.deliver(caf::make_error(caf::sec::runtime_error, "journal: " + err));
    }
    st.pending.pop_front();
  }
  for (auto& [sender, n] : told)
    self->send(sender, durable_atom::value, n, ok, ok ? std::string{} : "journal: " + err);
}

caf::behavior trade_logger_impl(tl_actor* self, journal_config cfg, uint64_t next_seq,
                                std::shared_ptr<file_ops> ops, session_config session,
                                std::shared_ptr<actor_directory> directory) {
  auto& st = self->state;
  st.directory = peer_cache{std::move(directory)};
  st.calendar = std::make_unique<session_calendar>(session);
  st.days.emplace(*st.calendar);
  st.log = logger("trade_logger");
  auto opts = journal_options::from_config(cfg);
  opts.on_sync = [](std::chrono::nanoseconds d) { process_metrics().journal_fsync.record(d); };
  // One message per group commit, from the writer thread, settles its whole
  // seq range (not one message per record). The writer holds only a weak
  // address: a strong handle in the state would keep this actor alive forever.
  caf::actor_addr me = self->address();
  st.writer = std::make_unique<journal_writer>(
    opts, next_seq, std::move(ops),
    [me](uint64_t first, uint64_t last, bool ok, const std::string& err) {
      if (auto h = caf::actor_cast<caf::actor>(me))
        caf::anon_send(h, durable_atom::value, first, last, ok, err);
    });
  // The state's destructor drains, syncs and joins the writer when the actor goes.
  // The order manager's records come batched (actors/outbox.hpp).
  return batching_behavior(
    self, nullptr,
    [=](journal_atom, const std::string& ev, OrderRequest& m) { return append(self, ev, m); },
    [=](journal_atom, const std::string& ev, OrderUpdate& m) { return append(self, ev, m); },
    [=](journal_atom, const std::string& ev, Fill& m) { return append(self, ev, m); },
    [=](journal_atom, const std::string& ev, CancelRequest& m) { return append(self, ev, m); },
    [=](journal_atom, const std::string& ev, ReplaceRequest& m) { return append(self, ev, m); },
    [=](journal_atom, const std::string& ev, OperatorAction& m) { return append(self, ev, m); },
    [=](journal_atom, const std::string& to, uint64_t n, const std::string& ev, OrderRequest& m) {
      append_one_way(self, to, n, ev, m);
    },
    [=](journal_atom, const std::string& to, uint64_t n, const std::string& ev, OrderUpdate& m) {
      append_one_way(self, to, n, ev, m);
    },
    [=](journal_atom, const std::string& to, uint64_t n, const std::string& ev, Fill& m) {
      append_one_way(self, to, n, ev, m);
    },
    [=](journal_atom, const std::string& to, uint64_t n, const std::string& ev, CancelRequest& m) {
      append_one_way(self, to, n, ev, m);
    },
    [=](journal_atom, const std::string& to, uint64_t n, const std::string& ev,
        ReplaceRequest& m) { append_one_way(self, to, n, ev, m); },
    [=](durable_atom, uint64_t first, uint64_t last, bool ok, const std::string& err) {
      auto& st = self->state;
      if (!ok)
        st.log->critical("journal records {}..{} not durable: {}", first, last, err);
      settle(self, last, ok, err);
      if (st.pending.empty()) {
        for (auto& w : st.flush_waiters)
          w.deliver(st.writer->durable_seq());
        st.flush_waiters.clear();
      }
    },
    [=](journal_atom) -> caf::result<uint64_t> {
      // A flush barrier: answers once every record appended before it is durable.
      if (self->state.pending.empty())
        return self->state.writer->durable_seq();
      auto rp = self->make_response_promise();
      self->state.flush_waiters.push_back(rp);
      return rp;
    });
}

} // namespace

caf::actor spawn_trade_logger(caf::actor_system& sys, journal_config cfg, uint64_t next_seq,
                              std::shared_ptr<file_ops> ops, session_config session,
                              std::shared_ptr<actor_directory> directory) {
  return sys.spawn(trade_logger_impl, std::move(cfg), next_seq, std::move(ops),
                   std::move(session), std::move(directory));
}

} // namespace engine
