// The transport header codec, key files and option validation.
#include "nodes/transport/wire.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <msgpack.hpp>

#include "nodes/transport/keys.hpp"
#include "nodes/transport/node_link.hpp"

using namespace engine::transport;

namespace {

frame_header sample_data() {
  frame_header h;
  h.kind = frame_kind::data;
  h.sender_node = "node-a";
  h.incarnation = 0xDEADBEEFCAFEF00Dull;
  h.target = "order_manager";
  h.type_id = 65535;
  h.seq = 1ull << 40;
  h.reply_to = "strategy";
  h.request_id = 77;
  h.ack_upto = (1ull << 40) - 5;
  return h;
}

template <class... Ts>
std::string pack_array(const Ts&... items) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(sizeof...(items));
  (pk.pack(items), ...);
  return {buf.data(), buf.size()};
}

} // namespace

TEST(TransportWire, EveryKindRoundTrips) {
  frame_header ack;
  ack.kind = frame_kind::ack;
  ack.sender_node = "node-b";
  ack.incarnation = 9;
  ack.ack_upto = 123;
  ack.ack_incarnation = 0xDEADBEEFCAFEF00Dull;
  frame_header hb;
  hb.kind = frame_kind::heartbeat;
  hb.sender_node = "node-a";
  hb.incarnation = 1;
  hb.seq = 10;
  hb.ack_upto = 8;
  for (const auto& h : {sample_data(), ack, hb}) {
    std::string bytes = encode_header(h);
    frame_header back;
    std::string why;
    ASSERT_TRUE(decode_header(bytes.data(), bytes.size(), back, &why)) << why;
    EXPECT_EQ(back.kind, h.kind);
    EXPECT_EQ(back.sender_node, h.sender_node);
    EXPECT_EQ(back.incarnation, h.incarnation);
    EXPECT_EQ(back.target, h.target);
    EXPECT_EQ(back.type_id, h.type_id);
    EXPECT_EQ(back.seq, h.seq);
    EXPECT_EQ(back.reply_to, h.reply_to);
    EXPECT_EQ(back.request_id, h.request_id);
    EXPECT_EQ(back.ack_upto, h.ack_upto);
    EXPECT_EQ(back.ack_incarnation, h.ack_incarnation);
  }
}

TEST(TransportWire, DataHeaderFromEnvelopeEqualsGeneralEncoder) {
  envelope e;
  e.sender_node = "node-a";
  e.incarnation = 0xDEADBEEFCAFEF00Dull;
  e.target = "order_manager";
  e.type_id = 65535;
  e.seq = 1ull << 40;
  e.reply_to = "strategy";
  e.request_id = 77;
  std::string direct;
  encode_data_header(e, (1ull << 40) - 5, direct);
  EXPECT_EQ(direct, encode_header(sample_data()));
}

TEST(TransportWire, MalformedHeadersAreRejected) {
  const std::string good = encode_header(sample_data());
  std::string v2 = good;
  v2[1] = 2; // element 0 after the fixarray byte: the version
  std::string bad_kind = good;
  bad_kind[2] = 3;
  frame_header no_target = sample_data();
  no_target.target.clear();
  frame_header no_seq = sample_data();
  no_seq.seq = 0;
  frame_header no_sender = sample_data();
  no_sender.sender_node.clear();
  frame_header no_incarnation = sample_data();
  no_incarnation.incarnation = 0;
  frame_header long_name = sample_data();
  long_name.target.assign(max_name_bytes + 1, 'x');
  frame_header ack_without = sample_data();
  ack_without.kind = frame_kind::ack;
  ack_without.ack_incarnation = 0;
  using s = std::string;
  struct row {
    const char* name;
    std::string bytes;
  };
  const row rows[] = {
    {"empty", ""},
    {"not msgpack", "\xc1\xc1\xc1"},
    {"truncated", good.substr(0, good.size() - 3)},
    {"trailing byte", good + "\x01"},
    {"a map", std::string("\x81\x01\x02", 3)},
    {"a short array", pack_array(1u, 0u)},
    {"wrong version", v2},
    {"unknown kind", bad_kind},
    {"string where an int goes",
     pack_array(1u, 0u, s("a"), s("x"), s("t"), 1u, 1u, s(""), 0u, 0u, 0u)},
    {"negative seq",
     pack_array(1u, 0u, s("a"), 1u, s("t"), 1u, -1, s(""), 0u, 0u, 0u)},
    {"type id over 16 bits",
     pack_array(1u, 0u, s("a"), 1u, s("t"), 70000u, 1u, s(""), 0u, 0u, 0u)},
    {"data without target", encode_header(no_target)},
    {"data without seq", encode_header(no_seq)},
    {"no sender", encode_header(no_sender)},
    {"no incarnation", encode_header(no_incarnation)},
    {"name too long", encode_header(long_name)},
    {"ack without incarnation", encode_header(ack_without)},
  };
  for (const auto& r : rows) {
    frame_header h;
    std::string why;
    EXPECT_FALSE(decode_header(r.bytes.data(), r.bytes.size(), h, &why)) << r.name;
    EXPECT_FALSE(why.empty()) << r.name;
  }
}

TEST(TransportWire, ArbitraryBytesNeverThrow) {
  // A cheap stand-in for fuzzing: every prefix and byte flip of a good header.
  const std::string good = encode_header(sample_data());
  frame_header h;
  for (size_t n = 0; n <= good.size(); ++n)
    EXPECT_NO_THROW(decode_header(good.data(), n, h));
  for (size_t i = 0; i < good.size(); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      std::string b = good;
      b[i] = static_cast<char>(b[i] ^ (1 << bit));
      EXPECT_NO_THROW(decode_header(b.data(), b.size(), h));
    }
}

class TransportKeys : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/transport-keys-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const char* f : {"/node.key", "/node.key_secret", "/bad.key"})
      ::unlink((dir_ + f).c_str());
    ::rmdir(dir_.c_str());
  }
  std::string dir_;
};

TEST_F(TransportKeys, GeneratedPairsAreValidAndDistinct) {
  auto [pub1, sec1] = generate_curve_keypair();
  auto [pub2, sec2] = generate_curve_keypair();
  EXPECT_TRUE(is_z85_key(pub1));
  EXPECT_TRUE(is_z85_key(sec1));
  EXPECT_NE(pub1, pub2);
  EXPECT_EQ(public_key_of(sec1), pub1);
  EXPECT_EQ(public_key_of(sec2), pub2);
  EXPECT_FALSE(is_z85_key(pub1.substr(1)));
  EXPECT_FALSE(is_z85_key(std::string(40, '"')));
  EXPECT_EQ(public_key_of("short"), "");
}

TEST_F(TransportKeys, FilesRoundTripWithPrivateSecret) {
  const std::string pub_path = dir_ + "/node.key", sec_path = dir_ + "/node.key_secret";
  std::string pub = write_key_files(pub_path, sec_path);
  struct stat st {};
  ASSERT_EQ(::stat(sec_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(pub_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(read_key_file(pub_path), pub);
  EXPECT_EQ(public_key_of(read_key_file(sec_path)), pub);
  // Keys are never replaced by accident...
  EXPECT_THROW(write_key_files(pub_path, sec_path), std::runtime_error);
  EXPECT_EQ(read_key_file(pub_path), pub);
  // ...only on request.
  std::string pub2 = write_key_files(pub_path, sec_path, /*overwrite*/ true);
  EXPECT_NE(pub2, pub);
  EXPECT_EQ(read_key_file(pub_path), pub2);
}

TEST_F(TransportKeys, ReadErrorsNameThePath) {
  const std::string missing = dir_ + "/missing.key";
  try {
    read_key_file(missing);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  const std::string bad = dir_ + "/bad.key";
  std::ofstream(bad) << "  not a key  \n";
  try {
    read_key_file(bad);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
}

TEST(TransportOptions, InvalidConfigurationsAreRefused) {
  auto [pa, sa] = generate_curve_keypair();
  auto [pb, sb] = generate_curve_keypair();
  auto base = [&] {
    link_options o;
    o.node_name = "a";
    o.bind_endpoint = "tcp://127.0.0.1:*";
    o.peers = {{"b", "tcp://127.0.0.1:1", ""}};
    return o;
  };
  auto keyed = [&] {
    link_options o = base();
    o.public_key = pa;
    o.secret_key = sa;
    o.peers[0].public_key = pb;
    return o;
  };
  struct row {
    const char* name;
    link_options opts;
  };
  std::vector<row> rows;
  rows.push_back({"empty node name", base()});
  rows.back().opts.node_name.clear();
  rows.push_back({"peer named like the node", base()});
  rows.back().opts.peers[0].name = "a";
  rows.push_back({"duplicate peer", base()});
  rows.back().opts.peers.push_back(rows.back().opts.peers[0]);
  rows.push_back({"peer key without node keys", base()});
  rows.back().opts.peers[0].public_key = pb;
  rows.push_back({"node keys without peer key", keyed()});
  rows.back().opts.peers[0].public_key.clear();
  rows.push_back({"public key of another secret", keyed()});
  rows.back().opts.secret_key = sb;
  rows.push_back({"malformed peer key", keyed()});
  rows.back().opts.peers[0].public_key = pb.substr(0, 39) + "\"";
  rows.push_back({"two peers one key", keyed()});
  rows.back().opts.peers.push_back({"c", "", pb});
  rows.push_back({"zero heartbeat", base()});
  rows.back().opts.heartbeat_ms = 0;
  for (auto& r : rows)
    EXPECT_THROW(node_link(r.opts, nullptr, nullptr), std::invalid_argument) << r.name;
  EXPECT_NO_THROW(node_link(base(), nullptr, nullptr));
  EXPECT_NO_THROW(node_link(keyed(), nullptr, nullptr));
}
