// CRC32C (Castagnoli), the checksum that guards every journal line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace engine {

/// Continues a CRC32C over n more bytes: crc32c_extend(crc32c(a), b) == crc32c(a + b).
/// Uses the CPU's CRC32C instruction when it has one (x86-64 SSE4.2, ARMv8 CRC),
/// checked once at run time, and the portable tables otherwise.
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n);

/// The CRC32C of a byte string (initial value and final xor 0xFFFFFFFF, reflected,
/// polynomial 0x1EDC6F41); crc32c("123456789") == 0xE3069283.
inline uint32_t crc32c(std::string_view bytes) {
  return crc32c_extend(0, bytes.data(), bytes.size());
}

/// Slicing-by-8 over compile-time tables: about 1 byte per cycle, no CPU feature needed.
uint32_t crc32c_extend_portable(uint32_t crc, const void* data, size_t n);

/// True when this CPU has a CRC32C instruction that crc32c_extend_hardware uses.
bool crc32c_hardware_available();

/// The CRC32C instruction path; only valid when crc32c_hardware_available().
uint32_t crc32c_extend_hardware(uint32_t crc, const void* data, size_t n);

/// "sse4.2", "armv8-crc" or "table": what crc32c_extend runs on this machine.
const char* crc32c_implementation();

} // namespace engine
