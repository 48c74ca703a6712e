// libFuzzer target for the msgpack and JSON decoders: any bytes, any message type, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "messages/codec.hpp"

namespace {

using namespace engine;

template <class T>
void decode_both(std::string_view bytes) {
  T a;
  if (from_msgpack(bytes, a)) {
    // What decodes must encode again and decode to the same bytes.
    auto again = to_msgpack(a);
    T b;
    if (!from_msgpack(again, b) || to_msgpack(b) != again)
      __builtin_trap();
  }
  T c;
  if (from_json(bytes, c)) {
    auto json = to_json(c);
    T d;
    if (!from_json(json, d) || to_json(d) != json)
      __builtin_trap();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  // The first byte picks the message type; the rest is the input.
  std::string_view bytes{reinterpret_cast<const char*>(data) + 1, size - 1};
#define ENGINE_COUNT_ONE(T) +1
  constexpr int type_count = 0 ENGINE_MESSAGE_TYPES(ENGINE_COUNT_ONE);
#undef ENGINE_COUNT_ONE
  int pick = data[0] % type_count;
  int i = 0;
#define ENGINE_FUZZ_ONE(T)                                                     \
  if (i++ == pick)                                                             \
    decode_both<T>(bytes);
  ENGINE_MESSAGE_TYPES(ENGINE_FUZZ_ONE)
#undef ENGINE_FUZZ_ONE
  return 0;
}
