// Where quotes come from: synthetic random walks or a CSV replay, behind one interface.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "config/app_config.hpp"
#include "messages/market.hpp"

namespace engine {

class quote_source {
public:
  virtual ~quote_source() = default;
  /// The timestamp of the next quote, or nullopt at the end of the data.
  virtual std::optional<timestamp_ns> peek_time() = 0;
  /// Replaces out with up to n quotes in time order; empty at the end.
  virtual void next_batch(size_t n, std::vector<Quote>& out) = 0;
  /// Where the data's time ends (the session close for synthetic data), if known.
  virtual std::optional<timestamp_ns> end_time() const { return std::nullopt; }
};

/// Builds the configured source. Synthetic data runs from clock.start to the
/// close of that session; CSV data runs to the end of the file.
std::unique_ptr<quote_source> make_quote_source(const market_data_config& md,
                                                const clock_config& clock,
                                                const session_config& session);

} // namespace engine
