// The platform-independent PRNG, normal sampler, exp and log behind synthetic data.
#include "actors/market_data/det_random.hpp"

#include <cmath>
#include <limits>

// A fused multiply-add rounds once instead of twice and would change bits
// between machines (GCC in gnu++ mode with -march=haswell does contract).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace engine {

uint64_t splitmix64(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t stable_hash(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

namespace {

inline uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

} // namespace

det_rng::det_rng(uint64_t seed) {
  uint64_t sm = seed;
  for (auto& s : s_)
    s = splitmix64(sm);
  // splitmix64 never yields four zeros in a row, so the state is valid.
}

uint64_t det_rng::next_u64() {
  uint64_t result = rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double det_rng::next_double() {
  // The top 53 bits scaled by 2^-53: exact, so identical everywhere.
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

uint64_t det_rng::below(uint64_t n) {
  // Rejection of the short last bucket keeps every value equally likely.
  uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % n;
  uint64_t x;
  do {
    x = next_u64();
  } while (x >= limit);
  return x % n;
}

double det_rng::next_normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u;
  double v;
  double s;
  do {
    u = 2.0 * next_double() - 1.0;
    v = 2.0 * next_double() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double f = std::sqrt(-2.0 * det_log(s) / s); // sqrt is correctly rounded by IEEE-754
  spare_ = v * f;
  has_spare_ = true;
  return u * f;
}

namespace {

// ln 2 split so that k * ln2_hi is exact for |k| < 2^11 (low bits of hi are zero).
constexpr double ln2_hi = 6.93147180369123816490e-01;
constexpr double ln2_lo = 1.90821492927058770002e-10;
constexpr double inv_ln2 = 1.44269504088896338700e+00;
constexpr double sqrt_half = 0.70710678118654752440;

} // namespace

double det_log(double x) {
  if (std::isnan(x) || x < 0)
    return std::numeric_limits<double>::quiet_NaN();
  if (x == 0)
    return -std::numeric_limits<double>::infinity();
  if (std::isinf(x))
    return x;
  int e = 0;
  double m = std::frexp(x, &e); // x = m * 2^e, m in [0.5, 1), exact
  if (m < sqrt_half) {
    m *= 2.0;
    --e;
  }
  // ln m = 2 atanh(s) with s = (m-1)/(m+1), |s| <= 0.1716: the odd series
  // s + s^3/3 + s^5/5 + ... reaches 1e-19 by s^25.
  double s = (m - 1.0) / (m + 1.0);
  double s2 = s * s;
  static constexpr double inv_odd[13] = {1.0 / 1,  1.0 / 3,  1.0 / 5,  1.0 / 7,  1.0 / 9,
                                         1.0 / 11, 1.0 / 13, 1.0 / 15, 1.0 / 17, 1.0 / 19,
                                         1.0 / 21, 1.0 / 23, 1.0 / 25};
  double p = inv_odd[12];
  for (int k = 11; k >= 0; --k)
    p = inv_odd[k] + s2 * p;
  double ln_m = 2.0 * s * p;
  double de = static_cast<double>(e);
  return de * ln2_hi + (ln_m + de * ln2_lo);
}

double det_exp(double x) {
  if (std::isnan(x))
    return x;
  if (x > 709.782712893384)
    return std::numeric_limits<double>::infinity();
  if (x < -745.1332191019412)
    return 0.0;
  // x = k ln2 + r with |r| <= ln2/2; exp(x) = 2^k exp(r).
  double k = std::floor(x * inv_ln2 + 0.5);
  double r = (x - k * ln2_hi) - k * ln2_lo;
  // Taylor series of exp(r) in Horner form; r^16/16! < 1e-20 for |r| <= 0.35.
  // Multiplying by rounded reciprocals is as deterministic as dividing, and faster.
  static constexpr double inv[17] = {0,        1.0 / 1,  1.0 / 2,  1.0 / 3,  1.0 / 4,  1.0 / 5,
                                     1.0 / 6,  1.0 / 7,  1.0 / 8,  1.0 / 9,  1.0 / 10, 1.0 / 11,
                                     1.0 / 12, 1.0 / 13, 1.0 / 14, 1.0 / 15, 1.0 / 16};
  double p = 1.0;
  for (int n = 16; n >= 1; --n)
    p = 1.0 + r * p * inv[n];
  return std::ldexp(p, static_cast<int>(k));
}

} // namespace engine
