// CRC32C: the CPU's instruction where there is one (checked once at run time), slicing-by-8 tables otherwise.
#include "actors/journal/crc32c.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#elif defined(__aarch64__)
#if !defined(__clang__)
#include <arm_acle.h>
#endif
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
#endif

namespace engine {

namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the slicing loop reads words as little-endian (x86-64, aarch64)");

// Reflected form of the Castagnoli polynomial 0x1EDC6F41.
constexpr uint32_t poly = 0x82F63B78u;

using crc_tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr crc_tables make_tables() {
  crc_tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
    t[0][i] = c;
  }
  // t[k][i] is the CRC of byte i followed by k zero bytes: it lets eight input
  // bytes be folded in with eight independent lookups instead of a serial chain.
  for (size_t k = 1; k < 8; ++k)
    for (uint32_t i = 0; i < 256; ++i)
      t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
  return t;
}

constexpr crc_tables tables = make_tables();

using crc_fn = uint32_t (*)(uint32_t, const void*, size_t);

crc_fn pick() {
  return crc32c_hardware_available() ? crc32c_extend_hardware : crc32c_extend_portable;
}

} // namespace

uint32_t crc32c_extend_portable(uint32_t crc, const void* data, size_t n) {
  auto p = static_cast<const unsigned char*>(data);
  uint32_t c = ~crc;
  // Align to 8 bytes so the wide loads below are cheap everywhere.
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = (c >> 8) ^ tables[0][(c ^ *p++) & 0xFF];
    --n;
  }
  while (n >= 8) {
    uint32_t lo;
    uint32_t hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= c;
    c = tables[7][lo & 0xFF] ^ tables[6][(lo >> 8) & 0xFF] ^ tables[5][(lo >> 16) & 0xFF]
        ^ tables[4][lo >> 24] ^ tables[3][hi & 0xFF] ^ tables[2][(hi >> 8) & 0xFF]
        ^ tables[1][(hi >> 16) & 0xFF] ^ tables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = (c >> 8) ^ tables[0][(c ^ *p++) & 0xFF];
    --n;
  }
  return ~c;
}

#if defined(__x86_64__)

bool crc32c_hardware_available() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}

// Compiled for SSE4.2 on its own, so the rest of the build keeps the baseline ISA.
__attribute__((target("sse4.2"))) uint32_t crc32c_extend_hardware(uint32_t crc, const void* data,
                                                                 size_t n) {
  auto p = static_cast<const unsigned char*>(data);
  uint64_t c = ~crc;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8); // unaligned loads cost nothing extra on x86-64
    c = _mm_crc32_u64(c, w);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  if (n >= 4) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    c32 = _mm_crc32_u32(c32, w);
    p += 4;
    n -= 4;
  }
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, *p++);
    --n;
  }
  return ~c32;
}

const char* crc32c_implementation() {
  return crc32c_hardware_available() ? "sse4.2" : "table";
}

#elif defined(__aarch64__)

bool crc32c_hardware_available() {
  static const bool has = (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
  return has;
}

// GCC's arm_acle.h declares the CRC intrinsics under its own target pragma;
// some clang versions declare them only when the whole file is built for +crc,
// so clang gets its builtins (only this function is built for +crc).
#if defined(__clang__)
#define ENGINE_CRC_TARGET __attribute__((target("crc")))
#define ENGINE_CRC32CD(c, w) __builtin_arm_crc32cd(c, w)
#define ENGINE_CRC32CB(c, b) __builtin_arm_crc32cb(c, b)
#else
#define ENGINE_CRC_TARGET __attribute__((target("+crc")))
#define ENGINE_CRC32CD(c, w) __crc32cd(c, w)
#define ENGINE_CRC32CB(c, b) __crc32cb(c, b)
#endif

ENGINE_CRC_TARGET uint32_t crc32c_extend_hardware(uint32_t crc, const void* data, size_t n) {
  auto p = static_cast<const unsigned char*>(data);
  uint32_t c = ~crc;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c = ENGINE_CRC32CD(c, w);
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = ENGINE_CRC32CB(c, *p++);
    --n;
  }
  return ~c;
}

const char* crc32c_implementation() {
  return crc32c_hardware_available() ? "armv8-crc" : "table";
}

#else

bool crc32c_hardware_available() {
  return false;
}

uint32_t crc32c_extend_hardware(uint32_t crc, const void* data, size_t n) {
  return crc32c_extend_portable(crc, data, n);
}

const char* crc32c_implementation() {
  return "table";
}

#endif

uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n) {
  static const crc_fn fn = pick();
  return fn(crc, data, n);
}

} // namespace engine
