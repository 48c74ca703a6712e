// A seeded PRNG, normal sampler, exp and log that give the same bits on every IEEE-754 platform.
#pragma once

#include <cstdint>
#include <string_view>

namespace engine {

/// One splitmix64 step: advances state and returns the next output. Used to
/// expand a 64-bit seed into generator state (and as a stable mixer).
uint64_t splitmix64(uint64_t& state);

/// FNV-1a of a string: a stable hash (std::hash is not) to derive per-name streams.
uint64_t stable_hash(std::string_view text);

/// xoshiro256** seeded through splitmix64, plus the draws we need. std::
/// distributions are implementation-defined, so we never use them for
/// anything that must replay identically.
///
/// Determinism needs IEEE-754 doubles without excess precision (SSE2 on
/// x86-64, any AArch64) and no FMA contraction (pragmas in our sources turn
/// it off for GCC and clang, except under clang's -ffp-contract=fast, which
/// ignores pragmas; a pinned-value test checks the bits).
class det_rng {
public:
  explicit det_rng(uint64_t seed);

  uint64_t next_u64();
  /// Uniform in [0, 1) with 53 random bits.
  double next_double();
  /// Uniform integer in [0, n), unbiased; n > 0.
  uint64_t below(uint64_t n);
  /// Standard normal (Marsaglia's polar form of Box-Muller, using det_log).
  double next_normal();

private:
  uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

/// Natural log and exponential from +, -, *, / and frexp/ldexp only (all exact
/// or correctly rounded in IEEE-754), so unlike std::log/std::exp their
/// results do not depend on the C library. Relative error below 1e-15.
double det_log(double x);
double det_exp(double x);

} // namespace engine
