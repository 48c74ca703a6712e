// The node's scheduler settings reach CAF under the keys CAF 0.17 reads.
#include "nodes/scheduler_settings.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

using namespace engine;

TEST(SchedulerSettings, TwoWorkersThatPollThenSleepWithoutCafsTimedNaps) {
  caf::actor_system_config cfg;
  apply_scheduler_settings(cfg, scheduler_config{1234});
  EXPECT_EQ(caf::get_or(cfg, "scheduler.max-threads", size_t{0}), 2u);
  EXPECT_EQ(caf::get_or(cfg, "work-stealing.aggressive-poll-attempts", size_t{0}), 1234u);
  EXPECT_EQ(caf::get_or(cfg, "work-stealing.moderate-poll-attempts", size_t{99}), 0u);
}

TEST(SchedulerSettings, TheWorkerCountComesFromTheConfig) {
  caf::actor_system_config cfg;
  scheduler_config s;
  s.workers = 1;
  apply_scheduler_settings(cfg, s);
  EXPECT_EQ(caf::get_or(cfg, "scheduler.max-threads", size_t{0}), 1u);
}

TEST(SchedulerSettings, TheDefaultIsTheConfigsDefault) {
  caf::actor_system_config cfg;
  apply_scheduler_settings(cfg);
  EXPECT_EQ(caf::get_or(cfg, "work-stealing.aggressive-poll-attempts", size_t{0}),
            static_cast<size_t>(scheduler_config{}.idle_polls));
}
