// The trade logger actor: the journal's owner; replies to a record only once it is durable.
#include "actors/trade_logger.hpp"

#include <unordered_map>

#include <caf/all.hpp>

#include "actors/clock/session_calendar.hpp"
#include "actors/journal/journal_writer.hpp"
#include "config/logging.hpp"
#include "messages/type_ids.hpp"

namespace engine {

namespace {

struct trade_logger_state {
  static inline const char* name = "trade_logger";
  std::unique_ptr<journal_writer> writer;
  std::unordered_map<uint64_t, caf::response_promise> pending;
  std::vector<caf::response_promise> flush_waiters; // answered when nothing is pending
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<session_calendar> calendar;
  int64_t day = 0; // the session day of the current files
};

using tl_actor = caf::stateful_actor<trade_logger_state>;

template <class T>
caf::result<uint64_t> append(tl_actor* self, const std::string& event, const T& msg) {
  auto& st = self->state;
  if (st.writer->failed())
    return caf::make_error(caf::sec::runtime_error, "journal failed: " + st.writer->failure());
  auto stream = event == "fill" ? journal_stream::trade_log : journal_stream::order_book;
  if (msg.timestamp != 0) {
    // Daily files: a record of a new session day opens the next segments.
    auto day = st.calendar->session_day(msg.timestamp);
    if (day != st.day) {
      st.day = day;
      st.writer->rotate_day(day);
    }
  }
  auto rp = self->make_response_promise();
  caf::actor me = caf::actor_cast<caf::actor>(self);
  // The completion runs on the writer thread: hand it back to this actor.
  auto seq = st.writer->append(stream, event, msg, msg.timestamp,
                               [me](uint64_t s, bool ok, const std::string& err) {
                                 caf::anon_send(me, durable_atom::value, s, ok, err);
                               });
  st.pending.emplace(seq, rp);
  return rp;
}

caf::behavior trade_logger_impl(tl_actor* self, journal_config cfg, uint64_t next_seq,
                                std::shared_ptr<file_ops> ops, session_config session) {
  auto& st = self->state;
  st.calendar = std::make_unique<session_calendar>(session);
  st.log = logger("trade_logger");
  journal_options opts{cfg.dir,          cfg.fsync,  cfg.batch_max_records,
                       cfg.batch_max_us, cfg.rotate, cfg.rotate_bytes};
  st.writer = std::make_unique<journal_writer>(opts, next_seq, std::move(ops));
  // The state's destructor drains, syncs and joins the writer when the actor goes.
  return {
    [=](journal_atom, const std::string& ev, const OrderRequest& m) { return append(self, ev, m); },
    [=](journal_atom, const std::string& ev, const OrderUpdate& m) { return append(self, ev, m); },
    [=](journal_atom, const std::string& ev, const Fill& m) { return append(self, ev, m); },
    [=](journal_atom, const std::string& ev, const CancelRequest& m) { return append(self, ev, m); },
    [=](journal_atom, const std::string& ev, const ReplaceRequest& m) { return append(self, ev, m); },
    [=](journal_atom, const std::string& ev, const OperatorAction& m) { return append(self, ev, m); },
    [=](durable_atom, uint64_t seq, bool ok, const std::string& err) {
      auto i = self->state.pending.find(seq);
      if (i == self->state.pending.end())
        return;
      if (ok) {
        i->second.deliver(seq);
      } else {
        self->state.log->critical("journal record {} not durable: {}", seq, err);
        i->second.deliver(caf::make_error(caf::sec::runtime_error, "journal: " + err));
      }
      self->state.pending.erase(i);
      if (self->state.pending.empty()) {
        for (auto& w : self->state.flush_waiters)
          w.deliver(self->state.writer->durable_seq());
        self->state.flush_waiters.clear();
      }
    },
    [=](journal_atom) -> caf::result<uint64_t> {
      // A flush barrier: answers once every record appended before it is durable.
      if (self->state.pending.empty())
        return self->state.writer->durable_seq();
      auto rp = self->make_response_promise();
      self->state.flush_waiters.push_back(rp);
      return rp;
    },
  };
}

} // namespace

caf::actor spawn_trade_logger(caf::actor_system& sys, journal_config cfg, uint64_t next_seq,
                              std::shared_ptr<file_ops> ops, session_config session) {
  return sys.spawn(trade_logger_impl, std::move(cfg), next_seq, std::move(ops),
                   std::move(session));
}

} // namespace engine
