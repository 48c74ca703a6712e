// The TWS error code table: each code the adapter acts on maps to its action.
#include "brokers/ibkr/error_codes.hpp"

#include <gtest/gtest.h>

using namespace engine::ibkr;

namespace {

struct code_case {
  int code;
  bool has_order_id;
  error_action action;
};

TEST(ibkr_error_codes, table) {
  const code_case cases[] = {
    {1100, false, error_action::connectivity_lost},
    {1101, false, error_action::restored_data_lost},
    {1102, false, error_action::restored_data_kept},
    {2104, false, error_action::notice},
    {2106, false, error_action::notice},
    {2158, false, error_action::notice},
    {2103, false, error_action::notice},
    {2199, false, error_action::notice}, // any 21xx is a warning
    {326, false, error_action::client_id_in_use},
    {201, true, error_action::order_rejected},
    {110, true, error_action::order_rejected},
    {103, true, error_action::order_rejected},
    {202, true, error_action::order_canceled},
    {10147, true, error_action::cancel_refused},
    {10148, true, error_action::cancel_refused},
    {161, true, error_action::cancel_refused},
    {104, true, error_action::modify_refused},
    {502, false, error_action::connection_failed},
    {504, false, error_action::connection_failed},
    {503, false, error_action::fatal},
    {399, true, error_action::notice},
    {105, true, error_action::modify_refused},
    {1300, false, error_action::connection_failed},
    {507, false, error_action::connection_failed},
    {2105, false, error_action::notice},
    {2107, false, error_action::notice},
    {2108, false, error_action::notice},
    {2119, false, error_action::notice},
    {2157, false, error_action::notice},
    {203, true, error_action::order_rejected},
    {135, true, error_action::order_rejected},
    {200, true, error_action::order_rejected},
    {321, true, error_action::order_rejected},
    {322, true, error_action::order_rejected},
    {383, true, error_action::order_rejected},
    {387, true, error_action::order_rejected},
    // Errors with id -1 are notices; an order code keeps its meaning either way.
    {201, false, error_action::order_rejected},
    {99999, true, error_action::other},
    {99999, false, error_action::notice},
  };
  for (const auto& c : cases) {
    auto info = classify_error(c.code, c.has_order_id);
    EXPECT_EQ(info.action, c.action) << c.code << " -> " << action_name(info.action);
    EXPECT_EQ(info.code, c.code);
    EXPECT_FALSE(info.meaning.empty());
  }
}

TEST(ibkr_error_codes, action_names_are_distinct) {
  EXPECT_EQ(action_name(error_action::connectivity_lost), "connectivity_lost");
  EXPECT_EQ(action_name(error_action::cancel_refused), "cancel_refused");
  EXPECT_NE(action_name(error_action::restored_data_lost),
            action_name(error_action::restored_data_kept));
}

} // namespace
