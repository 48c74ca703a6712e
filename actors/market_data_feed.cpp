// The market data actor: publishes quote batches to subscribers and, in simulated time, drives the clock.
#include "actors/market_data_feed.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/actor_directory.hpp"
#include "actors/clock/clock.hpp"
#include "actors/clock/session_calendar.hpp"
#include "actors/engine_metrics.hpp"
#include "actors/quote_source.hpp"
#include "brokers/polygon/feed.hpp"
#include "brokers/polygon/recorder.hpp"
#include "config/logging.hpp"
#include "messages/type_ids.hpp"

namespace engine {

namespace {

constexpr auto step_timeout = std::chrono::seconds(60);

struct market_data_state {
  static inline const char* name = "market_data";
  market_data_options opts;
  std::unique_ptr<quote_source> source;
  std::unique_ptr<pacer> pace;
  std::vector<std::vector<caf::actor>> phases;
  std::vector<std::vector<std::string>> phase_names; // the same, by directory name
  std::set<std::string> down_nodes;                  // peers reported down: skipped
  std::set<caf::actor_addr> dead;                    // local participants that died
  // The current phase's unanswered participants: name -> its request's "answered" flag.
  std::map<std::string, std::shared_ptr<bool>> waiting;
  QuoteBatch in_flight; // the batch being stepped through the phases
  std::unordered_map<std::string, Quote> last;
  std::shared_ptr<spdlog::logger> log;
  wall_clock wall;
  size_t outstanding = 0;
  size_t phase = 0;
  size_t settle_phase = SIZE_MAX;  // the last phase: the venues again, with an empty batch
  std::set<std::string> venues;     // opts.settle, by name
  // The end of the data is one more step through the phases: the venues close the session
  // ((done_atom, end) in the first phase), then the others see an empty batch.
  std::optional<timestamp_ns> closing;
  std::vector<caf::response_promise> stop_waiters; // answered when the batch in flight is through
  bool running = false;
  bool finished = false;
  uint64_t batches = 0;
  uint64_t quotes = 0;
  // The polygon source: the live feed, and the time published so far (kept
  // non-decreasing, as in a recording).
  std::unique_ptr<polygon::polygon_feed> live;
  timestamp_ns live_last = 0;
  std::shared_ptr<polygon::quote_recorder> recorder; // the feed's thread writes its gaps
  std::shared_ptr<market_data_monitor> monitor;

  ~market_data_state() {
    // The refresh reads the feed: it goes first, then the feed's thread.
    if (monitor)
      monitor->set_refresh(nullptr);
    if (live)
      live->stop();
    if (recorder)
      recorder->flush();
  }
};

using md_actor = caf::stateful_actor<market_data_state>;

void publish(md_actor* self);

void finish(md_actor* self, const char* why) {
  auto& st = self->state;
  if (st.finished)
    return;
  st.finished = true;
  st.running = false;
  if (st.live)
    st.live->stop();
  if (st.recorder)
    st.recorder->flush();
  st.log->info("market data ended ({}): {} quotes in {} batches", why, st.quotes, st.batches);
  if (st.opts.on_end)
    self->send(st.opts.on_end, done_atom::value);
}

void step_phase(md_actor* self);

/// The data ran out. When it tells where its time ended (the session close), that close is
/// one more step of the lock step: what happens then (day orders expiring) happens in the
/// simulation too, in the same order on every run, before the data is reported ended.
void end_of_data(md_actor* self) {
  auto& st = self->state;
  auto end = st.source ? st.source->end_time() : std::nullopt;
  if (!end || st.closing) {
    finish(self, "end of data");
    return;
  }
  if (st.venues.empty()) { // no lock step with a venue: only tell the simulator
    if (auto sim = st.opts.directory->get(names::simulator))
      self->send(sim, done_atom::value, *end);
    finish(self, "end of data");
    return;
  }
  st.closing = end;
  st.in_flight.quotes.clear();
  st.phase = 0;
  step_phase(self);
}

/// The batch in flight (or the close) went through every phase.
void batch_done(md_actor* self) {
  auto& st = self->state;
  for (auto& rp : st.stop_waiters)
    rp.deliver(done_atom::value);
  st.stop_waiters.clear();
  if (st.closing)
    finish(self, "end of data");
}

/// Schedules the next batch: at once, or when the pacer says it is due.
void schedule_next(md_actor* self) {
  auto& st = self->state;
  if (!st.running)
    return;
  if (st.live) { // the feed sends the next batch when it has one
    st.live->ready();
    return;
  }
  auto next = st.source->peek_time();
  if (!next) {
    end_of_data(self);
    return;
  }
  auto wait = st.pace ? st.pace->wait_ns(*next, st.wall.now()) : 0;
  if (wait > 0)
    self->delayed_send(self, std::chrono::nanoseconds(wait), tick_atom::value);
  else
    self->send(self, tick_atom::value);
}

void deliver(md_actor* self);

void publish(md_actor* self) {
  auto& st = self->state;
  if (!st.running || st.outstanding > 0)
    return;
  auto& batch = st.in_flight;
  try {
    st.source->next_batch(static_cast<size_t>(st.opts.market_data.batch_size), batch.quotes);
  } catch (const std::exception& e) {
    // A malformed file under on_error: stop ends the data here, loudly.
    st.log->critical("market data stopped: {}", e.what());
    finish(self, "bad input");
    return;
  }
  if (batch.quotes.empty()) {
    end_of_data(self);
    return;
  }
  deliver(self);
}

/// Publishes the batch in flight: the books, the clock, the recording, then the phases.
void deliver(md_actor* self) {
  auto& st = self->state;
  auto& batch = st.in_flight;
  ++st.batches;
  st.quotes += batch.quotes.size();
  for (auto& q : batch.quotes)
    st.last[q.ticker] = q;
  if (st.opts.sim_clock)
    st.opts.sim_clock->advance_to(batch.quotes.back().timestamp);
  if (st.recorder)
    st.recorder->write(batch.quotes);
  if (st.monitor)
    st.monitor->update([&](market_data_status& m) {
      m.quotes = st.quotes;
      m.batches = st.batches;
    });
  st.phase = 0;
  step_phase(self);
}

/// Sends the batch in flight to the current phase; the next phase (or the
/// next batch) follows when every subscriber of this one has answered.
void step_phase(md_actor* self) {
  auto& st = self->state;
  while (st.phase < st.phases.size() && st.phases[st.phase].empty())
    ++st.phase;
  if (st.phase >= st.phases.size()) {
    batch_done(self);
    if (!st.closing)
      schedule_next(self);
    return;
  }
  auto& subs = st.phases[st.phase];
  auto& sub_names = st.phase_names[st.phase];
  st.waiting.clear();
  std::vector<size_t> asked;
  for (size_t i = 0; i < subs.size(); ++i) {
    auto n = st.opts.node_of.find(sub_names[i]);
    bool gone = st.dead.count(subs[i].address()) > 0 ||
                (n != st.opts.node_of.end() && st.down_nodes.count(n->second) > 0);
    if (!gone)
      asked.push_back(i);
  }
  if (asked.empty()) {
    ++st.phase;
    step_phase(self);
    return;
  }
  st.outstanding = asked.size();
  for (auto i : asked) {
    auto answered = std::make_shared<bool>(false);
    auto name = sub_names[i];
    st.waiting[name] = answered;
    auto on_done = [=] {
      if (*answered)
        return; // already counted (its node was reported down meanwhile)
      *answered = true;
      self->state.waiting.erase(name);
      if (--self->state.outstanding == 0) {
        ++self->state.phase;
        step_phase(self);
      }
    };
    auto on_error = [=](caf::error& e) {
      self->state.log->error("subscriber {} did not take a batch: {}", name,
                             self->system().render(e));
      on_done();
    };
    bool venue = st.venues.count(name) > 0;
    if (st.closing && venue && st.phase == 0)
      self->request(subs[i], step_timeout, done_atom::value, *st.closing)
        .then([=](done_atom) { on_done(); }, on_error);
    else if (st.phase == st.settle_phase)
      self->request(subs[i], step_timeout, step_atom::value, QuoteBatch{})
        .then([=](done_atom) { on_done(); }, on_error);
    else
      self->request(subs[i], step_timeout, step_atom::value, st.in_flight)
        .then([=](done_atom) { on_done(); }, on_error);
  }
}

/// A participant that is gone stops holding the step it was asked for.
void release(md_actor* self, const std::string& name) {
  auto i = self->state.waiting.find(name);
  if (i == self->state.waiting.end())
    return;
  auto answered = i->second;
  self->state.waiting.erase(i);
  if (*answered)
    return;
  *answered = true;
  if (--self->state.outstanding == 0) {
    ++self->state.phase;
    step_phase(self);
  }
}

/// The polygon feed, its callbacks turned into messages to this actor (never a blocking call).
std::unique_ptr<polygon::polygon_feed> make_live_feed(md_actor* self) {
  const auto& md = self->state.opts.market_data;
  polygon::feed_options o;
  if (!md.polygon_ws_url.empty())
    o.ws_url = md.polygon_ws_url;
  if (!md.polygon_rest_url.empty())
    o.rest_url = md.polygon_rest_url;
  o.api_key = md.polygon_api_key;
  o.tickers = md.polygon_tickers;
  o.channels = md.polygon_channels;
  o.silence_timeout_ms = md.polygon_silence_timeout_ms;
  // A connection the server accepts and never answers counts as silence too.
  o.connect_timeout_ms = std::min<int64_t>(10000, md.polygon_silence_timeout_ms);
  o.rest_timeout_ms = md.polygon_rest_timeout_ms;
  // The brokers' policy, with the jitter a broker supervisor uses.
  o.supervision.max_restarts = static_cast<int>(md.polygon_max_restarts);
  o.supervision.window_ms = md.polygon_restart_window_s * 1000;
  o.supervision.backoff_initial_ms = md.polygon_backoff_initial_ms;
  o.supervision.backoff_max_ms = md.polygon_backoff_max_ms;
  o.supervision.jitter = 0.2;
  o.supervision.seed = md.seed;
  o.down_retry_ms = md.polygon_down_retry_s * 1000;
  o.max_pending_quotes = static_cast<size_t>(md.polygon_max_pending_quotes);
  if (!self->state.opts.events_journal.empty())
    o.journal = std::make_shared<polygon::events_journal>(self->state.opts.events_journal);
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto monitor = self->state.monitor;
  auto log = self->state.log;
  auto recorder = self->state.recorder;
  polygon::feed_callbacks cb;
  cb.on_quotes = [me](QuoteBatch batch) {
    caf::anon_send(me, step_atom::value, std::move(batch));
  };
  cb.on_state = [me, monitor](const polygon::feed_state_change& c) {
    if (monitor)
      monitor->update([&](market_data_status& m) {
        m.state = polygon::to_string(c.state);
        m.reason = c.reason;
        m.attempt = c.attempt;
        m.next_delay_ms = c.state == polygon::feed_state::reconnecting ? c.delay_ms : 0;
        m.since = wall_clock{}.now();
        m.fatal = c.state == polygon::feed_state::auth_failed;
      });
    if (c.state == polygon::feed_state::auth_failed)
      caf::anon_send(me, done_atom::value, "polygon: " + c.reason);
  };
  cb.on_gap = [log, recorder](const polygon::feed_gap& g) {
    log->warn("market data gap in {} from {} to {}: filled by a snapshot ({} x {})", g.ticker,
              g.from ? format_iso8601(g.from) : std::string{"the start"}, format_iso8601(g.to),
              g.bid.to_string(), g.ask.to_string());
    if (recorder)
      recorder->gap(g.ticker, g.from, g.to);
  };
  auto feed = std::make_unique<polygon::polygon_feed>(std::move(o), std::move(cb));
  if (monitor) {
    auto* f = feed.get();
    monitor->set_refresh([f](market_data_status& m) {
      auto c = f->counters();
      m.received = c.quotes;
      m.trades = c.trades;
      m.bars = c.bars;
      m.reconnects = c.reconnects;
      m.gaps = c.gaps;
      m.conflated = c.conflated;
      m.garbage = c.garbage;
      m.rest_errors = c.rest_errors;
    });
  }
  return feed;
}

caf::behavior market_data_impl(md_actor* self, market_data_options opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.log = logger("market_data");
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& s = self->state;
    s.dead.insert(dm.source);
    for (size_t p = 0; p < s.phases.size(); ++p)
      for (size_t i = 0; i < s.phases[p].size(); ++i)
        if (s.phases[p][i].address() == dm.source) {
          s.log->error("participant {} died: it leaves the lock step", s.phase_names[p][i]);
          release(self, s.phase_names[p][i]);
        }
  });
  st.monitor = st.opts.monitor;
  if (st.monitor)
    st.monitor->update([&](market_data_status& m) {
      m.source = st.opts.market_data.source;
      m.state = "starting";
    });
  try {
    // The recorder first: the live feed writes its gaps into it.
    if (!st.opts.market_data.record.empty())
      st.recorder = std::make_shared<polygon::quote_recorder>(st.opts.market_data.record);
    if (st.opts.market_data.source == "polygon")
      st.live = make_live_feed(self);
    else
      st.source = make_quote_source(st.opts.market_data, st.opts.clock, st.opts.session);
  } catch (const std::exception& e) {
    st.log->critical("no market data: {}", e.what());
    st.source.reset();
    st.live.reset();
  }
  return {
    [=](start_atom) {
      auto& s = self->state;
      if (s.running || s.finished)
        return;
      if (!s.source && !s.live) {
        finish(self, "no source");
        return;
      }
      size_t count = 0;
      auto phases = s.opts.phases;
      if (!s.opts.settle.empty()) {
        s.settle_phase = phases.size();
        phases.push_back(s.opts.settle);
        s.venues.insert(s.opts.settle.begin(), s.opts.settle.end());
      }
      for (auto& names_in_phase : phases) {
        s.phases.emplace_back();
        s.phase_names.emplace_back();
        for (auto& name : names_in_phase) {
          if (auto h = s.opts.directory->get(name)) {
            s.phases.back().push_back(h);
            s.phase_names.back().push_back(name);
            if (s.opts.node_of.count(name) == 0 && s.phases.size() - 1 != s.settle_phase)
              self->monitor(h); // local: its death is a down message
            if (s.phases.size() - 1 != s.settle_phase)
              ++count;
          } else {
            s.log->error("market data subscriber {} is not registered", name);
          }
        }
      }
      if (s.live) {
        s.running = true;
        s.log->info("market data started for {} subscribers (live from polygon)", count);
        s.live->start();
        return;
      }
      if (s.opts.clock.kind == clock_kind::wall || s.opts.clock.speed > 0) {
        auto first = s.source->peek_time().value_or(s.wall.now());
        auto speed = s.opts.clock.kind == clock_kind::wall ? 1.0 : s.opts.clock.speed;
        s.pace = std::make_unique<pacer>(speed, first, s.wall.now());
      }
      if (!s.opts.node_of.empty())
        if (auto gw = s.opts.directory->get(names::gateway))
          self->send(gw, subscribe_atom::value, caf::actor_cast<caf::actor>(self));
      s.running = true;
      s.log->info("market data started for {} subscribers", count);
      schedule_next(self);
    },
    [=](tick_atom) {
      process_metrics().sample_mailbox(watched_actor::market_data, self);
      publish(self);
    },
    [=](const PeerStatus& p) {
      auto& s = self->state;
      if (p.up) {
        if (s.down_nodes.erase(p.node))
          s.log->warn("node {} is back: its participants rejoin the lock step", p.node);
        return;
      }
      s.down_nodes.insert(p.node);
      s.log->warn("node {} is down: its participants leave the lock step until it is back",
                  p.node);
      std::vector<std::string> gone;
      for (auto& [name, flag] : s.waiting) {
        auto n = s.opts.node_of.find(name);
        if (n != s.opts.node_of.end() && n->second == p.node)
          gone.push_back(name);
      }
      for (auto& name : gone)
        release(self, name);
    },
    // A live batch from the feed's thread (one at a time: see schedule_next).
    [=](step_atom, QuoteBatch& batch) {
      auto& s = self->state;
      process_metrics().sample_mailbox(watched_actor::market_data, self);
      if (!s.running || s.outstanding > 0 || batch.quotes.empty()) {
        if (s.running && s.live)
          s.live->ready();
        return;
      }
      for (auto& q : batch.quotes) {
        s.live_last = std::max(s.live_last, q.timestamp);
        q.timestamp = s.live_last;
      }
      s.in_flight = std::move(batch);
      deliver(self);
    },
    // The live feed cannot go on (a failed authentication).
    [=](done_atom, const std::string& why) {
      self->state.log->critical("market data stopped: {}", why);
      finish(self, "feed failed");
    },
    // Answered once the batch in flight has gone through every phase (at once when none is):
    // a stop cuts the run between two steps, never inside one.
    [=](stop_atom) -> caf::result<done_atom> {
      auto& s = self->state;
      bool in_flight = s.outstanding > 0;
      s.running = false;
      if (!s.closing)
        finish(self, "stopped");
      if (!in_flight)
        return done_atom::value;
      auto rp = self->make_response_promise();
      s.stop_waiters.push_back(rp);
      return rp;
    },
    [=](market_atom, const std::string& ticker) -> MarketData {
      MarketData md;
      auto i = self->state.last.find(ticker);
      if (i == self->state.last.end())
        return md;
      auto& q = i->second;
      md.ticker = q.ticker;
      md.bid = q.bid;
      md.ask = q.ask;
      md.last = mid_price(q);
      md.timestamp = q.timestamp;
      md.spread = q.ask - q.bid;
      return md;
    },
  };
}

} // namespace

caf::actor spawn_market_data(caf::actor_system& sys, market_data_options opts) {
  return sys.spawn(market_data_impl, std::move(opts));
}

} // namespace engine
