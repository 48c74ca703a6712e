// CRC32C against published check values and its incremental form.
#include "actors/journal/crc32c.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

using namespace engine;

TEST(Crc32c, KnownValues) {
  struct row {
    std::string input;
    uint32_t crc;
  };
  // "123456789" is the standard check value; the 32-byte rows are RFC 3720 (iSCSI) B.4.
  std::string ascending(32, '\0');
  std::string descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<char>(i);
    descending[i] = static_cast<char>(31 - i);
  }
  const row rows[] = {
    {"", 0x00000000u},
    {"a", 0xC1D04330u},
    {"123456789", 0xE3069283u},
    {std::string(32, '\0'), 0x8A9136AAu},
    {std::string(32, '\xFF'), 0x62A8AB43u},
    {ascending, 0x46DD794Eu},
    {descending, 0x113FDB5Cu},
  };
  for (const auto& r : rows)
    EXPECT_EQ(crc32c(r.input), r.crc) << "input of " << r.input.size() << " bytes";
}

TEST(Crc32c, ExtendEqualsWholeAtEverySplitAndAlignment) {
  std::mt19937 rng{7};
  std::string buf(300, '\0');
  for (auto& c : buf)
    c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 8; ++offset) {
    std::string_view s{buf.data() + offset, buf.size() - offset};
    auto whole = crc32c(s);
    for (size_t cut = 0; cut <= s.size(); cut += 13) {
      auto first = crc32c_extend(0, s.data(), cut);
      EXPECT_EQ(crc32c_extend(first, s.data() + cut, s.size() - cut), whole)
        << "offset " << offset << " cut " << cut;
    }
  }
}

TEST(Crc32c, EveryFlippedBitChangesTheCrc) {
  std::string line = R"({"seq":1,"ts":5,"event":"received","ticker":"AAPL"})";
  auto good = crc32c(line);
  for (size_t i = 0; i < line.size(); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      auto bad = line;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_NE(crc32c(bad), good) << "byte " << i << " bit " << bit;
    }
}

// The instruction path and the table path agree on random buffers of every
// length up to 1 KiB, at every alignment, from random starting CRCs.
TEST(Crc32c, HardwareEqualsTableOnRandomBuffers) {
  if (!crc32c_hardware_available())
    GTEST_SKIP() << "no CRC32C instruction on this CPU (crc32c runs on: "
                 << crc32c_implementation() << ")";
  std::mt19937_64 rng{2026};
  std::string buf(1024 + 16, '\0');
  for (int round = 0; round < 4; ++round) {
    for (auto& c : buf)
      c = static_cast<char>(rng());
    for (size_t len = 0; len <= 1024; ++len) {
      auto offset = static_cast<size_t>(rng() % 16);
      auto start = static_cast<uint32_t>(rng());
      const char* p = buf.data() + offset;
      ASSERT_EQ(crc32c_extend_hardware(start, p, len), crc32c_extend_portable(start, p, len))
        << "length " << len << " offset " << offset << " start " << start;
    }
  }
  EXPECT_EQ(crc32c_extend_hardware(0, "123456789", 9), 0xE3069283u);
}

TEST(Crc32c, DispatchUsesTheInstructionWhereTheCpuHasIt) {
  std::string impl = crc32c_implementation();
  EXPECT_EQ(impl != "table", crc32c_hardware_available());
  std::string big(100000, 'x');
  EXPECT_EQ(crc32c(big), crc32c_extend_portable(0, big.data(), big.size()));
}
