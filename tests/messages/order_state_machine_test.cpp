// Every (status, event) pair of the order state machine against the expected table.
#include "messages/order_state_machine.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace engine;

namespace {

using S = OrderStatus;
using E = OrderEvent;

// The legal pairs and where they lead; every pair not listed must be refused.
const std::map<std::pair<S, E>, S> legal = {
  {{S::pending_new, E::accept}, S::new_},
  {{S::pending_new, E::reject}, S::rejected},
  {{S::pending_new, E::partial_fill}, S::partially_filled},
  {{S::pending_new, E::fill}, S::filled},
  {{S::pending_new, E::cancel_request}, S::pending_cancel},
  {{S::pending_new, E::cancel}, S::canceled},
  {{S::pending_new, E::expire}, S::expired},
  {{S::new_, E::partial_fill}, S::partially_filled},
  {{S::new_, E::fill}, S::filled},
  {{S::new_, E::cancel_request}, S::pending_cancel},
  {{S::new_, E::cancel}, S::canceled},
  {{S::new_, E::expire}, S::expired},
  {{S::new_, E::replace}, S::replaced},
  {{S::partially_filled, E::partial_fill}, S::partially_filled},
  {{S::partially_filled, E::fill}, S::filled},
  {{S::partially_filled, E::cancel_request}, S::pending_cancel},
  {{S::partially_filled, E::cancel}, S::canceled},
  {{S::partially_filled, E::expire}, S::expired},
  {{S::partially_filled, E::replace}, S::replaced},
  {{S::pending_cancel, E::partial_fill}, S::pending_cancel},
  {{S::pending_cancel, E::fill}, S::filled},
  {{S::pending_cancel, E::cancel_request}, S::pending_cancel},
  {{S::pending_cancel, E::cancel_reject}, S::new_}, // without fills
  {{S::pending_cancel, E::cancel}, S::canceled},
  {{S::pending_cancel, E::expire}, S::expired},
  {{S::pending_cancel, E::accept}, S::pending_cancel},
  {{S::canceled, E::partial_fill}, S::canceled},
  {{S::canceled, E::fill}, S::filled},
  {{S::expired, E::partial_fill}, S::expired},
  {{S::expired, E::fill}, S::filled},
  {{S::pending_new, E::lose}, S::unknown},
  {{S::new_, E::lose}, S::unknown},
  {{S::partially_filled, E::lose}, S::unknown},
  {{S::pending_cancel, E::lose}, S::unknown},
  {{S::unknown, E::accept}, S::new_},
  {{S::unknown, E::reject}, S::rejected},
  {{S::unknown, E::partial_fill}, S::partially_filled},
  {{S::unknown, E::fill}, S::filled},
  {{S::unknown, E::cancel_request}, S::unknown},
  {{S::unknown, E::cancel_reject}, S::new_},
  {{S::unknown, E::cancel}, S::canceled},
  {{S::unknown, E::expire}, S::expired},
  {{S::unknown, E::replace}, S::replaced},
  {{S::unknown, E::lose}, S::unknown},
};

} // namespace

TEST(OrderStateMachine, EveryPairIsLegalOrRefusedWithAReason) {
  int checked = 0;
  for (size_t si = 0; si < enum_count<S>; ++si) {
    for (size_t ei = 0; ei < enum_count<E>; ++ei) {
      auto s = static_cast<S>(si);
      auto e = static_cast<E>(ei);
      auto r = transition(s, e, false);
      auto it = legal.find({s, e});
      if (it != legal.end()) {
        EXPECT_TRUE(r.ok) << enum_name(s) << " + " << enum_name(e) << ": " << r.reason;
        EXPECT_EQ(r.status, it->second) << enum_name(s) << " + " << enum_name(e);
        EXPECT_TRUE(r.reason.empty());
      } else {
        EXPECT_FALSE(r.ok) << enum_name(s) << " + " << enum_name(e) << " must be refused";
        EXPECT_EQ(r.status, s) << "a refused event leaves the status alone";
        EXPECT_NE(r.reason.find(std::string{enum_name(e)}), std::string::npos) << r.reason;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 10 * 11);
}

TEST(OrderStateMachine, RefusedCancelReturnsToPartiallyFilledWhenSomethingExecuted) {
  auto r = transition(S::pending_cancel, E::cancel_reject, true);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, S::partially_filled);
}

TEST(OrderStateMachine, LateFillAfterCancelRequestCompletesTheOrder) {
  auto r = transition(S::pending_cancel, E::fill);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, S::filled);
  EXPECT_TRUE(is_terminal(r.status));
}

TEST(OrderStateMachine, FilledOrderRefusesAnOverfill) {
  auto r = transition(S::filled, E::partial_fill);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "illegal transition: event partial_fill in status filled");
}

TEST(OrderStateMachine, OpenAndTerminalStatuses) {
  EXPECT_TRUE(is_open(S::pending_new));
  EXPECT_TRUE(is_open(S::new_));
  EXPECT_TRUE(is_open(S::partially_filled));
  EXPECT_TRUE(is_open(S::pending_cancel));
  for (auto s : {S::filled, S::canceled, S::rejected, S::expired, S::replaced})
    EXPECT_TRUE(is_terminal(s)) << enum_name(s);
}
